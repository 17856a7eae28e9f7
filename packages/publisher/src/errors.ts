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

/**
 * Two or more events of one input have the same id and different content.
 * The topic would keep only the first (the id is the deduplication id) and
 * the events table one item per id, so the others would be lost without a
 * word: all of them are refused, before anything is sent.
 */
export class DuplicateIdError extends InvalidEventError {
  /** The id they share. */
  public readonly id: string;
  /** Positions, in the list given, of every event with this id, this one included. */
  public readonly indexes: readonly number[];

  public constructor(id: string, index: number, indexes: readonly number[]) {
    const others = indexes.filter((i) => i !== index);
    super(
      'id',
      `${JSON.stringify(id)} is also the id of the event at index ${others.join(', ')}, with different content: ` +
        'one id must be one event (give each its own id, or drop the copies)',
    );
    this.name = 'DuplicateIdError';
    this.id = id;
    this.indexes = indexes;
  }
}

/** Why an event was not published, or may not have been: see `NotPublishedResult`. */
export interface PublishFailure {
  /**
   * The error code SNS or the SDK gave (`InternalError`, `ThrottlingException`,
   * `ECONNRESET`), the Events API's (`BadRequest`, `Throttled`, `INVALID_API_KEY`,
   * or `HTTP<status>` when its answer names none), or the publisher's own:
   * `Skipped`, `NotSent`, `Interrupted`.
   */
  readonly code: string;
  readonly message: string;
  /**
   * Whether publishing the event again may succeed and is safe: true for
   * `unknown` and `not-sent` events, and for `failed` ones refused with a code
   * that may pass (throttling, a server fault).
   */
  readonly retryable: boolean;
  /** The HTTP status the Events API answered, for an event sent through it and refused. */
  readonly status?: number;
}
