/**
 * One demo run on a started pipeline: publish the scenario, wait for the queues to drain while
 * showing progress, then gather the summary.
 */
import type { LocalPipeline } from './pipeline';
import { Progress } from './progress';
import { publishEntries } from './publisher';
import type { Scenario } from './scenario';
import { type PublishBatchEntry, SnsWire } from './sns-wire';
import { type RunSummary, collectSummary } from './summary';

export interface DemoRunOptions {
  /** Give up waiting for the queues after this long. */
  readonly drainTimeoutMs: number;
  readonly progress?: Progress;
  /** Called with each PublishBatch call's entries, before the call. */
  readonly onPublishBatch?: (entries: readonly PublishBatchEntry[]) => void;
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
    const publish = await publishEntries(scenario.entries, {
      sns,
      topicArn: topic.arn,
      fifo: topic.fifo,
      onPublished: (n) => (published = n),
      onBatch: options.onPublishBatch,
    }).finally(() => sns.destroy());
    const drained = await pipeline.waitForDrain(options.drainTimeoutMs);
    const drainedAt = Date.now();
    tick();
    options.progress?.done();
    return await collectSummary(pipeline, scenario, publish, drainedAt, drained);
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
