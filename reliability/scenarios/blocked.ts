/**
 * A FIFO group held back by a write that fails for a while: the state projector returns the failed
 * record and the later records of its group to the queue, and the group resumes, in order, once
 * the write goes through, while the other groups flow.
 */
import { type PublishedMessage, eventMessage } from '../ledger';
import { demoMessages } from '../messages';
import { type Scenario, check, commonChecks, timed } from './scenario';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** PutItem answers HTTP 500 this many times; the SDK tries 3 times per invocation. */
const FAULTS = 4;

export const blockedGroup: Scenario = {
  id: 'fifo-blocked',
  faults: ['FIFO group blocked by a failing write'],
  async run(h, scale, seed) {
    // One message group carrying two subjects, their events interleaved: the writes of the first
    // subject fail for a while, those of the second never do. Other groups are published with it.
    const group = 'blocked/held';
    const failing = `${group}/failing`;
    const events = demoMessages('blocked', { events: 6, subjects: 1, seed: seed + 1, duplicateRate: 0, outOfOrderRate: 0, malformedRate: 0 }).events;
    const ofGroup: PublishedMessage[] = events.map((e, i) => ({
      ...eventMessage({ ...e, subject: i % 2 === 0 ? failing : `${group}/steady`, sequence: Math.floor(i / 2) + 1 }, { label: 'event' }),
      groupId: group,
    }));
    const flowing = demoMessages('blocked', { events: scale.events, subjects: scale.subjects, seed: seed + 2, duplicateRate: 0, malformedRate: 0 });
    const messages = [...ofGroup, ...flowing.messages];

    const before = h.proxy.injected.get('server-error')!;
    const deliveriesBefore = new Set(h.observer.deliveries['state-projector'].keys());
    const { value: published, seconds } = await timed(() =>
      h.publishUnderFaults(
        [{ kind: 'server-error', rate: 1, operations: ['PutItem'], subject: (s) => s === failing, limit: before + FAULTS }],
        messages,
      ),
    );
    const injected = h.proxy.injected.get('server-error')! - before;
    const report = await h.check(published);

    const fresh = [...h.observer.deliveries['state-projector'].entries()].filter(([messageId]) => !deliveriesBefore.has(messageId)).map(([, d]) => d);
    const byDigest = new Map(fresh.map((d) => [d.digest, d]));
    const inGroup = ofGroup.map((m) => byDigest.get(m.digest));
    const failed = inGroup.filter((d) => d !== undefined && d.failures > 0);
    const blockedFrom = Math.min(...failed.map((d) => d!.firstAt));
    const blockedUntil = Math.max(...failed.map((d) => d!.ackedAt ?? Infinity));
    const flowDigests = new Set(flowing.messages.map((m) => m.digest));
    const flowAcks = fresh.filter((d) => flowDigests.has(d.digest)).map((d) => d.ackedAt ?? Infinity);
    const whileBlocked = flowAcks.filter((t) => t > blockedFrom && t < blockedUntil).length;
    const acks = inGroup.map((d) => d?.ackedAt ?? Infinity);
    const outOfOrder = acks.filter((t, i) => i > 0 && t < acks[i - 1]).length;
    const heldBehind = ofGroup.filter((m, i) => !m.event!.subject.endsWith('/failing') && (inGroup[i]?.failures ?? 0) > 0).length;

    const checks = [
      ...commonChecks(injected, report, published.length, messages.length),
      check(
        'a write of the group failed, and its record was delivered again until the write went through',
        failed.length > 0 && failed.every((d) => d!.count > d!.failures && d!.ackedAt !== undefined),
        `${plural(failed.length, 'record')} of the group failed ${plural(failed.reduce((n, d) => n + d!.failures, 0), 'time')} in all, then succeeded`,
      ),
      check(
        "the group's records were acknowledged in order",
        outOfOrder === 0 && acks.every(Number.isFinite),
        `${outOfOrder} acknowledged before an earlier record; ${plural(heldBehind, 'record')} of the steady subject returned to the queue behind the failed write`,
      ),
      check(
        'the other groups kept flowing',
        whileBlocked > 0,
        `${whileBlocked} of ${flowAcks.length} events of other groups processed in the ${((blockedUntil - blockedFrom) / 1000).toFixed(1)} s the group was held back`,
      ),
    ];
    return [
      {
        id: 'fifo-blocked',
        fault: blockedGroup.faults[0],
        how: `PutItem of one subject answered HTTP 500 ${FAULTS} times, in a group of two subjects' interleaved events; ${flowing.events.length} events of ${scale.subjects} other groups with it`,
        injected,
        report,
        checks,
        seconds,
      },
    ];
  },
};
