/**
 * Names of the message attributes a handler adds to a record it sends to the
 * dead-letter queue itself. Read by the CLI (`dlq inspect`, `redrive`) and the
 * local run, so kept free of imports.
 */
export const FAILURE_ATTRIBUTES = {
  /** The error message, at most 1,024 characters. */
  reason: 'failure.reason',
  /** The error's name, e.g. `MalformedEventError`. */
  errorName: 'failure.errorName',
  /** The record's message id on its own queue: the key of the handler's log lines. */
  sourceMessageId: 'failure.sourceMessageId',
  sourceQueueArn: 'failure.sourceQueueArn',
  /** The event's `id`, when the body has a usable one. */
  eventId: 'failure.eventId',
  /** AWS_LAMBDA_FUNCTION_NAME, when set. */
  function: 'failure.function',
} as const;

/** Every name in FAILURE_ATTRIBUTES starts with it. */
export const FAILURE_ATTRIBUTE_PREFIX = 'failure.';
