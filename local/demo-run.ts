/**
 * One demo run on a started pipeline: publish the scenario, wait for the queues to drain while
 * showing progress, then gather the summary.
 */
import type { LocalPipeline } from './pipeline';
import { Progress } from './progress';
import { type PublishResult, publishEntries } from './publisher';
import type { PublishEntry, Scenario } from './scenario';
import { type PublishBatchEntry, SnsWire } from './sns-wire';
import { type RunSummary, collectSummary } from './summary';

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
  const topic = pipeline.plan.topics.find((t) => pipeline.plan.subscriptions.some((s) => s.topic === t.logicalId));
  if (!topic) throw new DemoRunError('the stack has no topic with an SQS subscription to publish to');
  let published = 0;
  const tick = () => options.progress?.update(progressState(pipeline, scenario, published));
  const ticker = setInterval(tick, 100);
  try {
    const sns = new SnsWire(pipeline.emulators.snsSqsEndpoint, pipeline.plan.region);
    const rounds = options.slowArrival && scenario.entries.length > 0 ? oneEntryPerSubject(scenario.entries) : [scenario.entries];
    let publish: PublishResult | undefined;
    try {
      for (const round of rounds) {
        const before = publish?.published ?? 0;
        const r = await publishEntries(round, {
          sns,
          topicArn: topic.arn,
          fifo: topic.fifo,
          onPublished: (n) => (published = before + n),
          onBatch: options.onPublishBatch,
        });
        publish = publish ? { ...publish, published: before + r.published, failed: [...publish.failed, ...r.failed], finishedAt: r.finishedAt } : r;
        if (options.slowArrival && !(await pipeline.waitForDrain(options.drainTimeoutMs))) break;
      }
    } finally {
      sns.destroy();
    }
    const drained = await pipeline.waitForDrain(options.drainTimeoutMs);
    const drainedAt = Date.now();
    tick();
    options.progress?.done();
    return await collectSummary(pipeline, scenario, publish!, drainedAt, drained);
  } finally {
    clearInterval(ticker);
    options.progress?.done();
  }
}

function progressState(pipeline: LocalPipeline, scenario: Scenario, published: number) {
  const processed: Record<string, number> = {};
  let done = 0;
  let expected = 0;
  for (const s of pipeline.sources) {
    const name = shortName(s.fn.logicalId);
    processed[name] = s.poller.stats.deleted;
    // A standard queue gets every publish, a FIFO queue each distinct event; a failing message
    // counts as done once it has used up its receives.
    const toProcess = s.queue.fifo ? scenario.entries.length - scenario.duplicates : scenario.entries.length;
    done += Math.min(toProcess, s.poller.stats.deleted + s.poller.stats.failedAttempts / maxReceives(s));
    expected += toProcess;
  }
  const deadLettered = pipeline.sources.reduce((n, s) => n + Math.floor(s.poller.stats.failedAttempts / maxReceives(s)), 0);
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
