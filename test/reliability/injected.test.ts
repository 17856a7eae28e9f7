/**
 * What the delivery scenarios report as injected is measured on what SNS accepted, not planned.
 */
import type { CloudEvent } from '../../packages/tools/src/local/scenario';
import { eventMessage, poisonMessage } from '../../reliability/ledger';
import { publishedLate, republished } from '../../reliability/scenarios/scenario';

const event = (subject: string, sequence: number): CloudEvent => ({
  specversion: '1.0',
  id: `${subject}-${sequence}`,
  source: 'test',
  type: 'parcel.in-transit',
  subject,
  sequence,
  time: '2025-01-06T08:00:00.000Z',
  data: {},
});
const [a1, a2, a3, b1] = [event('a', 1), event('a', 2), event('a', 3), event('b', 1)].map((e) => eventMessage(e));
const a2Again = eventMessage(event('a', 2), { deduplicationId: 'a-2.again' });

test('republished counts each accepted publish of an event after its first, whatever its deduplication id', () => {
  expect(republished([a1, a2, b1, a2, a2Again, poisonMessage('x', 'a', 'p', 'poison')])).toBe(2);
  expect(republished([a1, a2, b1])).toBe(0);
});

test('publishedLate counts each accepted event published after a newer one of its subject', () => {
  expect(publishedLate([a1, a2, a3, b1])).toBe(0);
  expect(publishedLate([a2, a1, b1, a3])).toBe(1);
  expect(publishedLate([a3, a1, a2, b1])).toBe(2);
});
