/**
 * An event was refused before anything was sent: it is not a valid pipeline
 * event, or it is too large for the topic.
 */
export class InvalidEventError extends Error {
  /** The envelope field at fault, or `body` when the event as a whole is unusable. */
  public readonly field: string;
  /** What is wrong with the field, without the field name. */
  public readonly reason: string;

  public constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'InvalidEventError';
    this.field = field;
    this.reason = reason;
  }
}

/** The event's message (body and message attributes) is larger than the topic accepts. */
export class EventTooLargeError extends InvalidEventError {
  /** Size of the body and the message attributes, in bytes. */
  public readonly bytes: number;
  /** The topic's limit, in bytes. */
  public readonly limit: number;

  public constructor(bytes: number, limit: number) {
    super(
      'body',
      `${bytes.toLocaleString('en-US')} bytes with its message attributes, over the topic's limit of ${limit.toLocaleString('en-US')} bytes`,
    );
    this.name = 'EventTooLargeError';
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** Why SNS did not publish an event, after any retries. */
export interface PublishFailure {
  /** The error code SNS or the SDK gave, e.g. `InternalError`, `ThrottlingException`, or `Skipped`. */
  readonly code: string;
  readonly message: string;
  /** Whether another attempt might have succeeded. */
  readonly retryable: boolean;
}
