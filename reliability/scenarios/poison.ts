/**
 * Poison messages of every kind among valid events, and a FIFO group held up by one of them.
 */
import { type PublishedMessage, eventMessage } from '../ledger';
import { type PoisonKind, POISON_KINDS, demoMessages, idGenerator, largeEvent, poison, shuffle } from '../messages';
import { type Scenario, check, commonChecks, timed } from './scenario';

/** Poison messages of every kind among valid events, and a FIFO group held up by one. */
export const poisonAndBlocked: Scenario = {
  id: 'poison',
  faults: ['Poison messages', 'FIFO group blocked by a poison message'],
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
    const blockedGroup = 'blocked/held';
    const group = demoMessages('blocked', { events: 5, subjects: 1, seed: seed + 1, duplicateRate: 0, outOfOrderRate: 0, malformedRate: 0 });
    const ofGroup = group.events.map((e) => eventMessage({ ...e, subject: blockedGroup }, { label: 'event' }));
    const blocker = poison('not JSON: truncated', nextId(), blockedGroup);
    const flowing = demoMessages('blocked', { events: scale.events, subjects: scale.subjects, seed: seed + 2, duplicateRate: 0, malformedRate: 0 });
    const blockedSet = [...ofGroup.slice(0, 2), blocker, ...ofGroup.slice(2), ...flowing.messages];

    const deliveriesBefore = new Set(h.observer.deliveries['state-projector'].keys());
    const { value, seconds } = await timed(async () => {
      const [a, b] = await Promise.all([h.publish(mixed), h.publish(blockedSet)]);
      await h.drain();
      return { poison: a.published, blocked: b.published };
    });
    const maxReceives = Math.min(...h.pipeline.sources.map((s) => s.queue.maxReceiveCount ?? Infinity));
    const poisonReport = await h.check(value.poison);

    // Each poison message was delivered maxReceiveCount times to each function.
    const deliveries = (consumer: 'event-log' | 'state-projector', digest: string) =>
      [...h.observer.deliveries[consumer].values()].filter((d) => d.digest === digest).reduce((n, d) => n + d.count, 0);
    const wrongCounts = poisons.flatMap((p) =>
      (['event-log', 'state-projector'] as const).filter((c) => deliveries(c, p.digest) !== maxReceives).map((c) => `${p.label} x${deliveries(c, p.digest)} to ${c}`),
    );
    // The rest of a batch with a poison message in it succeeded (the FIFO group-blocking poison
    // message, published at the same time, counts as poison too).
    const anyPoison = new Set(h.published.filter((m) => m.expect === 'dead-lettered').map((m) => m.digest));
    const withPoison = h.observer.invocations.filter((inv) => inv.records.some((r) => anyPoison.has(r.digest)));
    let mates = 0;
    let matesFailed = 0;
    for (const inv of withPoison) {
      const poisonGroups = new Set(inv.records.filter((r) => anyPoison.has(r.digest)).map((r) => r.groupId));
      for (const r of inv.records) {
        if (anyPoison.has(r.digest) || (r.groupId !== undefined && poisonGroups.has(r.groupId))) continue;
        mates++;
        if (inv.failed.has(r.messageId)) matesFailed++;
      }
    }
    const emptyRefused = await h.publish([{ ...poison('empty body (whitespace)', nextId(), 'poison/empty'), body: '' }]);
    h.published.splice(h.published.length - emptyRefused.published.length, emptyRefused.published.length);
    const largeStored = (await h.observe()).events.some((i) => i.id === large.event!.id);
    const poisonChecks = [
      ...commonChecks(poisons.length, poisonReport, value.poison.length, mixed.length),
      check(`each poison message was delivered ${maxReceives} times to each function`, wrongCounts.length === 0, wrongCounts.join('; ') || 'all'),
      check('the other records of a batch with a poison message succeeded', withPoison.length > 0 && matesFailed === 0, `${matesFailed} of ${mates} records failed in ${withPoison.length} batches with a poison message`),
      check('SNS refuses an empty message', emptyRefused.published.length === 0, emptyRefused.failed[0]?.reason ?? 'refused with an exception'),
      check('the valid 250 KB event is stored', largeStored, largeStored ? 'stored' : 'missing'),
    ];

    // The blocked group waited for its poison message; the other groups did not.
    const blockedReport = await h.check(value.blocked);
    const fresh = [...h.observer.deliveries['state-projector'].entries()].filter(([messageId]) => !deliveriesBefore.has(messageId)).map(([, d]) => d);
    const blockerDelivery = fresh.find((d) => d.digest === blocker.digest);
    const blockedAt = blockerDelivery?.firstAt ?? Infinity;
    const deadAt = blockerDelivery?.lastFailedAt ?? Infinity;
    const flowDigests = new Set(flowing.messages.map((m) => m.digest));
    const flowAcks = fresh.filter((d) => flowDigests.has(d.digest)).map((d) => d.ackedAt ?? Infinity);
    const whileBlocked = flowAcks.filter((t) => t > blockedAt && t < deadAt).length;
    const laterDigests = new Set(ofGroup.slice(2).map((m) => m.digest));
    const resumedAt = Math.min(...fresh.filter((d) => laterDigests.has(d.digest)).map((d) => d.firstAt));
    const blockedChecks = [
      ...commonChecks(1, blockedReport, value.blocked.length, blockedSet.length),
      check(`the poison message was delivered ${maxReceives} times`, blockerDelivery?.count === maxReceives, `${blockerDelivery?.count ?? 0} deliveries`),
      check(
        'the other groups kept flowing',
        whileBlocked > 0,
        `${whileBlocked} of ${flowAcks.length} events of other groups processed in the ${((deadAt - blockedAt) / 1000).toFixed(1)} s the group was blocked`,
      ),
      check('the blocked group resumed once the message was dead-lettered', resumedAt > deadAt, `next event delivered ${((resumedAt - deadAt) / 1000).toFixed(1)} s after the last failure`),
    ];
    return [
      {
        id: 'poison',
        fault: poisonAndBlocked.faults[0],
        how: `${POISON_KINDS.length} kinds × ${scale.poisonPerKind} among ${valid.messages.length} valid events: ${POISON_KINDS.join('; ')}`,
        injected: poisons.length,
        report: poisonReport,
        checks: poisonChecks,
        seconds,
      },
      {
        id: 'fifo-blocked',
        fault: poisonAndBlocked.faults[1],
        how: `a poison message between events 2 and 3 of one group, ${flowing.events.length} events of ${scale.subjects} other groups after it`,
        injected: 1,
        report: blockedReport,
        checks: blockedChecks,
        seconds,
      },
    ];
  },
};

/** A position in [0, 1) derived from a digest, so insertion points are reproducible. */
function seededPosition(digest: string): number {
  return Buffer.from(digest, 'base64url').readUInt32BE(0) / 2 ** 32;
}
