/**
 * Poison messages of every kind among valid events, and one in the middle of a FIFO group. The
 * functions send each to their dead-letter queue on its first delivery, so none uses up receives
 * or holds back its group.
 */
import { type PublishedMessage, eventMessage } from '../ledger';
import { type PoisonKind, POISON_KINDS, demoMessages, idGenerator, largeEvent, poison, shuffle } from '../messages';
import { type Scenario, check, commonChecks, timed } from './scenario';

/** Poison messages of every kind among valid events, and one in the middle of a FIFO group. */
export const poisonMessages: Scenario = {
  id: 'poison',
  faults: ['Poison messages', 'A poison message in a FIFO group'],
  async run(h, scale, seed) {
    const nextId = idGenerator(seed * 7919 + 13);
    // Poison messages, each in a group of its own, spread among valid events and a valid 250 KB event.
    const valid = demoMessages('poison', { events: scale.events, subjects: scale.subjects, seed, malformedRate: 0, duplicateRate: 0 });
    const poisons: PublishedMessage[] = [];
    POISON_KINDS.forEach((kind: PoisonKind, k) => {
      for (let n = 0; n < scale.poisonPerKind; n++) poisons.push(poison(kind, nextId(), `poison/bad-${k}-${n}`, n));
    });
    const large = eventMessage(largeEvent(nextId(), 'poison/large', 1), { label: '250 KB valid event' });
    const mixed: PublishedMessage[] = [...valid.messages];
    for (const p of shuffle([...poisons, large], seed)) mixed.splice(Math.floor(seededPosition(p.digest) * (mixed.length + 1)), 0, p);

    // One group with a poison message in the middle, and other groups published after it.
    const poisonedGroup = 'poisoned/group';
    const group = demoMessages('poisoned', { events: 5, subjects: 1, seed: seed + 1, duplicateRate: 0, outOfOrderRate: 0, malformedRate: 0 });
    const ofGroup = group.events.map((e) => eventMessage({ ...e, subject: poisonedGroup }, { label: 'event' }));
    const blocker = poison('not JSON: truncated', nextId(), poisonedGroup);
    const flowing = demoMessages('poisoned', { events: scale.events, subjects: scale.subjects, seed: seed + 2, duplicateRate: 0, malformedRate: 0 });
    const groupSet = [...ofGroup.slice(0, 2), blocker, ...ofGroup.slice(2), ...flowing.messages];

    const deliveriesBefore = new Set(h.observer.deliveries['state-projector'].keys());
    const { value, seconds } = await timed(async () => {
      const [a, b] = await Promise.all([h.publish(mixed), h.publish(groupSet)]);
      await h.drain();
      return { poison: a.published, group: b.published };
    });
    const poisonReport = await h.check(value.poison);
    // Measured on what SNS accepted: the poison messages actually published, and the group's one.
    const poisonAccepted = value.poison.filter((m) => m.expect === 'dead-lettered').length;
    const blockerAccepted = value.group.filter((m) => m.digest === blocker.digest).length;

    // Each poison message was delivered once to each function, which dead-lettered it at once.
    const deliveries = (consumer: 'event-log' | 'state-projector', digest: string) =>
      [...h.observer.deliveries[consumer].values()].filter((d) => d.digest === digest).reduce((n, d) => n + d.count, 0);
    const wrongCounts = poisons.flatMap((p) =>
      (['event-log', 'state-projector'] as const).filter((c) => deliveries(c, p.digest) !== 1).map((c) => `${p.label} x${deliveries(c, p.digest)} to ${c}`),
    );
    // No record of a batch with a poison message in it failed, the poison message and the records of
    // its FIFO group included (the group's poison message, published at the same time, counts too).
    const anyPoison = new Set(h.published.filter((m) => m.expect === 'dead-lettered').map((m) => m.digest));
    const withPoison = h.observer.invocations.filter((inv) => inv.records.some((r) => anyPoison.has(r.digest)));
    const records = withPoison.reduce((n, inv) => n + inv.records.length, 0);
    const failed = withPoison.reduce((n, inv) => n + inv.failed.size, 0);
    const emptyRefused = await h.publish([{ ...poison('empty body (whitespace)', nextId(), 'poison/empty'), body: '' }]);
    h.published.splice(h.published.length - emptyRefused.published.length, emptyRefused.published.length);
    const largeStored = (await h.observe()).events.some((i) => i.id === large.event!.id);
    const poisonChecks = [
      ...commonChecks(poisonAccepted, poisonReport, value.poison.length, mixed.length),
      check('each poison message was delivered once to each function, which dead-lettered it', wrongCounts.length === 0, wrongCounts.join('; ') || 'all'),
      check(
        'no record of a batch with a poison message failed, the poison message included',
        withPoison.length > 0 && failed === 0,
        `${failed} of ${records} records failed in ${withPoison.length} batches with a poison message`,
      ),
      check('SNS refuses an empty message', emptyRefused.published.length === 0, emptyRefused.failed[0]?.reason ?? 'refused with an exception'),
      check('the valid 250 KB event is stored', largeStored, largeStored ? 'stored' : 'missing'),
    ];

    // The poisoned group went on without waiting: its later events were processed on their first delivery.
    const groupReport = await h.check(value.group);
    const fresh = [...h.observer.deliveries['state-projector'].entries()].filter(([messageId]) => !deliveriesBefore.has(messageId)).map(([, d]) => d);
    const blockerDelivery = fresh.find((d) => d.digest === blocker.digest);
    const laterDigests = new Set(ofGroup.slice(2).map((m) => m.digest));
    const later = fresh.filter((d) => laterDigests.has(d.digest));
    const heldBack = later.filter((d) => d.count !== 1 || d.failures > 0 || d.ackedAt === undefined).length;
    const groupFailures = fresh.filter((d) => d.groupId === poisonedGroup).reduce((n, d) => n + d.failures, 0);
    const groupChecks = [
      ...commonChecks(blockerAccepted, groupReport, value.group.length, groupSet.length),
      check('the poison message was delivered once', blockerDelivery?.count === 1, blockerDelivery?.count === 1 ? '1 delivery' : `${blockerDelivery?.count ?? 0} deliveries`),
      check('no record of its group failed', groupFailures === 0, `${groupFailures} failed deliveries`),
      check(
        'the events after it were processed on their first delivery',
        later.length === laterDigests.size && heldBack === 0,
        `${later.length - heldBack} of ${laterDigests.size}`,
      ),
    ];
    return [
      {
        id: 'poison',
        fault: poisonMessages.faults[0],
        how: `${POISON_KINDS.length} kinds × ${scale.poisonPerKind} among ${valid.messages.length} valid events: ${POISON_KINDS.join('; ')}`,
        injected: poisonAccepted,
        report: poisonReport,
        checks: poisonChecks,
        seconds,
      },
      {
        id: 'fifo-poison',
        fault: poisonMessages.faults[1],
        how: `a poison message between events 2 and 3 of one group, ${flowing.events.length} events of ${scale.subjects} other groups after it`,
        injected: blockerAccepted,
        report: groupReport,
        checks: groupChecks,
        seconds,
      },
    ];
  },
};

/** A position in [0, 1) derived from a digest, so insertion points are reproducible. */
function seededPosition(digest: string): number {
  return Buffer.from(digest, 'base64url').readUInt32BE(0) / 2 ** 32;
}
