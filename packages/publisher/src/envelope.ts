import * as v from 'valibot';
import { MalformedEventError } from './malformed-event-error';
import { preview, truncate } from './preview';

export { MalformedEventError } from './malformed-event-error';

/**
 * A CloudEvents 1.0 event as carried in an SQS message body (SNS raw message
 * delivery), with the `sequence` extension as a number.
 */
export interface PipelineEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  /** The entity the event is about; also the FIFO message group. */
  readonly subject: string;
  /** Position of the event among the events of its subject. */
  readonly sequence: number;
  readonly time?: string;
  readonly data?: unknown;
}

const NonEmptyString = v.pipe(v.string(), v.nonEmpty());

/**
 * `sequence` is an integer or a string of digits. Either way it becomes a
 * number, so "10" sorts after "9".
 */
const Sequence = v.union([
  v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number), v.safeInteger()),
]);

/** Checks the fields in this order and reports the first one that is wrong. */
export const PipelineEventSchema = v.looseObject({
  specversion: v.literal('1.0'),
  id: NonEmptyString,
  source: NonEmptyString,
  type: NonEmptyString,
  subject: NonEmptyString,
  sequence: Sequence,
  time: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  data: v.optional(v.unknown()),
});

const EXPECTED: Readonly<Record<string, string>> = {
  specversion: 'must be "1.0"',
  id: 'must be a non-empty string',
  source: 'must be a non-empty string',
  type: 'must be a non-empty string',
  subject: 'must be a non-empty string',
  sequence: 'must be a whole number >= 0 or a string of digits',
  time: 'must be an RFC 3339 timestamp',
};

/** A whole number, or a string of digits, beyond what a JavaScript number holds exactly. */
const SEQUENCE_TOO_LARGE = 'must be at most 2^53-1 (9007199254740991), the largest whole number compared exactly';

function isUnsafeWholeNumber(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER;
  return typeof value === 'string' && /^\d+$/.test(value) && !Number.isSafeInteger(Number(value));
}

/**
 * Parses and validates an SQS message body.
 *
 * @throws {MalformedEventError} naming the first field at fault
 */
export function parseEvent(body: string): PipelineEvent {
  const json = parseJsonObject(body);
  const result = v.safeParse(PipelineEventSchema, json, { abortEarly: true });
  if (!result.success) {
    const field = String(result.issues[0].path?.[0]?.key ?? 'body');
    const eventId = typeof json.id === 'string' && json.id !== '' ? json.id : undefined;
    if (!Object.hasOwn(json, field)) {
      throw new MalformedEventError(field, 'required', { eventId });
    }
    const expected = field === 'sequence' && isUnsafeWholeNumber(json.sequence) ? SEQUENCE_TOO_LARGE : EXPECTED[field];
    throw new MalformedEventError(field, expected ?? 'is invalid', { value: preview(json[field]), eventId });
  }
  const { specversion, id, source, type, subject, sequence, time, data } = result.output;
  return { specversion, id, source, type, subject, sequence, time, data };
}

function parseJsonObject(body: string): Record<string, unknown> {
  if (body.trim() === '') {
    throw new MalformedEventError('body', 'must not be empty');
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MalformedEventError('body', `not valid JSON (${truncate((error as Error).message)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedEventError('body', 'must be a JSON object', { value: preview(json) });
  }
  const object = json as Record<string, unknown>;
  if (object.Type === 'Notification' && typeof object.Message === 'string') {
    throw new MalformedEventError(
      'body',
      'is an SNS notification envelope, not an event; enable raw message delivery on the subscription',
    );
  }
  return object;
}
