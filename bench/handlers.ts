/**
 * Figure 3: handler throughput and DynamoDB requests per event, the bundled
 * default consumers against the baseline's handlers, on dynalite. Each variant
 * runs in a process of its own; the 10,000 events are cut into slices and the
 * variants take turns slice by slice, so a burst of load on the machine hits
 * them alike. Events/s is the median over the slices.
 */
import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import { baselineBundle, projectBundle, runtimeEnv, type Bundle } from './bundles';
import type { HandlerRunResult, HandlerRunSpec, SliceResult } from './handler-run';
import type { BatchShape } from './handler-stream';
import { median } from './stats';

export type VariantId =
  | 'eventLog'
  | 'baselineEventLog'
  | 'naiveEventLog'
  | 'stateProjector'
  | 'stateProjectorByGroup'
  | 'baselineStateProjector'
  | 'naiveStateProjector';

/** The batch size of an SQS event source mapping when none is given, for both kinds of queue (CDK and Lambda). */
export const CDK_DEFAULT_BATCH_SIZE = 10;

interface Variant {
  readonly id: VariantId;
  readonly label: string;
  readonly bundle: Bundle;
  readonly table: HandlerRunSpec['table'];
  readonly batchSize: number;
  readonly shape: BatchShape;
}

export interface VariantFigures {
  readonly id: VariantId;
  readonly label: string;
  readonly batchSize: number;
  readonly shape: BatchShape;
  readonly records: number;
  /** Median events/s over the slices. */
  readonly eventsPerSecond: number;
  readonly sliceEventsPerSecond: number[];
  /** Every DynamoDB request (any action) per event, and the write requests alone. */
  readonly requestsPerEvent: number;
  readonly writeRequestsPerEvent: number;
  readonly requestsByAction: Record<string, number>;
  readonly writeUnitsPerEvent: number;
  readonly invocationsPerEvent: number;
  readonly meanInvocationMs: number;
  readonly failedRecords: number;
  readonly verified: boolean;
  readonly verifyDetail: string;
}

const WRITE_ACTIONS = ['PutItem', 'BatchWriteItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems'];

function variants(): Variant[] {
  const eventLog = projectBundle('event-log');
  const stateProjector = projectBundle('state-projector');
  return [
    { id: 'eventLog', label: 'event log (batch 100)', bundle: eventLog, table: 'events', batchSize: 100, shape: 'publish-order' },
    { id: 'baselineEventLog', label: `baseline event log (batch ${CDK_DEFAULT_BATCH_SIZE}, CDK default)`, bundle: baselineBundle('event-log'), table: 'events', batchSize: CDK_DEFAULT_BATCH_SIZE, shape: 'publish-order' },
    { id: 'naiveEventLog', label: 'naive baseline event log (batch 1)', bundle: baselineBundle('event-log'), table: 'events', batchSize: 1, shape: 'publish-order' },
    { id: 'stateProjector', label: 'state projector (batch 10, publish order)', bundle: stateProjector, table: 'state', batchSize: 10, shape: 'publish-order' },
    { id: 'stateProjectorByGroup', label: 'state projector (batch 10, by group)', bundle: stateProjector, table: 'state', batchSize: 10, shape: 'by-group' },
    { id: 'baselineStateProjector', label: `baseline state projector (batch ${CDK_DEFAULT_BATCH_SIZE}, CDK default)`, bundle: baselineBundle('state-projector'), table: 'state', batchSize: CDK_DEFAULT_BATCH_SIZE, shape: 'publish-order' },
    { id: 'naiveStateProjector', label: 'naive baseline state projector (batch 1)', bundle: baselineBundle('state-projector'), table: 'state', batchSize: 1, shape: 'publish-order' },
  ];
}

type Reply = { ready?: true; slice?: SliceResult; result?: HandlerRunResult; error?: string };

/** A handler run in its own process, answering one request at a time. */
export class RunProcess {
  private readonly child: ChildProcess;
  private pending?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
  private stderr = '';
  readonly ready: Promise<Reply>;

  constructor(spec: HandlerRunSpec, slices: number) {
    // Handler logs (Powertools JSON lines) go nowhere; results come over IPC.
    this.child = fork(path.join(__dirname, 'handler-run.ts'), [JSON.stringify(spec), String(slices)], {
      execArgv: ['--import', 'tsx'],
      env: runtimeEnv(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    this.child.on('message', (m: Reply) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.error) p?.reject(new Error(`handler run failed: ${m.error}`));
      else p?.resolve(m);
    });
    this.child.on('exit', (code) => {
      if (code !== 0) this.pending?.reject(new Error(`handler run exited with ${code}: ${this.stderr}`));
    });
    this.ready = this.next();
  }

  request(message: object): Promise<Reply> {
    const reply = this.next();
    this.child.send(message);
    return reply;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }

  private next(): Promise<Reply> {
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }
}

export async function handlerThroughput(options: { events: number; subjects: number; slices: number }): Promise<VariantFigures[]> {
  const all = variants();
  const runs = all.map(
    (v) =>
      new RunProcess(
        { bundle: v.bundle.file, table: v.table, batchSize: v.batchSize, shape: v.shape, events: options.events, subjects: options.subjects },
        options.slices,
      ),
  );
  try {
    await Promise.all(runs.map((r) => r.ready));
    const slices = new Map<VariantId, SliceResult[]>(all.map((v) => [v.id, []]));
    for (let k = 0; k < options.slices; k++) {
      for (const [i, v] of all.entries()) slices.get(v.id)!.push((await runs[i].request({ slice: k })).slice!);
    }
    const results = await Promise.all(runs.map(async (r) => (await r.request({ finish: true })).result!));
    return all.map((v, i) => figures(v, results[i], slices.get(v.id)!));
  } finally {
    runs.forEach((r) => r.kill());
  }
}

function figures(v: Variant, run: HandlerRunResult, slices: SliceResult[]): VariantFigures {
  const perEvent = (n: number) => n / run.records;
  const writes = WRITE_ACTIONS.reduce((n, a) => n + (run.requests[a] ?? 0), 0);
  const rates = slices.filter((s) => s.records > 0).map((s) => s.records / (s.wallMs / 1000));
  return {
    id: v.id,
    label: v.label,
    batchSize: v.batchSize,
    shape: v.shape,
    records: run.records,
    eventsPerSecond: median(rates),
    sliceEventsPerSecond: rates,
    requestsPerEvent: perEvent(Object.values(run.requests).reduce((a, b) => a + b, 0)),
    writeRequestsPerEvent: perEvent(writes),
    requestsByAction: run.requests,
    writeUnitsPerEvent: perEvent(run.writeUnits),
    invocationsPerEvent: perEvent(run.invocations),
    meanInvocationMs: run.meanInvocationMs,
    failedRecords: run.failedRecords,
    verified: run.verified,
    verifyDetail: run.verifyDetail,
  };
}
