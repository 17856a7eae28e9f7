/**
 * Messages to publish: the demo scenario's parcels under a scenario's own subject prefix, poison
 * messages of every kind the handlers must refuse, and 250 KB bodies (SNS takes up to 256 KiB,
 * message attributes included).
 */
import { type CloudEvent, type ScenarioOptions, generateScenario, seededRandom } from '../packages/tools/src/local/scenario';
import { type PublishedMessage, eventMessage, poisonMessage } from './ledger';

export interface DemoMessages {
  readonly messages: PublishedMessage[];
  /** Valid events, each once, in sequence order per subject. */
  readonly events: CloudEvent[];
  readonly duplicates: number;
  readonly outOfOrder: number;
}

/** The demo scenario (packages/tools/src/local/scenario.ts), with every subject renamed `<prefix>/<subject>`. */
export function demoMessages(prefix: string, options: ScenarioOptions): DemoMessages {
  const scenario = generateScenario(options);
  const rename = (subject: string) => `${prefix}/${subject}`;
  const renamed = new Map<string, CloudEvent>();
  const events = scenario.events.map((e) => {
    const event = { ...e, subject: rename(e.subject) };
    renamed.set(e.id, event);
    return event;
  });
  const messages = scenario.entries.map((entry) =>
    entry.kind === 'malformed'
      ? poisonMessage(entry.body, rename(entry.subject), entry.id, 'poison (demo)')
      : eventMessage(renamed.get(entry.id)!, { label: entry.kind }),
  );
  return { messages, events, duplicates: scenario.duplicates, outOfOrder: scenario.outOfOrder };
}

/** The size of a 250 KB body. */
export const LARGE_BODY_BYTES = 250 * 1024;

export type PoisonKind =
  | 'not JSON: truncated'
  | 'not JSON: plain text'
  | 'wrong schema: specversion 0.3'
  | 'wrong schema: no subject'
  | 'wrong schema: a JSON array'
  | 'sequence not an integer: 1.5'
  | 'sequence not an integer: "third"'
  | 'sequence not an integer: -1'
  | 'empty body (whitespace)'
  | '250 KB, not JSON'
  | '250 KB, wrong schema (no source)';

export const POISON_KINDS: readonly PoisonKind[] = [
  'not JSON: truncated',
  'not JSON: plain text',
  'wrong schema: specversion 0.3',
  'wrong schema: no subject',
  'wrong schema: a JSON array',
  'sequence not an integer: 1.5',
  'sequence not an integer: "third"',
  'sequence not an integer: -1',
  'empty body (whitespace)',
  '250 KB, not JSON',
  '250 KB, wrong schema (no source)',
];

const SOURCE = 'urn:parcel-pipeline:reliability';

/**
 * A body the handlers must refuse. SNS and SQS refuse an empty message, so the "empty" body is
 * whitespace (`n` + 1 spaces, so that each one is distinct), which the handlers treat as empty.
 */
export function poisonBody(kind: PoisonKind, id: string, subject: string, n = 0): string {
  const base = { specversion: '1.0', id, source: SOURCE, type: 'parcel.in-transit', subject, sequence: 1 };
  switch (kind) {
    case 'not JSON: truncated':
      return JSON.stringify(base).slice(0, 48);
    case 'not JSON: plain text':
      return `parcel ${subject} scanned, event ${id}`;
    case 'wrong schema: specversion 0.3':
      return JSON.stringify({ ...base, specversion: '0.3' });
    case 'wrong schema: no subject': {
      const { subject: _omitted, ...rest } = base;
      return JSON.stringify(rest);
    }
    case 'wrong schema: a JSON array':
      return JSON.stringify([base]);
    case 'sequence not an integer: 1.5':
      return JSON.stringify({ ...base, sequence: 1.5 });
    case 'sequence not an integer: "third"':
      return JSON.stringify({ ...base, sequence: 'third' });
    case 'sequence not an integer: -1':
      return JSON.stringify({ ...base, sequence: -1 });
    case 'empty body (whitespace)':
      return ' '.repeat(n + 1);
    case '250 KB, not JSON':
      return padded(base).slice(0, LARGE_BODY_BYTES - 1);
    case '250 KB, wrong schema (no source)': {
      const { source: _omitted, ...rest } = base;
      return padded(rest);
    }
  }
}

export function poison(kind: PoisonKind, id: string, subject: string, n = 0): PublishedMessage {
  return poisonMessage(poisonBody(kind, id, subject, n), subject, id, `poison: ${kind}`);
}

/** A valid event whose body is 250 KB. */
export function largeEvent(id: string, subject: string, sequence: number): CloudEvent {
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: SOURCE,
    type: 'parcel.in-transit',
    subject,
    time: '2025-01-06T08:00:00.000Z',
    sequence,
    data: { note: '' },
  };
  const filler = LARGE_BODY_BYTES - Buffer.byteLength(JSON.stringify(event));
  return { ...event, data: { note: 'x'.repeat(filler) } };
}

/** `fields` as JSON, with a `data.padding` that makes the body exactly 250 KB. */
function padded(fields: Record<string, unknown>): string {
  const empty = JSON.stringify({ ...fields, data: { padding: '' } });
  return JSON.stringify({ ...fields, data: { padding: 'x'.repeat(LARGE_BODY_BYTES - Buffer.byteLength(empty)) } });
}

/** Ids shaped like UUIDs, from a seeded generator. */
export function idGenerator(seed: number): () => string {
  const random = seededRandom(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
}

/** Fisher-Yates with a seeded generator. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
