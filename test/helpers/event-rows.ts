/**
 * The shared table of good and bad events: the request model and the consumers' parser are
 * checked against it (test/events-api-model.test.ts), and so is the local API, which must answer
 * 202 to every good row and 400 to every bad one (test/local/events-api.e2e.test.ts).
 */
import { VALID_EVENT } from './cloud-event';

// Each row says what both do; rows marked `topic` are the FIFO topic's own limits
// (MessageGroupId, MessageDeduplicationId), which the consumers never see broken, so the model
// refuses them and the parser accepts them.

export type Verdict = 'ok' | string; // 'ok', or the field at fault
export interface Row {
  readonly name: string;
  readonly event: unknown;
  readonly expected: Verdict;
  /** Refused by the topic (and so the model); the consumers' parser accepts it. */
  readonly topic?: boolean;
}

const base = { ...VALID_EVENT } as Record<string, unknown>;
const without = (field: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
const withField = (field: string, value: unknown) => ({ ...base, [field]: value });

export const ROWS: Row[] = [
  { name: 'the sample event', event: base, expected: 'ok' },
  { name: 'only the required fields', event: { specversion: '1.0', id: 'e', source: 's', type: 't', subject: 'x', sequence: 0 }, expected: 'ok' },
  { name: 'extension attributes and any data', event: { ...base, traceparent: '00-abc', data: [1, 'two', null] }, expected: 'ok' },
  { name: 'non-ASCII source, type and data', event: { ...base, source: 'usine/Besançon', type: 'colis.expédié', data: { note: '包裹 ✓' } }, expected: 'ok' },
  // Written out, not read from the rules: a rule dropped from either side must fail a row
  ...['specversion', 'id', 'source', 'type', 'subject', 'sequence'].map((field) => ({ name: `no ${field}`, event: without(field), expected: field })),
  { name: 'specversion 0.3', event: withField('specversion', '0.3'), expected: 'specversion' },
  { name: 'specversion as a number', event: withField('specversion', 1.0), expected: 'specversion' },
  ...['id', 'source', 'type', 'subject'].flatMap((field) => [
    { name: `an empty ${field}`, event: withField(field, ''), expected: field },
    { name: `a numeric ${field}`, event: withField(field, 42), expected: field },
  ]),
  { name: 'sequence 0', event: withField('sequence', 0), expected: 'ok' },
  { name: 'sequence as a string of digits', event: withField('sequence', '0042'), expected: 'ok' },
  { name: 'sequence 2^53-1', event: withField('sequence', Number.MAX_SAFE_INTEGER), expected: 'ok' },
  { name: 'sequence "9007199254740991"', event: withField('sequence', '9007199254740991'), expected: 'ok' },
  { name: 'sequence "0009007199254740991" (leading zeros)', event: withField('sequence', '0009007199254740991'), expected: 'ok' },
  { name: 'sequence "8999999999999999"', event: withField('sequence', '8999999999999999'), expected: 'ok' },
  { name: 'sequence 2^53', event: withField('sequence', 2 ** 53), expected: 'sequence' },
  { name: 'sequence "9007199254740992"', event: withField('sequence', '9007199254740992'), expected: 'sequence' },
  { name: 'sequence "9007199254741000"', event: withField('sequence', '9007199254741000'), expected: 'sequence' },
  { name: 'sequence "10000000000000000"', event: withField('sequence', '10000000000000000'), expected: 'sequence' },
  { name: 'sequence -1', event: withField('sequence', -1), expected: 'sequence' },
  { name: 'sequence 1.5', event: withField('sequence', 1.5), expected: 'sequence' },
  { name: 'sequence "1.5"', event: withField('sequence', '1.5'), expected: 'sequence' },
  { name: 'sequence "-1"', event: withField('sequence', '-1'), expected: 'sequence' },
  { name: 'sequence ""', event: withField('sequence', ''), expected: 'sequence' },
  { name: 'sequence " 1"', event: withField('sequence', ' 1'), expected: 'sequence' },
  { name: 'sequence true', event: withField('sequence', true), expected: 'sequence' },
  { name: 'time with an offset and fractions', event: withField('time', '2025-03-01T11:59:00.123+01:00'), expected: 'ok' },
  { name: 'time with a space', event: withField('time', '2025-03-01 11:59:00Z'), expected: 'ok' },
  { name: 'time without a zone', event: withField('time', '2025-03-01T11:59:00'), expected: 'time' },
  { name: 'time as a date', event: withField('time', '2025-03-01'), expected: 'time' },
  { name: 'time in month 13', event: withField('time', '2025-13-01T11:59:00Z'), expected: 'time' },
  { name: 'time as a number', event: withField('time', 1740830340), expected: 'time' },
  { name: 'an array, not an object', event: [base], expected: 'body' },
  { name: 'a string, not an object', event: 'event', expected: 'body' },
  // The topic's limits
  { name: 'an id of 128 characters', event: withField('id', 'i'.repeat(128)), expected: 'ok' },
  { name: 'an id of 129 characters', event: withField('id', 'i'.repeat(129)), expected: 'id', topic: true },
  { name: 'a subject of 129 characters', event: withField('subject', 's'.repeat(129)), expected: 'subject', topic: true },
  { name: 'an id with a space', event: withField('id', 'evt 1'), expected: 'id', topic: true },
  { name: 'an id with a newline', event: withField('id', 'evt\n1'), expected: 'id', topic: true },
  { name: 'a non-ASCII subject', event: withField('subject', 'colis-é'), expected: 'subject', topic: true },
  { name: 'an id with quotes, # and $ (punctuation is allowed)', event: withField('id', `a'"#set($x)`), expected: 'ok' },
  { name: 'a subject with & and = (punctuation is allowed)', event: withField('subject', 'a&TopicArn=arn:aws:sns:us-east-1:111111111111:other'), expected: 'ok' },
];

