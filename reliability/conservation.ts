/**
 * The conservation check: from what was published, the two tables, the dead-letter queues and
 * (when known) what the functions acknowledged and what landed in DynamoDB, it proves that
 *
 * - each valid event is stored exactly once in the events table, or sits in the event log's
 *   dead-letter queue with a reason, never both;
 * - each poison message sits in each consumer's dead-letter queue with a reason;
 * - each subject's state is the in-order fold of its valid events (those the state projector did
 *   not dead-letter), and no event was applied to it twice or after a newer one;
 * - nothing else is in the tables or the dead-letter queues;
 *
 * and lists every difference, event by event. Pure: reading the pipeline is read-outcome.ts.
 */
import type { LedgerEvent, PublishedMessage } from './ledger';
import { digestOf } from './ledger';
import type { Application } from './write-log';

export type Consumer = 'event-log' | 'state-projector';
export const CONSUMERS: readonly Consumer[] = ['event-log', 'state-projector'];

export interface DeadLetter {
  readonly consumer: Consumer;
  readonly messageId: string;
  readonly body: string;
  /** Why it failed: its failure.reason attribute, or what the function logged for it, if either. */
  readonly reason?: string;
  /** Its message id on the consumer's queue, when the function sent it here itself (failure.sourceMessageId). */
  readonly sourceMessageId?: string;
}

export interface Observations {
  /** Items of the events table. */
  readonly events: readonly Record<string, unknown>[];
  /** Items of the state table. */
  readonly states: readonly Record<string, unknown>[];
  readonly deadLetters: readonly DeadLetter[];
  /** Digests of the message bodies each consumer's function processed successfully. */
  readonly acknowledged?: Readonly<Record<Consumer, ReadonlySet<string>>>;
  /** What landed in DynamoDB, as the fault proxy saw it. */
  readonly writes?: {
    /** Landed puts of the events table, by event id. */
    readonly batchPuts: ReadonlyMap<string, { readonly subject?: string; readonly count: number }>;
    /** Accepted conditional puts of the state table. */
    readonly applications: readonly Application[];
    /** Conditional puts refused as not newer, by subject. */
    readonly stale: ReadonlyMap<string, number>;
  };
}

export type DifferenceKind = 'lost' | 'doubled' | 'unexpected' | 'corrupt' | 'no-reason';

export interface Difference {
  readonly kind: DifferenceKind;
  readonly consumer?: Consumer;
  readonly eventId?: string;
  readonly subject?: string;
  readonly detail: string;
}

export interface ConservationCounts {
  /** SNS messages published, duplicates included. */
  readonly published: number;
  /** Distinct valid events. */
  readonly events: number;
  /** Distinct poison messages. */
  readonly poison: number;
  /** Valid events stored exactly once in the events table (and not dead-lettered). */
  readonly stored: number;
  /** Subjects with at least one valid event, and those whose state equals the fold. */
  readonly subjects: number;
  readonly folded: number;
  /** Messages in each consumer's dead-letter queue, and how many of them are valid events. */
  readonly deadLettered: Readonly<Record<Consumer, number>>;
  readonly deadLetteredValid: Readonly<Record<Consumer, number>>;
  /**
   * Extra copies of one source message in each consumer's dead-letter queue: the same
   * failure.sourceMessageId (or, for a message its redrive policy moved, the same message id, which
   * SQS keeps) and the same body. A function sends a message again when its invocation failed after
   * the send; a FIFO dead-letter queue drops such copies within 5 minutes, a standard one cannot.
   * Not counted in deadLettered, and not doubles; a copy with another body is corrupt.
   */
  readonly deadLetterCopies: Readonly<Record<Consumer, number>>;
  readonly lost: number;
  readonly doubled: number;
  readonly unexpected: number;
  readonly corrupt: number;
  readonly noReason: number;
  /** Puts of an event the events table already held: idempotent overwrites, not doubles. */
  readonly rewrites?: number;
  /** Accepted conditional puts of the state table, and those refused as not newer. */
  readonly applications?: number;
  readonly staleSkips?: number;
}

export interface ConservationReport {
  readonly ok: boolean;
  readonly counts: ConservationCounts;
  readonly differences: readonly Difference[];
  /** Valid events found in a dead-letter queue: accounted for, but worth a look. */
  readonly deadLetteredEvents: readonly { readonly consumer: Consumer; readonly eventId: string; readonly reason?: string }[];
}

export function checkConservation(published: readonly PublishedMessage[], seen: Observations): ConservationReport {
  const differences: Difference[] = [];
  const add = (d: Difference) => differences.push(d);

  // What was published.
  const valid = new Map<string, LedgerEvent>();
  const byDigest = new Map<string, { message: PublishedMessage; count: number }>();
  for (const m of published) {
    if (m.expect === 'stored' && m.event && !valid.has(m.event.id)) valid.set(m.event.id, m.event);
    const entry = byDigest.get(m.digest);
    if (entry) entry.count++;
    else byDigest.set(m.digest, { message: m, count: 1 });
  }
  const poison = [...byDigest.values()].filter((e) => e.message.expect === 'dead-lettered');

  // Dead-letter queues.
  const deadLettered = { 'event-log': 0, 'state-projector': 0 };
  const deadLetteredValid = { 'event-log': 0, 'state-projector': 0 };
  const deadValid: Record<Consumer, Set<string>> = { 'event-log': new Set(), 'state-projector': new Set() };
  const deadCount: Record<Consumer, Map<string, number>> = { 'event-log': new Map(), 'state-projector': new Map() };
  const deadLetteredEvents: ConservationReport['deadLetteredEvents'][number][] = [];
  // The body of the first dead letter of each source message, by consumer and source message id.
  const sources = new Map<string, string>();
  const deadLetterCopies = { 'event-log': 0, 'state-projector': 0 };
  for (const d of seen.deadLetters) {
    const digest = digestOf(d.body);
    const sourceId = d.sourceMessageId ?? d.messageId;
    const source = JSON.stringify([d.consumer, sourceId]);
    const first = sources.get(source);
    if (first !== undefined) {
      deadLetterCopies[d.consumer]++;
      if (first !== digest) {
        add({ kind: 'corrupt', consumer: d.consumer, detail: `dead letter ${d.messageId} is a copy of source message ${sourceId} with another body: ${preview(d.body)}` });
      }
      continue;
    }
    sources.set(source, digest);
    deadLettered[d.consumer]++;
    const entry = byDigest.get(digest);
    if (!d.reason) {
      add({
        kind: 'no-reason',
        consumer: d.consumer,
        eventId: entry?.message.event?.id,
        subject: entry?.message.groupId,
        detail: `dead letter ${d.messageId} (${preview(d.body)}) has no reason (no failure.reason attribute, nothing logged)`,
      });
    }
    if (!entry) {
      add({ kind: 'unexpected', consumer: d.consumer, detail: `dead letter ${d.messageId} was never published: ${preview(d.body)}` });
      continue;
    }
    deadCount[d.consumer].set(digest, (deadCount[d.consumer].get(digest) ?? 0) + 1);
    if (entry.message.event) {
      deadLetteredValid[d.consumer]++;
      deadValid[d.consumer].add(entry.message.event.id);
      deadLetteredEvents.push({ consumer: d.consumer, eventId: entry.message.event.id, reason: d.reason });
    }
  }
  for (const consumer of CONSUMERS) {
    for (const [digest, n] of deadCount[consumer]) {
      const entry = byDigest.get(digest)!;
      if (n > entry.count) {
        add({
          kind: 'doubled',
          consumer,
          eventId: entry.message.event?.id,
          detail: `${entry.message.label} dead-lettered ${n} times, published ${entry.count}: ${preview(entry.message.body)}`,
        });
      }
    }
    for (const { message } of poison) {
      if (!deadCount[consumer].has(message.digest)) {
        add({ kind: 'lost', consumer, subject: message.groupId, detail: `${message.label} is not in the dead-letter queue: ${preview(message.body)}` });
      }
    }
  }

  // The events table.
  const stored = new Map<string, Record<string, unknown>>();
  const naturalKeys = new Map<string, string>();
  for (const item of seen.events) {
    const id = String(item.id);
    stored.set(id, item);
    const natural = JSON.stringify([item.source, item.subject, Number(item.sequence)]);
    const other = naturalKeys.get(natural);
    if (other !== undefined) {
      add({ kind: 'doubled', consumer: 'event-log', eventId: id, subject: String(item.subject), detail: `stored again as ${other}: same source, subject and sequence` });
    } else naturalKeys.set(natural, id);
    const event = valid.get(id);
    if (!event) {
      add({ kind: 'unexpected', consumer: 'event-log', eventId: id, subject: String(item.subject), detail: 'in the events table but not a published valid event' });
    } else {
      const wrong = differingFields(event, item);
      if (wrong.length > 0) add({ kind: 'corrupt', consumer: 'event-log', eventId: id, subject: event.subject, detail: `stored with a different ${wrong.join(', ')}` });
    }
  }
  let storedOnce = 0;
  for (const event of valid.values()) {
    const isStored = stored.has(event.id);
    const isDead = deadValid['event-log'].has(event.id);
    if (isStored && isDead) {
      add({ kind: 'doubled', consumer: 'event-log', eventId: event.id, subject: event.subject, detail: 'stored and also dead-lettered' });
    } else if (!isStored && !isDead) {
      add({ kind: 'lost', consumer: 'event-log', eventId: event.id, subject: event.subject, detail: `#${event.sequence} neither stored nor dead-lettered` });
    } else if (isStored) storedOnce++;
  }

  // The state table: the fold of each subject's events, less those the projector dead-lettered.
  const fold = new Map<string, LedgerEvent>();
  const subjects = new Set<string>();
  for (const event of valid.values()) {
    subjects.add(event.subject);
    if (deadValid['state-projector'].has(event.id)) continue;
    const current = fold.get(event.subject);
    if (!current || event.sequence > current.sequence) fold.set(event.subject, event);
  }
  let folded = 0;
  const states = new Map(seen.states.map((s) => [String(s.subject), s]));
  for (const [subject, item] of states) {
    if (!fold.has(subject)) add({ kind: 'unexpected', consumer: 'state-projector', subject, detail: `a state item (#${String(item.sequence)}) for a subject with no stored event` });
  }
  for (const [subject, expected] of fold) {
    const item = states.get(subject);
    if (!item) {
      add({ kind: 'lost', consumer: 'state-projector', subject, eventId: expected.id, detail: `no state item; expected #${expected.sequence}` });
      continue;
    }
    const sequence = Number(item.sequence);
    if (sequence < expected.sequence) {
      add({ kind: 'lost', consumer: 'state-projector', subject, eventId: expected.id, detail: `state is at #${sequence}, expected #${expected.sequence}` });
    } else if (sequence > expected.sequence || item.eventId !== expected.id) {
      add({ kind: 'corrupt', consumer: 'state-projector', subject, eventId: String(item.eventId), detail: `state holds #${sequence} (${String(item.eventId)}), expected #${expected.sequence} (${expected.id})` });
    } else {
      const wrong = differingFields(expected, { ...item, id: item.eventId }).filter((f) => f !== 'id');
      if (wrong.length > 0) add({ kind: 'corrupt', consumer: 'state-projector', subject, eventId: expected.id, detail: `state has a different ${wrong.join(', ')}` });
      else folded++;
    }
  }

  // Every valid event acknowledged by the state projector, or dead-lettered by it.
  if (seen.acknowledged) {
    const acked = new Set<string>();
    for (const m of published) if (m.event && seen.acknowledged['state-projector'].has(m.digest)) acked.add(m.event.id);
    for (const event of valid.values()) {
      const isDead = deadValid['state-projector'].has(event.id);
      if (acked.has(event.id) && isDead) {
        add({ kind: 'doubled', consumer: 'state-projector', eventId: event.id, subject: event.subject, detail: 'processed and also dead-lettered' });
      } else if (!acked.has(event.id) && !isDead) {
        add({ kind: 'lost', consumer: 'state-projector', eventId: event.id, subject: event.subject, detail: `#${event.sequence} neither processed nor dead-lettered` });
      }
    }
  }

  // What landed: no event applied to a state twice, or after a newer one of its subject.
  let rewrites: number | undefined;
  if (seen.writes) {
    rewrites = 0;
    for (const [id, put] of seen.writes.batchPuts) if (valid.has(id)) rewrites += Math.max(0, put.count - 1);
    for (const d of doubleApplications(seen.writes.applications)) add(d);
  }

  const count = (kind: DifferenceKind) => differences.filter((d) => d.kind === kind).length;
  const counts: ConservationCounts = {
    published: published.length,
    events: valid.size,
    poison: poison.length,
    stored: storedOnce,
    subjects: subjects.size,
    folded,
    deadLettered,
    deadLetteredValid,
    deadLetterCopies,
    lost: count('lost'),
    doubled: count('doubled'),
    unexpected: count('unexpected'),
    corrupt: count('corrupt'),
    noReason: count('no-reason'),
    rewrites,
    applications: seen.writes?.applications.length,
    staleSkips: seen.writes && [...seen.writes.stale.values()].reduce((a, b) => a + b, 0),
  };
  return { ok: differences.length === 0, counts, differences, deadLetteredEvents };
}

/**
 * What concerns the subjects and messages of `published` only: several scenarios share one
 * pipeline, each with subjects of its own.
 */
export function scopeTo(seen: Observations, published: readonly PublishedMessage[]): Observations {
  const subjects = new Set(published.flatMap((m) => [m.groupId, ...(m.event ? [m.event.subject] : [])]));
  const digests = new Set(published.map((m) => m.digest));
  const ofSubject = (item: Record<string, unknown>) => subjects.has(String(item.subject));
  return {
    events: seen.events.filter(ofSubject),
    states: seen.states.filter(ofSubject),
    deadLetters: seen.deadLetters.filter((d) => digests.has(digestOf(d.body)) || subjects.has(subjectOf(d.body) ?? '')),
    acknowledged: seen.acknowledged,
    writes: seen.writes && {
      batchPuts: new Map([...seen.writes.batchPuts].filter(([, put]) => subjects.has(put.subject ?? ''))),
      applications: seen.writes.applications.filter((a) => subjects.has(a.subject)),
      stale: new Map([...seen.writes.stale].filter(([subject]) => subjects.has(subject))),
    },
  };
}

function subjectOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { subject?: unknown };
    return typeof json?.subject === 'string' ? json.subject : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An event applied twice, or applied although a newer event of its subject had been applied
 * before this write was sent (requests in flight together are not ordered).
 */
export function doubleApplications(applications: readonly Application[]): Difference[] {
  const out: Difference[] = [];
  const bySubject = new Map<string, Application[]>();
  const applied = new Map<string, number>();
  for (const a of applications) {
    bySubject.set(a.subject, [...(bySubject.get(a.subject) ?? []), a]);
    const key = JSON.stringify([a.subject, a.eventId]);
    applied.set(key, (applied.get(key) ?? 0) + 1);
  }
  for (const [key, n] of applied) {
    if (n > 1) {
      const [subject, eventId] = JSON.parse(key) as [string, string];
      out.push({ kind: 'doubled', consumer: 'state-projector', subject, eventId, detail: `applied to the state ${n} times` });
    }
  }
  for (const [subject, list] of bySubject) {
    const bySent = [...list].sort((a, b) => a.sentAt - b.sentAt);
    const byDone = [...list].sort((a, b) => a.doneAt - b.doneAt);
    let next = 0;
    let newest: Application | undefined;
    for (const a of bySent) {
      while (next < byDone.length && byDone[next].doneAt < a.sentAt) {
        if (!newest || byDone[next].sequence > newest.sequence) newest = byDone[next];
        next++;
      }
      if (newest && newest.sequence >= a.sequence && newest.eventId !== a.eventId) {
        out.push({ kind: 'doubled', consumer: 'state-projector', subject, eventId: a.eventId, detail: `#${a.sequence} applied after #${newest.sequence}` });
      }
    }
  }
  return out;
}

function differingFields(event: LedgerEvent, item: Record<string, unknown>): string[] {
  const wrong: string[] = [];
  if (item.id !== event.id) wrong.push('id');
  if (item.subject !== event.subject) wrong.push('subject');
  if (item.source !== event.source) wrong.push('source');
  if (item.type !== event.type) wrong.push('type');
  if (Number(item.sequence) !== event.sequence) wrong.push('sequence');
  if ((item.time ?? undefined) !== (event.time ?? undefined)) wrong.push('time');
  if (canonical(item.data) !== canonical(event.data)) wrong.push('data');
  return wrong;
}

/** JSON with sorted keys: DynamoDB maps do not keep the order of their keys. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function preview(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ');
  const shown = oneLine.length > 60 ? `${oneLine.slice(0, 59)}…` : oneLine;
  return body.length > 1000 ? `${JSON.stringify(shown)} (${body.length} bytes)` : JSON.stringify(shown);
}
