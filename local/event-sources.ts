/**
 * Wires a function to the emulators (its execution environments) and an event source mapping to
 * its poller, with the time scale applied.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AssemblyError, type AssemblyStack } from './cloud-assembly';
import type { Emulators } from './emulators';
import type { FunctionLogs } from './function-logs';
import { lambdaEnvironment } from './lambda-env';
import { FunctionHost } from './lambda-host';
import { QueuePoller } from './poller';
import type { SqsWire } from './sqs-wire';
import type { EventSourcePlan, FunctionPlan, QueuePlan, StackPlan } from './template';

/** A scaled function timeout never drops below this: handlers run at local speed, not scaled speed. */
export const MIN_FUNCTION_TIMEOUT_MS = 3_000;
export interface EventSourceRuntime {
  readonly mapping: EventSourcePlan;
  readonly queue: QueuePlan;
  readonly deadLetterQueue?: QueuePlan;
  readonly fn: FunctionPlan;
  readonly poller: QueuePoller;
  readonly host: FunctionHost;
  readonly timeoutMs: number;
  readonly visibilityTimeoutMs: number;
  readonly batchingWindowMs: number;
}

/** Local changes to how a function runs: a test harness uses them to inject faults. */
export interface HostOverrides {
  /** The DynamoDB endpoint the function uses instead of the emulator's, e.g. a proxy in front of it. */
  readonly dynamodbEndpoint?: string;
  /** See FunctionHostOptions.preload. */
  readonly preload?: readonly string[];
}

export function scaledFunctionTimeoutMs(fn: FunctionPlan, timeScale: number): number {
  return Math.max(MIN_FUNCTION_TIMEOUT_MS, Math.round(fn.timeoutSeconds * 1000 * timeScale));
}

export function createHost(
  fn: FunctionPlan,
  stack: AssemblyStack,
  emulators: Emulators,
  projectDir: string,
  concurrency: number,
  timeScale: number,
  logs: FunctionLogs,
  overrides: HostOverrides = {},
): FunctionHost {
  const taskRoot = fn.assetKey ? stack.assets.get(fn.assetKey) : undefined;
  if (!taskRoot || !existsSync(taskRoot)) {
    throw new AssemblyError(`function ${fn.logicalId}: asset ${fn.assetKey ?? '(none)'} is not in the cloud assembly`);
  }
  const nodeModules = join(projectDir, 'node_modules');
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
  const visibilityTimeoutMs = Math.round(queue.visibilityTimeoutSeconds * 1000 * timeScale);
  const batchingWindowMs = Math.round(mapping.maximumBatchingWindowSeconds * 1000 * timeScale);
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
    timeoutMs: scaledFunctionTimeoutMs(fn, timeScale),
    visibilityTimeoutMs,
    batchingWindowMs,
  };
}
