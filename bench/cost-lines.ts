/**
 * The lines of the cost comparison, built from the counts measured in figures
 * 3 (handlers) and 5 (end-to-end local run), all under the same traffic
 * assumptions (event size, PublishBatch where the client batches, full
 * batches at steady load, the same state-write rate):
 * - defaults: this pipeline as the sample app deploys it;
 * - baseline: bench/baseline at CDK's defaults (batch size 10), published with
 *   PublishBatch, PutItem per record, x86_64, NodejsFunction's 128 MB;
 * - naive: the baseline at batch size 1, publishing one event per call;
 * - floor: each term at the least the design cannot avoid, and at most what
 *   any line measured (bench/cost-model.ts costFloor), so no line is below it;
 * - defaults + API (single / batch): this pipeline's defaults with every event
 *   published over HTTPS through the Events API, one REST request per event
 *   (SNS Publish behind it) or one per 10 (SNS PublishBatch). Another product
 *   (HTTPS producers, not SDK ones), so they are compared with each other and
 *   with the SDK-published defaults, and are not inputs of the floor.
 */
import { costFloor, costPerMillion, type CostPerMillion, type PipelineUse, type QueueUse } from './cost-model';
import { writeUnitsPerEvent, type EndToEndFigures } from './end-to-end';
import { CDK_DEFAULT_BATCH_SIZE, type VariantFigures, type VariantId } from './handlers';
import { median } from './stats';

/** Subscriptions on the topic: the event log's and the state projector's queues. */
const DELIVERIES = 2;
/** The events table's bySubject index projects every attribute: each item write writes it too. */
const EVENTS_INDEXES = 1;
const DEFAULT_MEMORY_MB = 256;
const NODEJS_FUNCTION_MEMORY_MB = 128;
/** SQS hands out at most 10 messages per ReceiveMessage and deletes at most 10 per DeleteMessageBatch. */
const SQS_MAX_PER_CALL = 10;
/** SNS PublishBatch takes at most 10 entries. */
const PUBLISH_BATCH_MAX = 10;
/** AWS maxima for the floor: the largest batch of an SQS event source, standard and FIFO, and Lambda's least billed duration and memory. */
const MAX_BATCH = { standard: 10_000, fifo: 10 };
const MIN_BILLED_MS = 1;
const MIN_MEMORY_MB = 128;

/** How often the state projector writes, per event: set by how events arrive, not by configuration. */
export interface StateTraffic {
  readonly id: 'slow-arrival' | 'publish-order' | 'backlog-e2e' | 'backlog-by-group';
  readonly label: string;
  /** State table write units per event for a projector that writes only each subject's newest event of a batch. */
  readonly stateWriteUnitsPerEvent: number;
  /** Where the figure comes from. */
  readonly source: string;
  /** The handler run whose invocation time the state projector gets under this traffic. */
  readonly durationFrom: VariantId;
}

export interface CostLine {
  readonly use: PipelineUse;
  readonly cost: CostPerMillion;
}

export interface CostLines {
  /** From slow arrival (no two events of a subject in a batch) to a backlog, in that order. */
  readonly traffic: readonly StateTraffic[];
  /** This pipeline under each traffic, in the order of `traffic`. */
  readonly defaults: readonly CostLine[];
  readonly baseline: CostLine;
  readonly naive: CostLine;
  readonly floor: CostLine;
  /** This pipeline's defaults published through the Events API, under each traffic, in the order of `traffic`. */
  readonly api: ApiLines;
  /** Inputs that were modelled because a measurement was not available. */
  readonly modelledInputs: string[];
}

export interface ApiLines {
  /** One REST request per event: the single publish, which makes one SNS Publish request. */
  readonly single: readonly CostLine[];
  /** One REST request per 10 events: the batch publish, which makes one SNS PublishBatch request. */
  readonly batch: readonly CostLine[];
}

/** REST requests (and the SNS publish requests behind them) per event, publishing one event per request or a batch of 10. */
export const API_PUBLISH = {
  single: { apiRequestsPerEvent: 1, publishRequestsPerEvent: 1 },
  batch: { apiRequestsPerEvent: 1 / PUBLISH_BATCH_MAX, publishRequestsPerEvent: 1 / PUBLISH_BATCH_MAX },
} as const;

/** Receives and deletes per event with full batches of `batchSize` at steady load. */
function steadyQueue(fifo: boolean, batchSize: number): QueueUse {
  const perCall = 1 / Math.min(batchSize, SQS_MAX_PER_CALL);
  return { fifo, sendsPerEvent: 1, receivesPerEvent: perCall, deletesPerEvent: perCall };
}

export function costLines(handlers: readonly VariantFigures[], e2e: readonly EndToEndFigures[], eventBytes: number): CostLines {
  const h = (id: VariantId) => {
    const v = handlers.find((x) => x.id === id);
    if (!v) throw new Error(`no handler figures for ${id}`);
    return v;
  };
  const modelledInputs: string[] = [];
  const backlogRuns = e2e.filter((r) => r.arrival === 'backlog');
  const slowRun = e2e.find((r) => r.arrival === 'slow');
  const stateUnits = (runs: readonly EndToEndFigures[]) => {
    const xs = runs.map((r) => writeUnitsPerEvent(r, true)).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const slowUnits = slowRun && stateUnits([slowRun]);
  const backlogUnits = stateUnits(backlogRuns);
  if (slowUnits === undefined) modelledInputs.push('slow arrival: one state write per event (no end-to-end run)');

  const traffic: StateTraffic[] = [
    {
      id: 'slow-arrival',
      label: 'slow arrival (one event per subject per batch)',
      stateWriteUnitsPerEvent: slowUnits ?? h('baselineStateProjector').writeUnitsPerEvent,
      source: slowUnits === undefined ? 'modelled: one write per event' : 'local run, paced (5)',
      durationFrom: 'stateProjector',
    },
    { id: 'publish-order', label: 'batches in publish order', stateWriteUnitsPerEvent: h('stateProjector').writeUnitsPerEvent, source: 'handler run (3)', durationFrom: 'stateProjector' },
    ...(backlogUnits === undefined
      ? []
      : [{ id: 'backlog-e2e' as const, label: 'backlog, local run', stateWriteUnitsPerEvent: backlogUnits, source: `local run, median of ${backlogRuns.length} (5)`, durationFrom: 'stateProjectorByGroup' as const }]),
    { id: 'backlog-by-group', label: 'backlog, batches by group', stateWriteUnitsPerEvent: h('stateProjectorByGroup').writeUnitsPerEvent, source: 'handler run (3)', durationFrom: 'stateProjectorByGroup' },
  ];

  /** A line from the handler runs of its two functions; the events table and its index take each event item once. */
  const lineUse = (
    name: string,
    el: VariantFigures,
    sp: VariantFigures,
    o: { publishRequestsPerEvent: number; memoryMb: number; architecture: 'arm64' | 'x86_64'; stateWriteUnitsPerEvent: number },
  ): PipelineUse => ({
    name,
    eventBytes,
    publishRequestsPerEvent: o.publishRequestsPerEvent,
    deliveriesPerEvent: DELIVERIES,
    queues: [steadyQueue(false, el.batchSize), steadyQueue(true, sp.batchSize)],
    functions: [el, sp].map((v) => ({ invocationsPerEvent: v.invocationsPerEvent, msPerInvocation: v.meanInvocationMs, memoryMb: o.memoryMb, architecture: o.architecture })),
    writeUnitsPerEvent: el.writeUnitsPerEvent * (1 + EVENTS_INDEXES) + o.stateWriteUnitsPerEvent,
  });
  const eventLog = h('eventLog');
  const defaultsAt = (t: StateTraffic) =>
    lineUse(`this pipeline, ${t.label}`, eventLog, h(t.durationFrom), {
      publishRequestsPerEvent: 1 / PUBLISH_BATCH_MAX,
      memoryMb: DEFAULT_MEMORY_MB,
      architecture: 'arm64',
      stateWriteUnitsPerEvent: t.stateWriteUnitsPerEvent,
    });
  // A conditional put that is refused is billed too: the baseline pays a state write per event whatever the traffic.
  const baselineUse = (name: string, el: VariantFigures, sp: VariantFigures, publishRequestsPerEvent: number) =>
    lineUse(name, el, sp, { publishRequestsPerEvent, memoryMb: NODEJS_FUNCTION_MEMORY_MB, architecture: 'x86_64', stateWriteUnitsPerEvent: sp.writeUnitsPerEvent });

  const defaults = traffic.map(defaultsAt);
  const baseline = baselineUse(`baseline (CDK defaults, batch ${CDK_DEFAULT_BATCH_SIZE})`, h('baselineEventLog'), h('baselineStateProjector'), 1 / PUBLISH_BATCH_MAX);
  const naive = baselineUse('naive baseline (batch 1, Publish per event)', h('naiveEventLog'), h('naiveStateProjector'), 1);
  // What the design cannot avoid: one publish entry, two deliveries, one send, receive and delete per
  // message at AWS maxima, Lambda at its largest batches, least duration and memory, each item written
  // once (events table and its index); the state written at the best compaction this run measured.
  const unavoidable: PipelineUse = {
    name: 'floor',
    eventBytes,
    publishRequestsPerEvent: 1 / PUBLISH_BATCH_MAX,
    deliveriesPerEvent: DELIVERIES,
    queues: [steadyQueue(false, MAX_BATCH.standard), steadyQueue(true, MAX_BATCH.fifo)],
    functions: [
      { invocationsPerEvent: 1 / MAX_BATCH.standard, msPerInvocation: MIN_BILLED_MS, memoryMb: MIN_MEMORY_MB, architecture: 'arm64' },
      { invocationsPerEvent: 1 / MAX_BATCH.fifo, msPerInvocation: MIN_BILLED_MS, memoryMb: MIN_MEMORY_MB, architecture: 'arm64' },
    ],
    writeUnitsPerEvent:
      Math.min(eventLog.writeUnitsPerEvent, h('baselineEventLog').writeUnitsPerEvent, h('naiveEventLog').writeUnitsPerEvent) * (1 + EVENTS_INDEXES) +
      Math.min(...traffic.map((t) => t.stateWriteUnitsPerEvent)),
  };
  const lines = [...defaults, baseline, naive];
  const floor = costFloor(unavoidable, lines);
  const line = (use: PipelineUse): CostLine => ({ use, cost: costPerMillion(use) });
  // The same lines as the defaults, everything but the publishing kept; not inputs of the floor.
  const overApi = (how: keyof typeof API_PUBLISH) =>
    defaults.map((d, i) => line({ ...d, name: `defaults + API (${how}), ${traffic[i].label}`, ...API_PUBLISH[how] }));
  return {
    traffic,
    defaults: defaults.map(line),
    baseline: line(baseline),
    naive: line(naive),
    floor,
    api: { single: overApi('single'), batch: overApi('batch') },
    modelledInputs,
  };
}
