/**
 * The demo scenario: vendors' parcels go parcel.picked-up -> parcel.in-transit -> parcel.delivered,
 * published as CloudEvents 1.0, with duplicate deliveries, some events out of order and a few
 * malformed messages. Deterministic for a given seed.
 */

export interface ScenarioOptions {
  /** Distinct events, malformed ones included. */
  readonly events: number;
  readonly subjects: number;
  readonly seed: number;
  /** Share of valid events published a second time. @default 0.05 */
  readonly duplicateRate?: number;
  /** Share of events swapped with the next event of their subject. @default 0.03 */
  readonly outOfOrderRate?: number;
  /** Share of events that are malformed. @default 0.01 */
  readonly malformedRate?: number;
}

export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly sequence: number | string;
  readonly data: Record<string, unknown>;
}

/** One SNS publish. */
export interface PublishEntry {
  readonly id: string;
  /** MessageGroupId. */
  readonly subject: string;
  /** The `type` message attribute. */
  readonly type: string;
  readonly body: string;
  readonly kind: 'event' | 'duplicate' | 'malformed';
}

/** What a subject's state item holds once every valid event is applied. */
export interface ExpectedState {
  readonly subject: string;
  readonly sequence: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface Scenario {
  /** In publish order. */
  readonly entries: PublishEntry[];
  /** Valid events, each once. */
  readonly events: CloudEvent[];
  readonly malformedIds: string[];
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly expectedState: Map<string, ExpectedState>;
}

const VENDORS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const HUBS = ['AMS', 'BER', 'CDG', 'FRA', 'LHR', 'MAD', 'MXP', 'WAW'];
const SOURCE = 'urn:parcel-pipeline:local-demo';
const EPOCH = Date.UTC(2025, 0, 6, 8, 0, 0);

/** mulberry32: small, fast and good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateScenario(options: ScenarioOptions): Scenario {
  const { events: total, subjects: subjectCount, seed } = options;
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`events must be a whole number >= 1 (got ${total})`);
  if (!Number.isInteger(subjectCount) || subjectCount < 1 || subjectCount > total) {
    throw new RangeError(`subjects must be between 1 and events (got ${subjectCount})`);
  }
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  // UUID-shaped (version 4 layout) ids drawn from the seeded generator.
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const newId = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;

  const malformedCount = Math.round(total * (options.malformedRate ?? 0.01));
  const validCount = total - malformedCount;
  const subjects = Array.from(
    { length: subjectCount },
    (_, i) => `parcel-${VENDORS[i % VENDORS.length]}-${String(i + 1).padStart(5, '0')}`,
  );

  // Each subject's lifecycle, in sequence order.
  let clock = 0;
  const streams = subjects.map((subject, i) => {
    const length = Math.floor(validCount / subjectCount) + (i < validCount % subjectCount ? 1 : 0);
    return Array.from({ length }, (_, n) => lifecycleEvent(subject, n + 1, length));
  });
  const events = streams.flat();

  // Some events are published before the one that precedes them.
  let outOfOrder = 0;
  const outOfOrderRate = options.outOfOrderRate ?? 0.03;
  for (const stream of streams) {
    for (let n = 0; n + 1 < stream.length; n++) {
      if (random() < outOfOrderRate) {
        [stream[n], stream[n + 1]] = [stream[n + 1], stream[n]];
        outOfOrder++;
        n++;
      }
    }
  }

  // Interleave the subjects, keeping each subject's publish order.
  let entries: PublishEntry[] = [];
  const cursors = streams.map(() => 0);
  let remaining = validCount;
  while (remaining > 0) {
    let r = Math.floor(random() * remaining);
    const s = streams.findIndex((stream, i) => (r -= stream.length - cursors[i]) < 0);
    const event = streams[s][cursors[s]++];
    entries.push({ id: event.id, subject: event.subject, type: event.type, body: JSON.stringify(event), kind: 'event' });
    remaining--;
  }

  // Duplicate deliveries: the same event again, a little later.
  const duplicates = Math.round(validCount * (options.duplicateRate ?? 0.05));
  const after = new Map<number, PublishEntry[]>();
  for (let d = 0; d < duplicates; d++) {
    const original = Math.floor(random() * validCount);
    const at = Math.min(validCount - 1, original + Math.floor(random() * 20));
    after.set(at, [...(after.get(at) ?? []), { ...entries[original], kind: 'duplicate' }]);
  }
  entries = entries.flatMap((entry, i) => [entry, ...(after.get(i) ?? [])]);

  // Malformed messages, each of a kind the handlers must reject, spread over distinct subjects
  // while there are enough: each one holds up its FIFO group until it is dead-lettered.
  const malformedIds: string[] = [];
  const malformedSubjects = [...subjects];
  for (let i = malformedSubjects.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [malformedSubjects[i], malformedSubjects[j]] = [malformedSubjects[j], malformedSubjects[i]];
  }
  for (let m = 0; m < malformedCount; m++) {
    const subject = malformedSubjects[m % malformedSubjects.length];
    const id = newId();
    malformedIds.push(id);
    entries.splice(Math.floor(random() * (entries.length + 1)), 0, {
      id,
      subject,
      type: 'parcel.in-transit',
      body: malformedBody(m, id, subject),
      kind: 'malformed',
    });
  }

  return { entries, events, malformedIds, duplicates, outOfOrder, expectedState: foldState(events) };

  function lifecycleEvent(subject: string, sequence: number, length: number): CloudEvent {
    const vendor = subject.split('-')[1];
    const type =
      sequence === 1 ? 'parcel.picked-up' : sequence === length ? 'parcel.delivered' : 'parcel.in-transit';
    const data: Record<string, unknown> =
      type === 'parcel.picked-up'
        ? { vendor, origin: pick(HUBS), weightGrams: 200 + Math.floor(random() * 9800) }
        : type === 'parcel.in-transit'
          ? { vendor, hub: pick(HUBS), scan: sequence - 1 }
          : { vendor, signedBy: pick(['front desk', 'neighbour', 'recipient', 'parcel locker']) };
    return {
      specversion: '1.0',
      id: newId(),
      source: SOURCE,
      type,
      subject,
      time: new Date(EPOCH + (clock += 1 + Math.floor(random() * 60)) * 1000).toISOString(),
      // The sequence extension may be an integer or a string of digits.
      sequence: random() < 0.2 ? String(sequence) : sequence,
      data,
    };
  }
}

function malformedBody(n: number, id: string, subject: string): string {
  const base = { specversion: '1.0', id, source: SOURCE, type: 'parcel.in-transit', subject, sequence: 1 };
  switch (n % 4) {
    case 0:
      return JSON.stringify(base).slice(0, 40);
    case 1:
      return JSON.stringify({ ...base, sequence: 'third' });
    case 2:
      return JSON.stringify({ ...base, specversion: '0.3' });
    default: {
      const { subject: _omitted, ...withoutSubject } = base;
      return JSON.stringify(withoutSubject);
    }
  }
}

/** The state of each subject: the fields of its valid event with the highest sequence. */
export function foldState(events: readonly CloudEvent[]): Map<string, ExpectedState> {
  const state = new Map<string, ExpectedState>();
  for (const e of events) {
    const sequence = Number(e.sequence);
    const current = state.get(e.subject);
    if (!current || sequence > current.sequence) {
      state.set(e.subject, { subject: e.subject, sequence, eventId: e.id, type: e.type, data: e.data });
    }
  }
  return state;
}
