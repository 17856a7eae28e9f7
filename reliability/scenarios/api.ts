/**
 * The HTTP way in: a partner publishes through the local Events API (the sample app's REST API,
 * with its API key), one event per request and in batches, and some 202 answers are lost on the way
 * back after the API published. The client cannot know the events were published, so it sends them
 * again with the same ids; each must still be stored once and applied to its state once.
 */
import type { CloudEvent } from '../../packages/tools/src/local/scenario';
import { type ApiClientOutcome, acceptedMessages, publishThroughApi } from '../api-client';
import type { Harness } from '../harness';
import { demoMessages } from '../messages';
import { type Check, type Scenario, type ScenarioRow, check, noValidDeadLetter, republished, timed } from './scenario';

/** Share of the 202 answers dropped, and how many are dropped first whatever the draw, so that any size gets some. */
const LOSE_RATE = 0.2;
const LOSE_FIRST = 2;
const BATCH = 10;
/** One group of events in SINGLE_EVERY goes one event per request, the others in batches of 10. */
const SINGLE_EVERY = 5;

/** The requests a partner sends: groups of 10 events, one in five of them sent one event per request. */
export function apiRequests(events: readonly CloudEvent[]): CloudEvent[][] {
  const out: CloudEvent[][] = [];
  for (let i = 0, group = 0; i < events.length; i += BATCH, group++) {
    const chunk = events.slice(i, i + BATCH);
    if (group % SINGLE_EVERY === 0) out.push(...chunk.map((e) => [e]));
    else out.push(chunk);
  }
  return out;
}

/** How many times each event was applied to its state, at most. */
function mostApplications(h: Harness, subjects: ReadonlySet<string>, from: number): number {
  const counts = new Map<string, number>();
  for (const a of h.proxy.writes.applications.slice(from)) if (subjects.has(a.subject)) counts.set(a.eventId, (counts.get(a.eventId) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

/**
 * Runs the partner's publishing through the API with answers lost, waits for the queues to drain,
 * and checks it. With `newIdOnRetry`, the client gives its retries new ids (a negative control).
 */
export async function runLostAnswers(
  h: Harness,
  id: string,
  options: { events: number; subjects: number; seed: number; newIdOnRetry?: boolean },
): Promise<{ row: ScenarioRow; client: ApiClientOutcome }> {
  const { events } = demoMessages(id, { events: options.events, subjects: options.subjects, seed: options.seed, duplicateRate: 0, outOfOrderRate: 0, malformedRate: 0 });
  const subjects = new Set(events.map((e) => e.subject));
  const requests = apiRequests(events);
  const api = await h.apiPath();
  const from = api.proxy.forwarded.length;
  const droppedBefore = api.proxy.dropped;
  const applicationsFrom = h.proxy.writes.applications.length;
  const { value: client, seconds } = await timed(async () => {
    api.proxy.lose({ rate: LOSE_RATE, first: LOSE_FIRST });
    try {
      const out = await publishThroughApi(requests, { stageUrl: api.stageUrl, apiKey: api.apiKey, newIdOnRetry: options.newIdOnRetry });
      await h.drain();
      return out;
    } finally {
      api.proxy.lose(undefined);
    }
  });
  const forwarded = api.proxy.forwarded.slice(from);
  // Measured at the wire: the answers the proxy dropped, and the events of those that were 202s.
  const injected = api.proxy.dropped - droppedBefore;
  const lostAnswers = forwarded.filter((r) => r.dropped);
  const eventsInLost = acceptedMessages(lostAnswers).length;
  const published = acceptedMessages(forwarded);
  h.record(published);
  const report = await h.check(published);
  const again = republished(published);
  const most = mostApplications(h, subjects, applicationsFrom);
  const checks: Check[] = [
    check('the fault was injected', injected > 0, `${injected} answers dropped (${lostAnswers.filter((r) => r.contentType.includes('batch')).length} of batches), carrying ${eventsInLost} events`),
    check(
      'the API accepted every event in the end',
      client.failed.length === 0 && client.accepted === events.length,
      `${client.accepted.toLocaleString('en-US')} of ${events.length.toLocaleString('en-US')} events answered 202` +
        (client.failed.length ? `; not accepted: ${client.failed.map((f) => `${f.ids.length} (last ${f.status})`).join(', ')}` : ''),
    ),
    check('the client saw each dropped answer as a broken connection, and sent it again', client.resets === injected, `${client.resets} broken connections for ${injected} dropped answers`),
    check('each event of a lost 202 reached the topic again', again === eventsInLost, `${again} events published again for ${eventsInLost} in lost answers`),
    noValidDeadLetter(report),
    check('no event was applied to its state twice', most <= 1, `at most ${most} application(s) of one event`),
  ];
  const row: ScenarioRow = {
    id,
    fault: apiLostAnswer.faults[0],
    how:
      `${requests.length} requests through the local API with the sample partner's key (${requests.filter((r) => r.length === 1).length} of one event, the others batches of 10); ` +
      `the proxy in front of it drops the first ${LOSE_FIRST} and then ${LOSE_RATE * 100}% of the 202 answers after the API published, and the client sends those requests again, same ids ` +
      `(${client.attempts} attempts, ${client.throttled} answered 429 or 503, the usage plan's throttle, and retried after Retry-After)`,
    injected,
    report,
    checks,
    seconds,
  };
  return { row, client };
}

export const apiLostAnswer: Scenario = {
  id: 'api-lost-202',
  faults: ['Events API: 202 lost, the client retries'],
  async run(h, scale, seed) {
    const { row } = await runLostAnswers(h, 'api-lost-202', { events: scale.events, subjects: scale.subjects, seed });
    return [row];
  },
};
