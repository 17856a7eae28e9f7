/**
 * Delivery faults: a visibility timeout that expires while a batch is processed, duplicate
 * publishes, and events that arrive after newer ones of their subject.
 */
import { eventMessage } from '../ledger';
import { demoMessages, shuffle } from '../messages';
import { type Scenario, applicationsOf, check, commonChecks, publishedLate, republished, subjectsOf, timed } from './scenario';

/** Redelivery while the first delivery is still being processed. */
export const visibility: Scenario = {
  id: 'visibility-timeout',
  faults: ['Visibility timeout expires during processing'],
  async run(h, scale, seed) {
    const id = 'visibility-timeout';
    const { messages } = demoMessages(id, { events: scale.events, subjects: scale.subjects, seed, malformedRate: 0 });
    const expiredBefore = h.observer.expired;
    const concurrentBefore = h.observer.concurrentDeliveries;
    const { value: published, seconds } = await timed(async () => {
      h.observer.expireDuringProcessing({ rate: 0.25, seed, limit: Math.ceil(scale.events / 4) });
      try {
        const out = await h.publish(messages);
        await h.drain();
        return out.published;
      } finally {
        h.observer.expireDuringProcessing(undefined);
      }
    });
    const injected = h.observer.expired - expiredBefore;
    const concurrent = h.observer.concurrentDeliveries - concurrentBefore;
    const report = await h.check(published);
    const checks = [
      ...commonChecks(injected, report, published.length, messages.length),
      check('a message was in two invocations at once', concurrent > 0, `${concurrent} deliveries overlapped another`),
    ];
    return [{ id, fault: visibility.faults[0], how: 'messages of 25% of the batches made visible again mid-batch', injected, report, checks, seconds }];
  },
};

/** The same event published twice, after the first copy was processed. */
export const duplicates: Scenario = {
  id: 'duplicates',
  faults: ['Duplicate publishes'],
  async run(h, scale, seed) {
    const id = 'duplicates';
    const demo = demoMessages(id, { events: scale.events, subjects: scale.subjects, seed, outOfOrderRate: 0, malformedRate: 0 });
    const subjects = subjectsOf(demo.messages);
    const again = shuffle(demo.events, seed)
      .slice(0, Math.ceil(demo.events.length / 5))
      .map((event, n) =>
        n % 2 === 0
          ? eventMessage(event, { label: 'duplicate, same deduplication id' })
          : eventMessage(event, { label: 'duplicate, new deduplication id', deduplicationId: `${event.id}.again` }),
      );
    const newIds = again.filter((m) => m.deduplicationId !== m.event!.id).length;
    // Messages the state projector was handed: a late duplicate with a new deduplication id is a
    // new message on its FIFO queue. It is refused by the conditional write, or superseded within
    // its batch by a newer event of its subject (one write per subject per batch).
    const projectorMessages = () =>
      h.pipeline.sources.filter((s) => s.queue.fifo).reduce((n, s) => n + s.poller.stats.messageIds.size, 0);
    const { value, seconds } = await timed(async () => {
      const first = await h.publish(demo.messages);
      await h.drain();
      const applied = applicationsOf(h, subjects);
      const delivered = projectorMessages();
      const second = await h.publish(again);
      await h.drain();
      return {
        published: [...first.published, ...second.published],
        appliedLater: applicationsOf(h, subjects) - applied,
        deliveredLater: projectorMessages() - delivered,
      };
    });
    // Measured on what SNS accepted: each publish of an event after its first.
    const injected = republished(value.published);
    const report = await h.check(value.published);
    const checks = [
      ...commonChecks(injected, report, value.published.length, demo.messages.length + again.length),
      check('no late duplicate changed a state', value.appliedLater === 0, `${value.appliedLater} state writes applied`),
      check(
        'each late duplicate with a new deduplication id reached the state projector',
        value.deliveredLater === newIds,
        `${value.deliveredLater} messages delivered to the state projector for ${newIds} such duplicates`,
      ),
    ];
    return [
      {
        id,
        fault: duplicates.faults[0],
        how: `5% republished at once, then ${again.length} more after processing (half with a new deduplication id)`,
        injected,
        report,
        checks,
        seconds,
      },
    ];
  },
};

/** A subject's older event published after its newer ones were processed. */
export const reordering: Scenario = {
  id: 'reordering',
  faults: ['Out-of-order events'],
  async run(h, scale, seed) {
    const id = 'reordering';
    const demo = demoMessages(id, { events: scale.events, subjects: scale.subjects, seed, duplicateRate: 0, outOfOrderRate: 0.1, malformedRate: 0 });
    const subjects = subjectsOf(demo.messages);
    // For each subject, one event that is not its last one waits for a later batch.
    const lastOf = new Map<string, number>();
    for (const e of demo.events) lastOf.set(e.subject, Math.max(lastOf.get(e.subject) ?? 0, Number(e.sequence)));
    const heldIds = new Set<string>();
    const seen = new Set<string>();
    for (const e of shuffle(demo.events, seed)) {
      if (!seen.has(e.subject) && Number(e.sequence) < lastOf.get(e.subject)!) {
        seen.add(e.subject);
        heldIds.add(e.id);
      }
    }
    const first = demo.messages.filter((m) => !heldIds.has(m.event!.id));
    const later = demo.messages.filter((m) => heldIds.has(m.event!.id));
    const { value, seconds } = await timed(async () => {
      const a = await h.publish(first);
      await h.drain();
      const applied = applicationsOf(h, subjects);
      const b = await h.publish(later);
      await h.drain();
      return { published: [...a.published, ...b.published], appliedLater: applicationsOf(h, subjects) - applied };
    });
    // Measured on what SNS accepted: each event published after a newer one of its subject.
    const injected = publishedLate(value.published);
    const report = await h.check(value.published);
    const checks = [
      ...commonChecks(injected, report, value.published.length, demo.messages.length),
      check('no stale event changed a state', value.appliedLater === 0, `${value.appliedLater} of ${later.length} late, older events applied`),
    ];
    return [
      {
        id,
        fault: reordering.faults[0],
        how: `${demo.outOfOrder} swapped with the next event of their subject; ${later.length} older events published after their subject's newer ones were processed`,
        injected,
        report,
        checks,
        seconds,
      },
    ];
  },
};
