/**
 * The three lines of the cost comparison, built from the request counts
 * measured in figures 3 (handlers) and 5 (end-to-end local run):
 * - defaults: this pipeline as the sample app deploys it;
 * - baseline: bench/baseline (Publish per event, batch size 1, PutItem per
 *   record, x86_64, NodejsFunction's 128 MB);
 * - floor: what no configuration avoids for one event at steady load, with
 *   every batch at its AWS maximum.
 */
import { costPerMillion, type CostPerMillion, type PipelineUse } from './cost-model';
import type { EndToEndFigures } from './end-to-end';
import type { VariantFigures, VariantId } from './handlers';

/** Subscriptions on the topic: the event log's and the state projector's queues. */
const DELIVERIES = 2;
/** The events table's bySubject index projects every attribute: each item write writes it too. */
const EVENTS_INDEXES = 1;
const DEFAULT_MEMORY_MB = 256;
const NODEJS_FUNCTION_MEMORY_MB = 128;

export interface CostLines {
  readonly uses: { defaults: PipelineUse; baseline: PipelineUse; floor: PipelineUse };
  readonly costs: { defaults: CostPerMillion; baseline: CostPerMillion; floor: CostPerMillion };
  /** Inputs of the defaults line that were modelled because the local run was not available. */
  readonly modelledInputs: string[];
}

export function costLines(handlers: readonly VariantFigures[], e2e: EndToEndFigures | undefined, eventBytes: number): CostLines {
  const h = (id: VariantId) => {
    const v = handlers.find((x) => x.id === id);
    if (!v) throw new Error(`no handler figures for ${id}`);
    return v;
  };
  const eventLog = h('eventLog');
  const stateProjector = h('stateProjector');
  const baselineEventLog = h('baselineEventLog');
  const baselineState = h('baselineStateProjector');
  const modelledInputs: string[] = [];

  const queueUse = (fifo: boolean) => {
    const q = e2e?.queues.find((x) => x.fifo === fifo);
    if (!q || q.messages === 0) {
      modelledInputs.push(`${fifo ? 'FIFO' : 'standard'} queue receives and deletes (10 messages per call)`);
      return { fifo, sendsPerEvent: 1, receivesPerEvent: 0.1, deletesPerEvent: 0.1 };
    }
    return { fifo, sendsPerEvent: 1, receivesPerEvent: q.receives / q.messages, deletesPerEvent: q.deleteCalls / q.messages };
  };
  let publishRequestsPerEvent = 0.1;
  if (e2e && e2e.publishes > 0) publishRequestsPerEvent = e2e.publishCalls / e2e.publishes;
  else modelledInputs.push('SNS PublishBatch calls (10 events per call)');

  const defaults: PipelineUse = {
    name: 'this pipeline (defaults)',
    eventBytes,
    publishRequestsPerEvent,
    deliveriesPerEvent: DELIVERIES,
    queues: [queueUse(false), queueUse(true)],
    functions: [
      { invocationsPerEvent: eventLog.invocationsPerEvent, msPerInvocation: eventLog.meanInvocationMs, memoryMb: DEFAULT_MEMORY_MB, architecture: 'arm64' },
      { invocationsPerEvent: stateProjector.invocationsPerEvent, msPerInvocation: stateProjector.meanInvocationMs, memoryMb: DEFAULT_MEMORY_MB, architecture: 'arm64' },
    ],
    writeUnitsPerEvent: eventLog.writeUnitsPerEvent * (1 + EVENTS_INDEXES) + stateProjector.writeUnitsPerEvent,
  };
  const baseline: PipelineUse = {
    name: 'baseline',
    eventBytes,
    publishRequestsPerEvent: 1,
    deliveriesPerEvent: DELIVERIES,
    queues: [
      { fifo: false, sendsPerEvent: 1, receivesPerEvent: 1, deletesPerEvent: 1 },
      { fifo: true, sendsPerEvent: 1, receivesPerEvent: 1, deletesPerEvent: 1 },
    ],
    functions: [
      { invocationsPerEvent: baselineEventLog.invocationsPerEvent, msPerInvocation: baselineEventLog.meanInvocationMs, memoryMb: NODEJS_FUNCTION_MEMORY_MB, architecture: 'x86_64' },
      { invocationsPerEvent: baselineState.invocationsPerEvent, msPerInvocation: baselineState.meanInvocationMs, memoryMb: NODEJS_FUNCTION_MEMORY_MB, architecture: 'x86_64' },
    ],
    writeUnitsPerEvent: baselineEventLog.writeUnitsPerEvent * (1 + EVENTS_INDEXES) + baselineState.writeUnitsPerEvent,
  };
  // One write per event in each table (the baseline's write units per item): they depend on the
  // item's size, not on configuration.
  const floor: PipelineUse = {
    name: 'floor',
    eventBytes,
    publishRequestsPerEvent: 0.1,
    deliveriesPerEvent: DELIVERIES,
    queues: [
      { fifo: false, sendsPerEvent: 1, receivesPerEvent: 0.1, deletesPerEvent: 0.1 },
      { fifo: true, sendsPerEvent: 1, receivesPerEvent: 0.1, deletesPerEvent: 0.1 },
    ],
    functions: [
      { invocationsPerEvent: 1 / 10_000, msPerInvocation: 1, memoryMb: 128, architecture: 'arm64' },
      { invocationsPerEvent: 1 / 10, msPerInvocation: 1, memoryMb: 128, architecture: 'arm64' },
    ],
    writeUnitsPerEvent: eventLog.writeUnitsPerEvent * (1 + EVENTS_INDEXES) + baselineState.writeUnitsPerEvent,
  };
  return {
    uses: { defaults, baseline, floor },
    costs: { defaults: costPerMillion(defaults), baseline: costPerMillion(baseline), floor: costPerMillion(floor) },
    modelledInputs,
  };
}
