import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';

/** The namespace when POWERTOOLS_METRICS_NAMESPACE is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'EventPipeline';

/** The dimensions every metric of a default handler carries, and nothing else. */
export const METRIC_DIMENSIONS = { pipeline: 'Pipeline', consumer: 'Consumer' } as const;

/**
 * What the default handlers count, each a Count published once per
 * invocation. The constructs name the same metrics (`HandlerMetric` in lib/);
 * test/lambda/metrics.test.ts checks that the two lists agree.
 */
export const METRIC_NAMES = {
  /** Events written: items stored by the event log, states changed by the state projector. */
  eventsStored: 'EventsStored',
  /**
   * Events not written again. The event log: an id a record of the same batch
   * already carries. The state projector: an event the sequence guard refused,
   * its sequence not newer than the stored one.
   */
  duplicatesSkipped: 'DuplicatesSkipped',
  /** State projector: events a newer event of their subject in the same batch covers, not written. */
  eventsSuperseded: 'EventsSuperseded',
  /** Malformed records the handler sent to its dead-letter queue itself. */
  eventsDeadLettered: 'EventsDeadLettered',
  /** Records that carry SNS's `Replayed` message attribute: redelivered by a replay of the topic's archive. */
  eventsReplayed: 'EventsReplayed',
  /** Records reported as batch item failures, back to the queue. */
  recordsFailed: 'RecordsFailed',
  /** Event log: BatchWriteItem calls made again, after unprocessed items or a retryable error. */
  batchWriteRetries: 'BatchWriteRetries',
  /** Event log: items BatchWriteItem returned as UnprocessedItems, summed over the calls. */
  unprocessedItems: 'UnprocessedItems',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/**
 * The message attribute SNS adds to a message it redelivers from a FIFO
 * topic's archive (message archiving and replay). With raw message delivery,
 * SNS message attributes reach SQS as message attributes.
 */
export const REPLAYED_ATTRIBUTE = 'Replayed';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A Powertools Metrics in the namespace POWERTOOLS_METRICS_NAMESPACE (default
 * `EventPipeline`), whose metrics carry two dimensions: `Pipeline`
 * (PIPELINE_NAME) and `Consumer` (CONSUMER_NAME, default `defaultConsumer`).
 * Powertools' own `service` dimension is dropped, so that the dimensions are
 * the ones the constructs' dashboard and metrics name, whatever
 * POWERTOOLS_SERVICE_NAME says. POWERTOOLS_METRICS_DISABLED turns it off.
 */
export function createMetrics(env: Env, defaultConsumer: string): Metrics {
  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({
    [METRIC_DIMENSIONS.pipeline]: env.PIPELINE_NAME || 'default',
    [METRIC_DIMENSIONS.consumer]: env.CONSUMER_NAME || defaultConsumer,
  });
  return metrics;
}

/**
 * Adds each count, zeros included (a graph then shows 0 rather than a gap),
 * and flushes them as one EMF document on stdout: no CloudWatch API call.
 * Does nothing without `metrics`.
 */
export function publishCounts(metrics: Metrics | undefined, counts: Partial<Record<MetricName, number>>): void {
  if (!metrics) {
    return;
  }
  for (const [name, value] of Object.entries(counts)) {
    metrics.addMetric(name, MetricUnit.Count, value);
  }
  metrics.publishStoredMetrics();
}

/** What a batch handler counted in one invocation, by metric. */
export type Counts = Partial<Record<MetricName, number>>;

/**
 * The handler that runs `handleBatch` with fresh counts and publishes them once per invocation,
 * even when it throws.
 */
export function withCounts<E, C, R>(
  metrics: Metrics | undefined,
  handleBatch: (event: E, context: C, counts: Counts) => Promise<R>,
): (event: E, context: C) => Promise<R> {
  return async (event, context) => {
    const counts: Counts = {};
    try {
      return await handleBatch(event, context, counts);
    } finally {
      publishCounts(metrics, counts);
    }
  };
}

/** How many of the records SNS redelivered from its archive (they carry the `Replayed` attribute). */
export function countReplayed(records: readonly SQSRecord[]): number {
  return records.filter((record) => {
    const attribute = record.messageAttributes?.[REPLAYED_ATTRIBUTE];
    return attribute !== undefined && attribute.stringValue?.toLowerCase() !== 'false';
  }).length;
}
