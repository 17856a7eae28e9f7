/**
 * One demo run on a started pipeline: publish the scenario, wait for the queues to drain while
 * showing progress, then gather the summary.
 */
import { type ApiDemoRun, apiSubjects, eventsApiOf, publishThroughApi, sendInvalidRequests } from './api-publisher';
import type { LocalPipeline } from './pipeline';
import { Progress } from './progress';
import { type PublishResult, publishEntries } from './publisher';
import type { PublishEntry, Scenario } from './scenario';
import { type PublishBatchEntry, SnsWire } from './sns-wire';
import { type RunSummary, collectSummary } from './summary';
import type { TopicPlan } from './template';

export interface DemoRunOptions {
  /** Give up waiting for the queues after this long. */
  readonly drainTimeoutMs: number;
  readonly progress?: Progress;
  /** Called with each PublishBatch call's entries, before the call. */
  readonly onPublishBatch?: (entries: readonly PublishBatchEntry[]) => void;
  /**
   * Slow arrival: publish in rounds of at most one event per subject and wait for the queues to
   * drain after each round, so that no FIFO batch holds two events of a subject. By default
   * everything is published at once and a backlog builds up.
   */
  readonly slowArrival?: boolean;
  /**
   * Share of the subjects (those without a malformed event) published through the stack's Events
   * API (`POST /events`) instead of SNS PublishBatch, with a few invalid requests on top. Ignored
   * when the stack has no API. @default 0 (everything through SNS)
   */
  readonly apiShare?: number;
  /** The topic to publish to. @default the first topic with an SQS subscription */
  readonly topic?: TopicPlan;
}


/** Rounds of at most one entry per subject: the k-th round holds each subject's k-th entry. */
export function oneEntryPerSubject(entries: readonly PublishEntry[]): PublishEntry[][] {
  const seen = new Map<string, number>();
  const rounds: PublishEntry[][] = [];
  for (const entry of entries) {
    const k = seen.get(entry.subject) ?? 0;
    seen.set(entry.subject, k + 1);
    (rounds[k] ??= []).push(entry);
  }
  return rounds;
}

export class DemoRunError extends Error {
  public readonly name = 'DemoRunError';
}

export async function runDemo(pipeline: LocalPipeline, scenario: Scenario, options: DemoRunOptions): Promise<RunSummary> {
  const topic = options.topic ?? pipeline.plan.topics.find((t) => pipeline.plan.subscriptions.some((s) => s.topic === t.logicalId));
  if (!topic) throw new DemoRunError('the stack has no topic with an SQS subscription to publish to');
  // Progress counts the queues subscribed to that topic only: another pipeline's get nothing. A
  // queue behind a filter policy gets an unknown share: its count is shown, not used for the fraction.
  const subscriptions = pipeline.plan.subscriptions.filter((s) => s.topic === topic.logicalId);
  const fed = pipeline.sources.filter((s) => subscriptions.some((sub) => sub.queue === s.queue.logicalId));
  const unfiltered = new Set(subscriptions.filter((sub) => sub.attributes.FilterPolicy === undefined).map((sub) => sub.queue));
  let published = 0;
  const tick = () => options.progress?.update(progressState(fed, unfiltered, scenario, published));
  const ticker = setInterval(tick, 100);
  try {
    const target = options.apiShare ? eventsApiOf(pipeline.apis, topic.arn) : undefined;
    const viaApi = target ? apiSubjects(scenario.entries, options.apiShare!) : new Set<string>();
    const rounds = options.slowArrival && scenario.entries.length > 0 ? oneEntryPerSubject(scenario.entries) : [scenario.entries];
    const before = target && { byStatus: { ...target.api.stats.byStatus }, requests: target.api.stats.latenciesMs.length };
    const invalid = target ? await sendInvalidRequests(target) : [];
    const startedAt = Date.now();
    let finishedAt = startedAt;
    const failed: PublishResult['failed'] = [];
    const viaSns = { published: 0 };
    const viaHttp = { published: 0, failed: [] as PublishResult['failed'], requests: { single: 0, batch: 0, retried: 0 } };
    const sns = new SnsWire(pipeline.emulators.snsSqsEndpoint, pipeline.plan.region);
    try {
      for (const round of rounds) {
        const [snsBefore, apiBefore] = [viaSns.published, viaHttp.published];
        let [snsNow, apiNow] = [0, 0];
        const onPublished = () => (published = snsBefore + apiBefore + snsNow + apiNow);
        const [r, a] = await Promise.all([
          publishEntries(
            round.filter((e) => !viaApi.has(e.subject)),
            { sns, topicArn: topic.arn, fifo: topic.fifo, onPublished: (n) => ((snsNow = n), onPublished()), onBatch: options.onPublishBatch },
          ),
          target && publishThroughApi(round.filter((e) => viaApi.has(e.subject)), { target, onPublished: (n) => ((apiNow = n), onPublished()) }),
        ]);
        finishedAt = Date.now();
        viaSns.published += r.published;
        failed.push(...r.failed);
        if (a) {
          viaHttp.published += a.published;
          viaHttp.failed.push(...a.failed);
          failed.push(...a.failed);
          for (const k of ['single', 'batch', 'retried'] as const) viaHttp.requests[k] += a.requests[k];
        }
        if (options.slowArrival && !(await pipeline.waitForDrain(options.drainTimeoutMs))) break;
      }
    } finally {
      sns.destroy();
    }
    const publish: PublishResult = { published: viaSns.published + viaHttp.published, failed, startedAt, finishedAt };
    const api: ApiDemoRun | undefined = target && {
      api: target.api.logicalId,
      url: target.url,
      apiKeyName: target.apiKeyName,
      subjects: viaApi.size,
      result: viaHttp,
      invalid,
      before: before!,
    };
    const drained = await pipeline.waitForDrain(options.drainTimeoutMs);
    const drainedAt = Date.now();
    tick();
    options.progress?.done();
    return await collectSummary(pipeline, scenario, publish, drainedAt, drained, api, { topic });
  } finally {
    clearInterval(ticker);
    options.progress?.done();
  }
}

function progressState(sources: LocalPipeline['sources'], unfiltered: ReadonlySet<string>, scenario: Scenario, published: number) {
  const processed: Record<string, number> = {};
  let done = 0;
  let expected = 0;
  for (const s of sources) {
    const name = shortName(s.fn.logicalId);
    processed[name] = s.poller.stats.deleted;
    if (!unfiltered.has(s.queue.logicalId)) continue;
    // A standard queue gets every publish, a FIFO queue each distinct event; a failing message
    // counts as done once it has used up its receives.
    const toProcess = s.queue.fifo ? scenario.entries.length - scenario.duplicates : scenario.entries.length;
    done += Math.min(toProcess, s.poller.stats.deleted + s.poller.stats.failedAttempts / maxReceives(s));
    expected += toProcess;
  }
  const deadLettered = sources.reduce((n, s) => n + Math.floor(s.poller.stats.failedAttempts / maxReceives(s)), 0);
  return {
    published,
    toPublish: scenario.entries.length,
    processed,
    deadLettered,
    fraction: expected ? Math.min(published / scenario.entries.length, done / expected) : 1,
  };
}

function maxReceives(source: LocalPipeline['sources'][number]): number {
  return source.queue.maxReceiveCount ?? Infinity;
}

/** `PipelineEventLogFunction7E9F7C7E` -> `event-log`. */
export function shortName(logicalId: string): string {
  return logicalId
    .replace(/[0-9A-F]{8}$/, '')
    .replace(/^Pipeline/, '')
    .replace(/Function$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}
