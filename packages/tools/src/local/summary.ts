/**
 * Gathers the end-of-run figures from the emulators and the pollers. Read-only: dead-letter
 * messages are looked at and made visible again, tables are scanned.
 */
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { FAILURE_ATTRIBUTES } from 'cdk-event-pipeline-publisher';
import { type TopicDeliveryFailures, readDeliveryFailures } from '../cli/delivery-failures';
import type { ApiDemoRun, InvalidRequestOutcome } from './api-publisher';
import type { LocalPipeline } from './pipeline';
import type { PublishResult } from './publisher';
import type { Scenario } from './scenario';
import type { OrderingViolation } from './sqs-event';
import { LatencyRecorder, percentile } from './stats';
import { type HandlerMetricsSummary, summarizeMetrics } from './summary-metrics';
import type { QueuePlan, SkippedResource, TablePlan, TopicPlan } from './template';

export interface DeadLetter {
  readonly messageId: string;
  readonly eventId?: string;
  /** The `failure.reason` attribute the handler attached, else the reason it logged for the message. */
  readonly reason: string;
  /**
   * Where the reason comes from: `message attribute` (`failure.reason`, on the message itself, as
   * on AWS), `handler log` (the function's log lines for the message id: local only), or `none`.
   */
  readonly reasonSource: 'message attribute' | 'handler log' | 'none';
}

/** An ordering violation (see OrderingViolation) with the function and queue it happened on. */
export interface FunctionOrderingViolation extends OrderingViolation {
  readonly function: string;
  readonly queue: string;
}

export interface QueueSummary {
  readonly queue: string;
  readonly function: string;
  readonly fifo: boolean;
  /** Distinct messages the event source received. */
  readonly received: number;
  /** Messages deleted after the function processed them, those it dead-lettered itself included. */
  readonly processed: number;
  /** Messages the function sent to the dead-letter queue itself (a malformed event), as its logs say. */
  readonly deadLetteredByFunction: number;
  readonly failedAttempts: number;
  readonly invocations: number;
  readonly meanBatchSize: number;
  readonly remaining: number;
  readonly latencyMs: { readonly p50?: number; readonly p99?: number };
  /** The event source's BatchSize and ReportBatchItemFailures, as in the template. */
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
  readonly functionTimeoutMs: number;
  readonly visibilityTimeoutMs: number;
  readonly batchingWindowMs: number;
  /** The factor applied to the three times above (the time scale, or more where the function timeout hit its minimum). */
  readonly timeFactor: number;
  /** Receives of a message while an invocation still held it: its visibility timeout ended first. */
  readonly redeliveredInFlight: number;
  /** Deletes with a receipt handle older than the message's latest receive: they deleted nothing. */
  readonly staleDeletes: number;
  readonly deadLetterQueue?: { readonly name: string; readonly messages: number; readonly listed: DeadLetter[] };
}

/** The demo's use of the Events API. */
export interface ApiSummary {
  /** The RestApi's logical id. */
  readonly api: string;
  /** The stage URL published to. */
  readonly url: string;
  /** The key sent as x-api-key, by name. */
  readonly apiKeyName?: string;
  /** Subjects published through the API, every publish of each. */
  readonly subjects: number;
  /** Publishes of the scenario (events and duplicate deliveries) the API answered 202 for. */
  readonly publishes: number;
  readonly failed: number;
  /** Requests the demo sent: single events, batches, retries after 429 or 5xx, and invalid requests. */
  readonly requests: { readonly single: number; readonly batch: number; readonly retried: number; readonly invalid: number };
  /** Every request the API answered during the demo, by status code, as the local API Gateway counted them. */
  readonly byStatus: Record<string, number>;
  /** Time to answer, measured by the local API Gateway from the request's arrival to its answer (server side). */
  readonly latencyMs: { readonly p50?: number; readonly p99?: number };
  /** The invalid requests, with the status expected and the status answered. */
  readonly invalid: InvalidRequestOutcome[];
}

/** A function the local run does not run (another runtime than Node.js), with the queues it would consume. */
export interface NotRunSummary {
  readonly function: string;
  readonly logicalId: string;
  readonly runtime: string;
  readonly reason: string;
  /** Its queues: created and subscribed, not consumed; `messages` are waiting in each at the end. */
  readonly queues: { readonly queue: string; readonly logicalId: string; readonly messages: number }[];
}

export interface RunSummary {
  readonly stack: string;
  /** The topic the demo published to; `topics` counts the stack's topics with an SQS subscription. */
  readonly topic?: { readonly logicalId: string; readonly name: string; readonly arn: string; readonly topics: number };
  readonly region: string;
  readonly timeScale: number;
  readonly synthesized: boolean;
  readonly skipped: SkippedResource[];
  readonly notes: string[];
  readonly published: {
    readonly events: number;
    readonly duplicates: number;
    readonly malformed: number;
    readonly outOfOrder: number;
    readonly publishes: number;
    /** Of the publishes: through SNS PublishBatch, and through the Events API. */
    readonly viaSns: number;
    readonly viaApi: number;
    readonly failed: number;
    readonly seconds: number;
  };
  /** Present when the demo published through the stack's Events API. */
  readonly api?: ApiSummary;
  readonly drained: boolean;
  /** First publish to drained, dead-lettering of failing messages included. */
  readonly seconds: number;
  /** First publish to the last message a handler processed successfully. */
  readonly processedSeconds: number;
  /** Valid events over processedSeconds. */
  readonly eventsPerSecond: number;
  readonly tables: { readonly name: string; readonly logicalId: string; readonly items: number }[];
  readonly queues: QueueSummary[];
  readonly latencyMs: { readonly p50?: number; readonly p99?: number };
  /**
   * The state items of the first few subjects, from each table keyed by `subject` alone that a
   * function fed by the demo's topic writes (the state projector's), when its items have a
   * `sequence`; `table` is the table's logical id.
   */
  readonly states: Record<string, unknown>[];
  /** Functions not run locally, and what waits in their queues. */
  readonly notRun?: NotRunSummary[];
  /** FIFO responses that reported a success after a failure in the same message group. Any makes the run fail. */
  readonly orderingViolations: FunctionOrderingViolation[];
  /** What the handlers published as EMF metric documents in their logs, per consumer and per second. */
  readonly metrics?: HandlerMetricsSummary;
  /** Notifications each topic could not deliver (a subscribed queue that does not exist). */
  readonly deliveryFailures?: readonly TopicDeliveryFailures[];
}

export async function collectSummary(
  pipeline: LocalPipeline,
  scenario: Scenario,
  publish: PublishResult,
  drainedAt: number,
  drained: boolean,
  api?: ApiDemoRun,
  options: { readonly topic?: TopicPlan; readonly stateSamples?: number } = {},
): Promise<RunSummary> {
  const { topic, stateSamples = 5 } = options;
  const seconds = (drainedAt - publish.startedAt) / 1000;
  const lastSuccessAt = Math.max(publish.finishedAt, ...pipeline.sources.map((s) => s.poller.stats.lastSuccessAt));
  const processedSeconds = (lastSuccessAt - publish.startedAt) / 1000;
  const queues = await Promise.all(pipeline.sources.map((s) => queueSummary(pipeline, s)));
  const deliveryFailures = await readDeliveryFailures(pipeline.clients.sns, pipeline.plan.topics.map((t) => t.arn));
  let latency = new LatencyRecorder();
  pipeline.sources.forEach((s) => (latency = latency.merge(s.poller.stats.latency)));
  const plan = pipeline.plan;
  const subscribed = plan.subscriptions.filter((sub) => !topic || sub.topic === topic.logicalId).map((sub) => sub.queue);
  const fed = pipeline.sources.filter((src) => subscribed.includes(src.queue.logicalId)).map((src) => src.fn);
  const stateTables = plan.tables.filter(
    (t) => t.keySchema.length === 1 && t.keySchema[0].AttributeName === 'subject' && fed.some((fn) => Object.values(fn.environment).includes(t.name)),
  );
  return {
    stack: pipeline.plan.stackName,
    ...(topic && {
      topic: {
        logicalId: topic.logicalId,
        name: topic.name,
        arn: topic.arn,
        topics: plan.topics.filter((t) => plan.subscriptions.some((sub) => sub.topic === t.logicalId)).length,
      },
    }),
    region: pipeline.plan.region,
    timeScale: pipeline.timeScale,
    synthesized: pipeline.synthesized,
    skipped: pipeline.plan.skipped,
    notes: pipeline.plan.notes,
    published: {
      events: scenario.events.length + scenario.malformedIds.length,
      duplicates: scenario.duplicates,
      malformed: scenario.malformedIds.length,
      outOfOrder: scenario.outOfOrder,
      publishes: publish.published,
      viaSns: publish.published - (api?.result.published ?? 0),
      viaApi: api?.result.published ?? 0,
      failed: publish.failed.length,
      seconds: (publish.finishedAt - publish.startedAt) / 1000,
    },
    api: api && apiSummary(pipeline, api),
    drained,
    seconds,
    processedSeconds,
    eventsPerSecond: scenario.events.length / processedSeconds,
    tables: await Promise.all(
      pipeline.plan.tables.map(async (t) => ({ name: t.name, logicalId: t.logicalId, items: await countItems(pipeline, t.name) })),
    ),
    queues,
    latencyMs: { p50: latency.percentile(50), p99: latency.percentile(99) },
    states: (await Promise.all(stateTables.map((t) => sampleStates(pipeline, t, scenario, stateSamples)))).flat(),
    notRun: await Promise.all(
      pipeline.notRun.map(async (n) => ({
        function: n.fn.name,
        logicalId: n.fn.logicalId,
        runtime: n.fn.runtime,
        reason: n.reason,
        queues: await Promise.all(
          n.queues.map(async (q) => {
            const depth = await pipeline.queueDepth(q);
            return { queue: q.name, logicalId: q.logicalId, messages: depth.visible + depth.inFlight + depth.delayed };
          }),
        ),
      })),
    ),
    orderingViolations: pipeline.sources.flatMap((s) =>
      s.poller.stats.orderingViolations.map((v) => ({ function: s.fn.name, queue: s.queue.name, ...v })),
    ),
    deliveryFailures,
    metrics: summarizeMetrics(pipeline.logs.metrics, {
      startedAt: publish.startedAt,
      endedAt: drainedAt,
      functionNames: new Map(plan.functions.map((f) => [f.logicalId, f.name])),
      source: pipeline.logs.dir ? `logs in ${pipeline.logs.dir}` : 'not written to files',
    }),
  };
}

function apiSummary(pipeline: LocalPipeline, run: ApiDemoRun): ApiSummary {
  const stats = pipeline.apis.find((a) => a.logicalId === run.api)!.stats;
  const byStatus: Record<string, number> = {};
  for (const [status, n] of Object.entries(stats.byStatus)) {
    const since = n - (run.before.byStatus[status] ?? 0);
    if (since > 0) byStatus[status] = since;
  }
  const latencies = stats.latenciesMs.slice(run.before.requests);
  const { published, failed, requests } = run.result;
  return {
    api: run.api,
    url: run.url,
    apiKeyName: run.apiKeyName,
    subjects: run.subjects,
    publishes: published,
    failed: failed.length,
    requests: { ...requests, invalid: run.invalid.length },
    byStatus,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    invalid: run.invalid,
  };
}

async function queueSummary(pipeline: LocalPipeline, source: LocalPipeline['sources'][number]): Promise<QueueSummary> {
  const { stats } = source.poller;
  const depth = await pipeline.queueDepth(source.queue);
  const dlq = source.deadLetterQueue;
  return {
    queue: source.queue.name,
    function: source.fn.name,
    fifo: source.queue.fifo,
    received: stats.messageIds.size,
    processed: stats.deleted,
    deadLetteredByFunction: pipeline.logs.deadLettered.get(source.fn.logicalId)?.size ?? 0,
    failedAttempts: stats.failedAttempts,
    invocations: stats.batches,
    meanBatchSize: stats.batches ? stats.received / stats.batches : 0,
    remaining: depth.visible + depth.inFlight + depth.delayed,
    latencyMs: { p50: stats.latency.percentile(50), p99: stats.latency.percentile(99) },
    batchSize: source.mapping.batchSize,
    reportBatchItemFailures: source.mapping.reportBatchItemFailures,
    functionTimeoutMs: source.timings.timeoutMs,
    visibilityTimeoutMs: source.timings.visibilityTimeoutMs,
    batchingWindowMs: source.timings.batchingWindowMs,
    timeFactor: source.timings.factor,
    redeliveredInFlight: stats.redeliveredInFlight,
    staleDeletes: stats.staleDeletes,
    deadLetterQueue: dlq ? await deadLetters(pipeline, dlq) : undefined,
  };
}

/** Reads a dead-letter queue without consuming it. A FIFO queue shows the head of each group. */
async function deadLetters(pipeline: LocalPipeline, queue: QueuePlan): Promise<QueueSummary['deadLetterQueue']> {
  const depth = await pipeline.queueDepth(queue);
  const messages = depth.visible + depth.inFlight + depth.delayed;
  const seen: Message[] = [];
  while (seen.length < messages) {
    const { Messages = [] } = await pipeline.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        MessageAttributeNames: [FAILURE_ATTRIBUTES.reason, FAILURE_ATTRIBUTES.eventId, FAILURE_ATTRIBUTES.sourceMessageId],
      }),
    );
    if (Messages.length === 0) break;
    seen.push(...Messages);
  }
  for (let i = 0; i < seen.length; i += 10) {
    await pipeline.clients.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.url,
        Entries: seen.slice(i, i + 10).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
  const listed = seen.map((m) => {
    // A message the handler dead-lettered itself has a message id of its own; its log lines use the source one.
    const attribute = (name: string) => m.MessageAttributes?.[name]?.StringValue || undefined;
    const sourceMessageId = attribute(FAILURE_ATTRIBUTES.sourceMessageId);
    const logged = pipeline.logs.reasons.get(m.MessageId ?? '') ?? (sourceMessageId ? pipeline.logs.reasons.get(sourceMessageId) : undefined);
    const attached = attribute(FAILURE_ATTRIBUTES.reason);
    return {
      messageId: m.MessageId ?? '',
      eventId: attribute(FAILURE_ATTRIBUTES.eventId) ?? logged?.eventId ?? eventIdOf(m.Body),
      reason: attached ?? logged?.reason ?? 'no failure.reason attribute and no failure logged for this message',
      reasonSource: attached ? 'message attribute' : logged ? 'handler log' : 'none',
    } as const;
  });
  return { name: queue.name, messages, listed };
}

function eventIdOf(body: string | undefined): string | undefined {
  try {
    const id = (JSON.parse(body ?? '') as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function countItems(pipeline: LocalPipeline, tableName: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await pipeline.clients.dynamodb.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

/**
 * The state items of the first few subjects in a table keyed by `subject`; none when the items it
 * has are not the state projector's (no `sequence`): a user's own table, written its own way.
 */
async function sampleStates(pipeline: LocalPipeline, table: TablePlan, scenario: Scenario, n: number): Promise<Record<string, unknown>[]> {
  if (n <= 0) return [];
  const subjects = [...scenario.expectedState.keys()].slice(0, n);
  const items = await Promise.all(
    subjects.map((subject) =>
      pipeline.clients.dynamodb.send(new GetItemCommand({ TableName: table.name, Key: { subject: { S: subject } } })),
    ),
  );
  const found = items.map((out) => out.Item).filter((item) => item !== undefined);
  if (found.length > 0 && !found.some((item) => item.sequence !== undefined)) return [];
  return items.map((out, i) => {
    const item = out.Item ?? {};
    return {
      subject: subjects[i],
      sequence: item.sequence?.N,
      type: item.type?.S,
      eventId: item.eventId?.S,
      table: table.logicalId,
    };
  });
}
