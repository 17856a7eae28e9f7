/**
 * The body of an SQS message is not a valid pipeline event.
 *
 * Redelivery cannot fix it: the handler sends the record straight to its
 * queue's dead-letter queue when it knows that queue (DEAD_LETTER_QUEUE_URL);
 * otherwise the record fails on its own and ends in the dead-letter queue once
 * the queue's maxReceiveCount is reached.
 */
export class MalformedEventError extends Error {
  /** The envelope field at fault, or `body` when the body itself is unusable. */
  public readonly field: string;
  /** A short JSON preview of the value received, if there was one. */
  public readonly value: string | undefined;
  /** The event's `id`, when the body has a usable one. */
  public readonly eventId: string | undefined;

  public constructor(field: string, problem: string, details: { value?: string; eventId?: string } = {}) {
    const { value, eventId } = details;
    super(value === undefined ? `${field}: ${problem}` : `${field}: ${problem} (got ${value})`);
    this.name = 'MalformedEventError';
    this.field = field;
    this.value = value;
    this.eventId = eventId;
  }
}

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
