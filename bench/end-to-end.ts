/**
 * Figure 5: the end-to-end local run (local/), at 10,000 events: events/s,
 * latency from publish to handler success, and the request counts the cost
 * model needs (SNS PublishBatch calls, the event source pollers' receives and
 * deletes, Lambda invocations, DynamoDB write units by table). Two arrivals:
 * a backlog (everything published at once) and slow arrival (one event per
 * subject at a time, the queues drained in between).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runDemo } from '../packages/tools/src/local/demo-run';
import { LocalPipeline } from '../packages/tools/src/local/pipeline';
import { generateScenario } from '../packages/tools/src/local/scenario';
import type { PublishBatchEntry } from '../packages/tools/src/local/sns-wire';
import { countsSince, startDynamoDbCounter, type DynamoDbCounter } from './dynamodb-counter';

const ROOT = path.join(__dirname, '..');

/** How events reach the pipeline: all at once (a backlog builds up), or one per subject at a time. */
export type Arrival = 'backlog' | 'slow';

export interface QueueFigures {
  readonly function: string;
  readonly fifo: boolean;
  /** The table the function writes (its TABLE_NAME), the items written to it and their write request units. */
  readonly table: string;
  readonly items: number;
  readonly writeUnits: number;
  readonly messages: number;
  readonly invocations: number;
  readonly meanBatchSize: number;
  /** ReceiveMessage calls that returned messages, and those that returned none. */
  readonly receives: number;
  readonly emptyReceives: number;
  /**
   * DeleteMessageBatch calls, estimated: one per batch of up to 10 messages; for larger batches,
   * deleted ÷ 10 plus half a call per batch for the last, partial chunk.
   */
  readonly deleteCalls: number;
  readonly meanHandlerMs: number;
}

export interface EndToEndFigures {
  readonly arrival: Arrival;
  readonly events: number;
  readonly publishes: number;
  /** Messages published per second: the publisher does not wait for the pipeline. */
  readonly publishPerSecond: number;
  readonly eventsPerSecond: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly seconds: number;
  readonly drained: boolean;
  /** SNS PublishBatch calls and their 64 KB chunks. */
  readonly publishCalls: number;
  readonly publishChunks: number;
  readonly meanEventBytes: number;
  readonly queues: QueueFigures[];
  /** The functions' DynamoDB requests by action, and write request units by table, over the run. */
  readonly dynamodbRequests: Record<string, number>;
  readonly dynamodbWriteUnits: Record<string, number>;
  readonly timeScale: number;
}

/**
 * Runs the sample app's pipeline on the local emulators and publishes
 * `events` events over `subjects` subjects (with the scenario's duplicates
 * and out-of-order events, no malformed ones).
 *
 * @param cdkOut an assembly of bin/app.ts already synthesized, to skip synthesis
 */
export async function runLocalEndToEnd(options: { events: number; subjects: number; cdkOut?: string; arrival?: Arrival }): Promise<EndToEndFigures> {
  const arrival = options.arrival ?? 'backlog';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const timeScale = 0.01;
  const scenario = generateScenario({ events: options.events, subjects: options.subjects, seed: 7, malformedRate: 0 });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-'));
  let counter: DynamoDbCounter | undefined;
  let pipeline: LocalPipeline;
  try {
    pipeline = await LocalPipeline.start({
      projectDir: ROOT,
      cdkOut: options.cdkOut ?? path.join(scratch, 'cdk.out'),
      synth: options.cdkOut === undefined,
      timeScale,
      logDir: path.join(scratch, 'logs'),
      // The functions reach dynalite through a counter; the pipeline's own clients do not.
      functionDynamodbEndpoint: async (emulator) => {
        counter = await startDynamoDbCounter(emulator);
        return counter.endpoint;
      },
    });
  } catch (error) {
    await counter?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  let publishCalls = 0;
  let publishChunks = 0;
  const countPublish = (entries: readonly PublishBatchEntry[]) => {
    const bytes = entries.reduce(
      (n, e) => n + Buffer.byteLength(e.Message) + Buffer.byteLength(JSON.stringify(e.MessageAttributes ?? {})),
      0,
    );
    publishCalls++;
    publishChunks += Math.max(1, Math.ceil(bytes / 65_536));
  };
  try {
    const before = await counter?.counts();
    const summary = await runDemo(pipeline, scenario, { drainTimeoutMs: 600_000, onPublishBatch: countPublish, slowArrival: arrival === 'slow' });
    const after = await counter?.counts();
    const queues = pipeline.sources.map((s, i): QueueFigures => {
      const { stats } = s.poller;
      const meanBatch = stats.batches ? stats.deleted / stats.batches : 0;
      const table = s.fn.environment.TABLE_NAME ?? '';
      return {
        function: s.fn.logicalId,
        fifo: s.queue.fifo,
        table,
        items: before && after ? (after.items[table] ?? 0) - (before.items[table] ?? 0) : 0,
        writeUnits: before && after ? (after.writeUnits[table] ?? 0) - (before.writeUnits[table] ?? 0) : 0,
        messages: summary.queues[i].processed,
        invocations: s.host.stats.invocations,
        meanBatchSize: summary.queues[i].meanBatchSize,
        receives: stats.receives - stats.emptyReceives,
        emptyReceives: stats.emptyReceives,
        deleteCalls: Math.round(meanBatch <= 10 ? stats.batches : stats.deleted / 10 + stats.batches / 2),
        meanHandlerMs: s.host.stats.invocations ? s.host.stats.busyMs / s.host.stats.invocations : 0,
      };
    });
    return {
      arrival,
      events: scenario.events.length,
      publishes: summary.published.publishes,
      publishPerSecond: summary.published.publishes / summary.published.seconds,
      eventsPerSecond: summary.eventsPerSecond,
      p50Ms: summary.latencyMs.p50,
      p99Ms: summary.latencyMs.p99,
      seconds: summary.processedSeconds,
      drained: summary.drained,
      publishCalls,
      publishChunks,
      meanEventBytes: scenario.entries.reduce((n, e) => n + Buffer.byteLength(e.body), 0) / scenario.entries.length,
      queues,
      dynamodbRequests: before && after ? countsSince(before.requests, after.requests) : {},
      dynamodbWriteUnits: before && after ? countsSince(before.writeUnits, after.writeUnits) : {},
      timeScale,
    };
  } finally {
    await pipeline.stop();
    await counter?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Write request units per event of the table a queue's function writes (the FIFO queue's: the state table). */
export function writeUnitsPerEvent(e2e: EndToEndFigures, fifo: boolean): number | undefined {
  const q = e2e.queues.find((x) => x.fifo === fifo);
  return q && e2e.events > 0 ? q.writeUnits / e2e.events : undefined;
}
