import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * The rules an event sent to the Events API must follow, in one place: the
 * request models below are generated from them. The first group repeats the
 * consumers' envelope rules (`lambda/shared/envelope.ts`); the second is what
 * the FIFO topic itself refuses. `test/events-api-model.test.ts` checks both
 * against the consumers' parser on one table of good and bad events.
 */
export const EVENT_RULES = {
  /** Fields every event must have. */
  required: ['specversion', 'id', 'source', 'type', 'subject', 'sequence'],
  /** The only CloudEvents version accepted. */
  specversion: '1.0',
  /** Fields that must be non-empty strings. */
  nonEmptyStrings: ['id', 'source', 'type', 'subject'],
  /** `sequence`: a whole number from 0 to this, or a string of digits of at most this value. */
  maxSequence: Number.MAX_SAFE_INTEGER,
  /** `time`, when present: an RFC 3339 timestamp (valibot's `isoTimestamp`). */
  timePattern:
    '^\\d{4}-(?:0[1-9]|1[0-2])-(?:[12]\\d|0[1-9]|3[01])[T ](?:0\\d|1\\d|2[0-3])(?::[0-5]\\d){2}(?:\\.\\d{1,9})?(?:Z| ?[+-](?:0\\d|1\\d|2[0-3])(?::?[0-5]\\d)?)$',
  /**
   * The topic's limits: `id` is the MessageDeduplicationId and `subject` the
   * MessageGroupId, each 1 to 128 printable ASCII characters, no spaces.
   */
  topicKeyPattern: '^[!-~]{1,128}$',
  /** Events in one batch request (PublishBatch). */
  maxBatchEntries: 10,
  /** The topic's message limit, in bytes (answered 413 above it). */
  maxMessageBytes: 256 * 1024,
} as const;

/**
 * A regular expression for a string of digits whose value is at most `max`,
 * leading zeros allowed (the consumers compare `Number(digits)`).
 */
export function digitsAtMost(max: number): string {
  const digits = String(max);
  const branches = [`\\d{1,${digits.length - 1}}`];
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    const rest = digits.length - i - 1;
    const low = i === 0 ? 1 : 0;
    if (d > low) branches.push(`${digits.slice(0, i)}[${low}-${d - 1}]${rest > 0 ? `\\d{${rest}}` : ''}`);
  }
  branches.push(digits);
  return `^0*(?:${branches.join('|')})$`;
}

/** The JSON Schema (draft 4) of one event. */
export function eventSchema(): apigateway.JsonSchema {
  const r = EVENT_RULES;
  const key = { type: apigateway.JsonSchemaType.STRING, pattern: r.topicKeyPattern };
  return {
    schema: apigateway.JsonSchemaVersion.DRAFT4,
    title: 'CloudEvent',
    type: apigateway.JsonSchemaType.OBJECT,
    required: [...r.required],
    properties: {
      specversion: { type: apigateway.JsonSchemaType.STRING, enum: [r.specversion] },
      id: key,
      source: { type: apigateway.JsonSchemaType.STRING, minLength: 1 },
      type: { type: apigateway.JsonSchemaType.STRING, minLength: 1 },
      subject: key,
      sequence: {
        anyOf: [
          { type: apigateway.JsonSchemaType.INTEGER, minimum: 0, maximum: r.maxSequence },
          { type: apigateway.JsonSchemaType.STRING, pattern: digitsAtMost(r.maxSequence) },
        ],
      },
      time: { type: apigateway.JsonSchemaType.STRING, pattern: r.timePattern },
    },
  };
}

/** The JSON Schema (draft 4) of a batch: 1 to 10 events. */
export function batchSchema(): apigateway.JsonSchema {
  const { schema: _schema, title: _title, ...event } = eventSchema();
  return {
    schema: apigateway.JsonSchemaVersion.DRAFT4,
    title: 'CloudEventBatch',
    type: apigateway.JsonSchemaType.ARRAY,
    minItems: 1,
    maxItems: EVENT_RULES.maxBatchEntries,
    items: event,
  };
}
