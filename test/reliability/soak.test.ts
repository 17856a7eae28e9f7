/**
 * The soak's verdict (`npm run soak` exits 1 unless every check holds), on hand-made outcomes.
 */
import { checkConservation } from '../../reliability/conservation';
import { eventMessage } from '../../reliability/ledger';
import { soakChecks } from '../../reliability/soak';

// GIVEN one valid event, published once
const event = { specversion: '1.0' as const, id: 'e1', source: 'test', type: 'parcel.in-transit', subject: 's', sequence: 1, time: '2025-01-06T08:00:00.000Z', data: {} };
const message = eventMessage(event);
const stored = { events: [{ ...event }], states: [{ subject: 's', sequence: 1, eventId: 'e1', type: event.type, source: event.source, time: event.time, data: {} }], deadLetters: [] };
const failed = (report: ReturnType<typeof checkConservation>, drained = true) => soakChecks(report, drained).filter((c) => !c.ok).map((c) => c.name);

test('a drained run that stored every event passes', () => {
  expect(failed(checkConservation([message], stored))).toEqual([]);
});

test('a valid event dead-lettered instead of stored fails the soak, although nothing is lost', () => {
  // GIVEN the event log dead-lettered the event: accounted for, so conservation alone is green
  const report = checkConservation([message], { ...stored, events: [], deadLetters: [{ consumer: 'event-log', messageId: 'm1', body: message.body, reason: 'ResourceNotFoundException' }] });
  expect(report.ok).toBe(true);
  // THEN the soak fails on it
  expect(failed(report)).toEqual(['no valid event was dead-lettered']);
});

test('a lost event, or queues that did not drain, fail the soak', () => {
  expect(failed(checkConservation([message], { ...stored, events: [] }))).toEqual(['conservation']);
  expect(failed(checkConservation([message], stored), false)).toEqual(['the queues drained']);
});
