export { MalformedEventError } from '../../packages/publisher/src/malformed-event-error';

/**
 * DynamoDB did not store the record's event, after any retries.
 */
export class WriteFailedError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WriteFailedError';
  }
}

/**
 * A record could not be sent to the dead-letter queue. It is reported as a
 * batch item failure instead, and reaches the dead-letter queue through the
 * queue's redrive policy.
 */
export class DeadLetterFailedError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeadLetterFailedError';
  }
}

/**
 * An earlier record of the same FIFO message group failed in this batch, so
 * this one is returned to the queue to keep the group in order.
 */
export class MessageGroupBlockedError extends Error {
  public constructor(messageGroupId: string) {
    super(`skipped: an earlier record of message group ${JSON.stringify(messageGroupId)} failed`);
    this.name = 'MessageGroupBlockedError';
  }
}

/**
 * The function's environment is missing a setting or holds an invalid one.
 */
export class ConfigurationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** Turns anything thrown into an Error, so it can be logged and reported. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
