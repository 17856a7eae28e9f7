/**
 * Wires a function to the emulators (its execution environments) and an event source mapping to
 * its poller, with the time scale applied.
 */
import { existsSync } from 'node:fs';
import { AssemblyError, type AssemblyStack } from './cloud-assembly';
import type { Emulators } from './emulators';
import type { FunctionLogs } from './function-logs';
import { lambdaEnvironment } from './lambda-env';
import { FunctionHost } from './lambda-host';
import { QueuePoller } from './poller';
import type { SqsWire } from './sqs-wire';
import type { EventSourcePlan, FunctionPlan, QueuePlan, StackPlan } from './template';

/**
 * A scaled function timeout never drops below this: handlers run at local speed, not scaled speed.
 * (The slowest invocation of a 10,000-event run here took 141 ms.) When it applies, the event
 * source's visibility timeout and batching window are scaled by the same factor, so that the
 * deployed rule visibility >= 6 x function timeout + batching window holds locally exactly when it
 * holds in the template.
 */
export const MIN_FUNCTION_TIMEOUT_MS = 1_000;

/** How one event source mapping's times are scaled locally. */
export interface SourceTimings {
  /** The factor applied to the function timeout, the visibility timeout and the batching window. */
  readonly factor: number;
  readonly timeoutMs: number;
  readonly visibilityTimeoutMs: number;
  readonly batchingWindowMs: number;
}
export interface EventSourceRuntime {
  readonly mapping: EventSourcePlan;
  readonly queue: QueuePlan;
  readonly deadLetterQueue?: QueuePlan;
  readonly fn: FunctionPlan;
  readonly poller: QueuePoller;
  readonly host: FunctionHost;
  readonly timings: SourceTimings;
}

/** Local changes to how a function runs: a test harness uses them to inject faults. */
export interface HostOverrides {
  /** The DynamoDB endpoint the function uses instead of the emulator's, e.g. a proxy in front of it. */
  readonly dynamodbEndpoint?: string;
  /** See FunctionHostOptions.preload. */
  readonly preload?: readonly string[];
}

/** The factor a function's times are scaled by: the time scale, raised where the timeout would drop below the minimum. */
export function timeFactor(fn: FunctionPlan, timeScale: number): number {
  const timeoutMs = fn.timeoutSeconds * 1000;
  return timeoutMs * timeScale >= MIN_FUNCTION_TIMEOUT_MS ? timeScale : MIN_FUNCTION_TIMEOUT_MS / timeoutMs;
}

/** In fractional milliseconds: rounding each time on its own could break visibility >= 6 x timeout + window. */
export function scaledFunctionTimeoutMs(fn: FunctionPlan, timeScale: number): number {
  return fn.timeoutSeconds * 1000 * timeFactor(fn, timeScale);
}

/** The function timeout, the queue's visibility timeout and the batching window, as the local run uses them. */
export function sourceTimings(mapping: EventSourcePlan, plan: StackPlan, timeScale: number): SourceTimings {
  const queue = plan.queues.find((q) => q.logicalId === mapping.queue)!;
  const fn = plan.functions.find((f) => f.logicalId === mapping.function)!;
  const factor = timeFactor(fn, timeScale);
  return {
    factor,
    timeoutMs: scaledFunctionTimeoutMs(fn, timeScale),
    visibilityTimeoutMs: queue.visibilityTimeoutSeconds * 1000 * factor,
    batchingWindowMs: mapping.maximumBatchingWindowSeconds * 1000 * factor,
  };
}

export function createHost(
  fn: FunctionPlan,
  stack: AssemblyStack,
  emulators: Emulators,
  /** The node_modules standing in for the runtime's (see lambdaEnvironment). */
  nodeModules: string,
  concurrency: number,
  timeScale: number,
  logs: FunctionLogs,
  overrides: HostOverrides = {},
): FunctionHost {
  const taskRoot = fn.assetKey ? stack.assets.get(fn.assetKey) : undefined;
  if (!taskRoot || !existsSync(taskRoot)) {
    throw new AssemblyError(`function ${fn.logicalId}: asset ${fn.assetKey ?? '(none)'} is not in the cloud assembly`);
  }
  const endpoints = {
    sns: emulators.snsSqsEndpoint,
    sqs: emulators.snsSqsEndpoint,
    dynamodb: overrides.dynamodbEndpoint ?? emulators.dynamodbEndpoint,
  };
  return new FunctionHost({
    functionName: fn.name,
    functionArn: fn.arn,
    memorySize: fn.memorySize,
    taskRoot,
    handler: fn.handler,
    env: lambdaEnvironment(fn, emulators.region, endpoints, taskRoot, nodeModules),
    nodeModules,
    concurrency,
    timeoutMs: scaledFunctionTimeoutMs(fn, timeScale),
    onLog: logs.sink(fn.logicalId),
    preload: overrides.preload,
  });
}

export function createSource(
  mapping: EventSourcePlan,
  plan: StackPlan,
  hosts: ReadonlyMap<string, FunctionHost>,
  wire: SqsWire,
  timeScale: number,
  concurrency: number,
): EventSourceRuntime {
  const queue = plan.queues.find((q) => q.logicalId === mapping.queue)!;
  const fn = plan.functions.find((f) => f.logicalId === mapping.function)!;
  const host = hosts.get(fn.logicalId)!;
  const timings = sourceTimings(mapping, plan, timeScale);
  const { visibilityTimeoutMs, batchingWindowMs } = timings;
  const poller = new QueuePoller({
    sqs: wire,
    host,
    queueUrl: queue.url,
    queueArn: queue.arn,
    fifo: queue.fifo,
    region: plan.region,
    batchSize: mapping.batchSize,
    batchingWindowMs,
    visibilityTimeoutMs,
    reportBatchItemFailures: mapping.reportBatchItemFailures,
    concurrency,
  });
  return {
    mapping,
    queue,
    deadLetterQueue: plan.queues.find((q) => q.logicalId === queue.deadLetterQueue),
    fn,
    poller,
    host,
    timings,
  };
}
