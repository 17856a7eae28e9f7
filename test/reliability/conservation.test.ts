/**
 * The conservation check on hand-made outcomes: it finds each kind of difference, names the event,
 * and passes only a complete, single, in-order outcome.
 */
import type { CloudEvent } from '../../packages/tools/src/local/scenario';
import {
  type DeadLetter,
  type Observations,
  checkConservation,
  doubleApplications,
  scopeTo,
} from '../../reliability/conservation';
import { formatReport } from '../../reliability/format';
import { type PublishedMessage, eventMessage, poisonMessage } from '../../reliability/ledger';

const event = (subject: string, sequence: number, id = `${subject}-${sequence}`): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'test',
  type: 'parcel.in-transit',
  subject,
  time: '2025-01-06T08:00:00.000Z',
  sequence,
  data: { hub: 'AMS', scan: sequence },
});

const eventItem = (e: CloudEvent) => ({ ...e, sequence: Number(e.sequence), receivedAt: 'x', expiresAt: 1 });
const stateItem = (e: CloudEvent) => ({
  subject: e.subject,
  sequence: Number(e.sequence),
  eventId: e.id,
  type: e.type,
  source: e.source,
  time: e.time,
  data: e.data,
  updatedAt: 'x',
});
const deadLetter = (consumer: DeadLetter['consumer'], m: PublishedMessage): DeadLetter => ({
  consumer,
  messageId: `${consumer}-${m.digest.slice(0, 6)}`,
  body: m.body,
  reason: 'body: not valid JSON',
});

// GIVEN two subjects with two events each, one event published twice and one poison message
const a1 = event('a', 1);
const a2 = event('a', 2);
const b1 = event('b', 1);
const b2 = event('b', 2);
const bad = poisonMessage('{"specversion":"1.0","id":"x', 'a', 'bad-1', 'poison: not JSON');
const published: PublishedMessage[] = [a1, a2, b1, b2].map((e) => eventMessage(e));
published.push(eventMessage(a2, { label: 'duplicate' }), bad);

/** The outcome the pipeline promises. */
function healthy(): Observations {
  return {
    events: [a1, a2, b1, b2].map(eventItem),
    states: [stateItem(a2), stateItem(b2)],
    deadLetters: [deadLetter('event-log', bad), deadLetter('state-projector', bad)],
    acknowledged: {
      'event-log': new Set(published.filter((m) => m.event).map((m) => m.digest)),
      'state-projector': new Set(published.filter((m) => m.event).map((m) => m.digest)),
    },
    writes: {
      batchPuts: new Map([a1, a2, b1, b2].map((e) => [e.id, { subject: e.subject, count: e === a2 ? 2 : 1 }])),
      applications: [
        { subject: 'a', sequence: 1, eventId: a1.id, sentAt: 1, doneAt: 2 },
        { subject: 'a', sequence: 2, eventId: a2.id, sentAt: 3, doneAt: 4 },
        { subject: 'b', sequence: 2, eventId: b2.id, sentAt: 1, doneAt: 2 },
      ],
      stale: new Map([['a', 1]]),
    },
  };
}

const kinds = (seen: Observations) => checkConservation(published, seen).differences.map((d) => `${d.kind} ${d.consumer} ${d.eventId ?? d.subject}`);

test('a complete outcome passes, with its counts', () => {
  // WHEN the outcome is what the pipeline promises
  const report = checkConservation(published, healthy());
  // THEN nothing differs, and the counts add up
  expect(report.differences).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.counts).toEqual({
    published: 6,
    events: 4,
    poison: 1,
    stored: 4,
    subjects: 2,
    folded: 2,
    deadLettered: { 'event-log': 1, 'state-projector': 1 },
    deadLetteredValid: { 'event-log': 0, 'state-projector': 0 },
    deadLetterCopies: { 'event-log': 0, 'state-projector': 0 },
    lost: 0,
    doubled: 0,
    unexpected: 0,
    corrupt: 0,
    noReason: 0,
    rewrites: 1,
    applications: 3,
    staleSkips: 1,
  });
});

test('an event missing from the events table is lost, by id', () => {
  const seen = { ...healthy(), events: healthy().events.filter((i) => i.id !== b1.id) };
  expect(kinds(seen)).toEqual([`lost event-log ${b1.id}`]);
});

test('a valid event that is dead-lettered instead of stored is accounted for, not lost', () => {
  const message = published.find((m) => m.event?.id === b1.id)!;
  const seen = { ...healthy(), events: healthy().events.filter((i) => i.id !== b1.id), deadLetters: [...healthy().deadLetters, deadLetter('event-log', message)] };
  const report = checkConservation(published, seen);
  expect(report.ok).toBe(true);
  expect(report.counts.deadLetteredValid['event-log']).toBe(1);
});

test('an event both stored and dead-lettered is doubled', () => {
  const message = published.find((m) => m.event?.id === b1.id)!;
  const seen = { ...healthy(), deadLetters: [...healthy().deadLetters, deadLetter('event-log', message)] };
  expect(kinds(seen)).toEqual([`doubled event-log ${b1.id}`]);
});

test('the same event stored under a second id is doubled', () => {
  const seen = { ...healthy(), events: [...healthy().events, eventItem({ ...b1, id: 'regenerated' })] };
  expect(kinds(seen)).toEqual(['doubled event-log regenerated', 'unexpected event-log regenerated']);
});

test('an item that differs from what was published is corrupt', () => {
  const seen = { ...healthy(), events: healthy().events.map((i) => (i.id === a1.id ? { ...i, data: { hub: 'XXX', scan: 1 } } : i)) };
  expect(checkConservation(published, seen).differences).toEqual([
    expect.objectContaining({ kind: 'corrupt', eventId: a1.id, detail: 'stored with a different data' }),
  ]);
});

test('data maps compare regardless of key order', () => {
  const seen = { ...healthy(), events: healthy().events.map((i) => (i.id === a1.id ? { ...i, data: { scan: 1, hub: 'AMS' } } : i)) };
  expect(checkConservation(published, seen).ok).toBe(true);
});

test('a state behind the fold loses the newest event', () => {
  const seen = { ...healthy(), states: [stateItem(a1), stateItem(b2)] };
  expect(checkConservation(published, seen).differences).toEqual([
    expect.objectContaining({ kind: 'lost', consumer: 'state-projector', subject: 'a', detail: 'state is at #1, expected #2' }),
  ]);
});

test('the fold leaves out events the state projector dead-lettered', () => {
  // GIVEN a2 dead-lettered by the state projector (not acknowledged), so the state stays at a1
  const a2Messages = published.filter((m) => m.event?.id === a2.id);
  const seen: Observations = {
    ...healthy(),
    states: [stateItem(a1), stateItem(b2)],
    deadLetters: [...healthy().deadLetters, deadLetter('state-projector', a2Messages[0])],
    acknowledged: { ...healthy().acknowledged!, 'state-projector': new Set(published.filter((m) => m.event && m.event.id !== a2.id).map((m) => m.digest)) },
  };
  expect(checkConservation(published, seen).ok).toBe(true);
});

test('a valid event the state projector neither processed nor dead-lettered is lost', () => {
  const acked = new Set(published.filter((m) => m.event && m.event.id !== b1.id).map((m) => m.digest));
  const seen = { ...healthy(), acknowledged: { ...healthy().acknowledged!, 'state-projector': acked } };
  expect(kinds(seen)).toEqual([`lost state-projector ${b1.id}`]);
});

test('a poison message missing from a dead-letter queue is lost; one without a reason is reported', () => {
  const seen = { ...healthy(), deadLetters: [{ ...deadLetter('event-log', bad), reason: undefined }] };
  expect(kinds(seen)).toEqual(['no-reason event-log a', 'lost state-projector a']);
});

test('a dead letter nobody published, and a state for an unknown subject, are unexpected', () => {
  const stray = poisonMessage('stray', 'z', 'z', 'stray');
  const seen = { ...healthy(), deadLetters: [...healthy().deadLetters, deadLetter('event-log', stray)], states: [...healthy().states, stateItem(event('z', 1))] };
  expect(kinds(seen)).toEqual(['unexpected event-log undefined', 'unexpected state-projector z']);
});

test('a message dead-lettered more often than it was published is doubled', () => {
  // GIVEN a second dead letter of the poison message, from another source message
  const seen = { ...healthy(), deadLetters: [...healthy().deadLetters, { ...deadLetter('event-log', bad), messageId: 'another' }] };
  expect(kinds(seen)).toEqual(['doubled event-log undefined']);
});

test('two copies of one SQS message a function sent to its DLQ are one dead letter, and counted as a copy', () => {
  // GIVEN the event log sent its poison message twice (same source message id), e.g. after its invocation failed
  const sent = { ...deadLetter('event-log', bad), sourceMessageId: 'src-1' };
  const seen = { ...healthy(), deadLetters: [sent, { ...sent, messageId: 'copy' }, deadLetter('state-projector', bad)] };

  // WHEN
  const report = checkConservation(published, seen);

  // THEN
  expect({ ok: report.ok, deadLettered: report.counts.deadLettered, copies: report.counts.deadLetterCopies }).toEqual({
    ok: true,
    deadLettered: { 'event-log': 1, 'state-projector': 1 },
    copies: { 'event-log': 1, 'state-projector': 0 },
  });
  expect(formatReport(report)).toContain('extra copies of one source message: event-log 1, state-projector 0');
});

test('a message a function sent to its DLQ and that its redrive policy moved there too is one dead letter and one copy', () => {
  // GIVEN the state projector sent the poison message (failure.sourceMessageId = its id), then the
  // message itself reached the DLQ after maxReceiveCount receives, keeping its message id
  const sent = { ...deadLetter('state-projector', bad), messageId: 'dlq-1', sourceMessageId: 'src-1' };
  const moved = { ...deadLetter('state-projector', bad), messageId: 'src-1' };
  const seen = { ...healthy(), deadLetters: [deadLetter('event-log', bad), sent, moved] };
  const report = checkConservation(published, seen);
  expect({ ok: report.ok, deadLettered: report.counts.deadLettered, copies: report.counts.deadLetterCopies }).toEqual({
    ok: true,
    deadLettered: { 'event-log': 1, 'state-projector': 1 },
    copies: { 'event-log': 0, 'state-projector': 1 },
  });
});

test('a copy of a source message with another body is corrupt', () => {
  const sent = { ...deadLetter('event-log', bad), sourceMessageId: 'src-1' };
  const seen = { ...healthy(), deadLetters: [sent, { ...sent, messageId: 'copy', body: `${bad.body} ` }, deadLetter('state-projector', bad)] };
  const report = checkConservation(published, seen);
  expect(report.differences).toEqual([expect.objectContaining({ kind: 'corrupt', consumer: 'event-log', detail: expect.stringContaining('a copy of source message src-1 with another body') })]);
  expect(report.counts.deadLetterCopies['event-log']).toBe(1);
});

test('two dead letters of different source messages with the same body are still doubled', () => {
  const seen = {
    ...healthy(),
    deadLetters: [
      { ...deadLetter('event-log', bad), sourceMessageId: 'src-1' },
      { ...deadLetter('event-log', bad), messageId: 'other', sourceMessageId: 'src-2' },
      deadLetter('state-projector', bad),
    ],
  };
  expect(kinds(seen)).toEqual(['doubled event-log undefined']);
});

describe('state applications', () => {
  const apply = (sequence: number, eventId: string, sentAt: number, doneAt: number) => ({ subject: 's', sequence, eventId, sentAt, doneAt });

  test('an event applied twice is doubled', () => {
    expect(doubleApplications([apply(1, 'e1', 0, 1), apply(1, 'e1', 5, 6)])).toEqual([expect.objectContaining({ kind: 'doubled', eventId: 'e1', detail: 'applied to the state 2 times' })]);
  });

  test('an older event applied after a newer one had been applied is doubled', () => {
    expect(doubleApplications([apply(2, 'e2', 0, 1), apply(1, 'e1', 5, 6)])).toEqual([expect.objectContaining({ eventId: 'e1', detail: '#1 applied after #2' })]);
  });

  test('writes in flight together are not ordered', () => {
    expect(doubleApplications([apply(2, 'e2', 0, 10), apply(1, 'e1', 5, 6)])).toEqual([]);
  });
});

test('scopeTo keeps only the subjects and messages of a ledger', () => {
  // GIVEN the outcome of two scenarios, one of them on subject a only
  const ofA = published.filter((m) => m.groupId === 'a');
  const scoped = scopeTo(healthy(), ofA);
  expect(scoped.events.map((i) => i.id)).toEqual([a1.id, a2.id]);
  expect(scoped.states.map((s) => s.subject)).toEqual(['a']);
  expect(scoped.writes!.applications.every((a) => a.subject === 'a')).toBe(true);
  expect(checkConservation(ofA, scoped).ok).toBe(true);
});

test('the report prints the counts, then each difference with its event', () => {
  const seen = { ...healthy(), events: healthy().events.filter((i) => i.id !== b1.id) };
  const text = formatReport(checkConservation(published, seen));
  expect(text).toContain('conservation: FAILED');
  expect(text).toContain('events table: 3 of 4 events stored exactly once; 1 idempotent rewrites');
  expect(text).toContain('lost 1, doubled 0');
  expect(text).toMatch(/lost {7}event-log b-1 \(b\): #1 neither stored nor dead-lettered/);
});
