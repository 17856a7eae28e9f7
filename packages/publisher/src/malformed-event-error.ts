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
