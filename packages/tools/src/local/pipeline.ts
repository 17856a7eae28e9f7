/**
 * The local pipeline: reads (or synthesizes) the cloud assembly, starts the emulators, creates the
 * stack's resources, and runs each function behind its SQS event source mappings.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type LocalApis, type LocalRestApi, startRestApis } from './apigateway';
import { type LocalClients, createClients } from './clients';
import { type AssemblyStack, readAssembly, synthesize, synthesizeApp } from './cloud-assembly';
import { type Emulators, startEmulators } from './emulators';
import { type EventSourceRuntime, createHost, createSource, sourceTimings } from './event-sources';
import { FunctionLogs } from './function-logs';
import type { FunctionHost } from './lambda-host';
import { provision } from './provision';
import { SqsWire } from './sqs-wire';
import { type EventSourcePlan, type FunctionPlan, type QueuePlan, type StackPlan, planStack } from './template';

export type { EventSourceRuntime } from './event-sources';

/** Where the stack comes from: a cloud assembly, synthesized first or read as it is. */
export interface AssemblyOptions {
  /** Project root: cdk.json, bin/app.ts and node_modules live here. */
  readonly projectDir: string;
  /** Cloud assembly directory, relative to projectDir. @default cdk.out */
  readonly cdkOut?: string;
  /** Synthesize the app into cdkOut first. @default true when bin/app.ts exists */
  readonly synth?: boolean;
  /**
   * Synthesize by running the `app` command of projectDir's cdk.json through the shell, as
   * `cdk synth` does (a user's own app), instead of the .ts file it names with this project's tsx
   * (the sample app). @default false
   */
  readonly appCommand?: boolean;
  /** Stack to run when the assembly has several. @default the only stack */
  readonly stackName?: string;
}

/** A stack read from its cloud assembly. */
export interface LoadedStack {
  readonly stack: AssemblyStack;
  /** Whether the app was synthesized just now. */
  readonly synthesized: boolean;
}

/** The stack named `--stack` does not exist, or none was named and there are several. */
export class StackChoiceError extends Error {
  public readonly name = 'StackChoiceError';
}

export interface PipelineOptions extends AssemblyOptions {
  /** The stack, already read with loadStack(): the assembly options are then not used again. */
  readonly loaded?: LoadedStack;
  /**
   * The node_modules that stands in for the Lambda runtime's own (/var/runtime/node_modules, where
   * the AWS SDK comes from). @default <projectDir>/node_modules
   */
  readonly runtimeModules?: string;
  /**
   * Multiplies visibility timeouts, batching windows and function timeouts; where a function timeout
   * would drop below MIN_FUNCTION_TIMEOUT_MS, its event sources use a larger factor (see sourceTimings).
   * @default 1
   */
  readonly timeScale?: number;
  /**
   * Concurrent batches per event source mapping, each with its own execution environment.
   * @default defaultConcurrency(): the machine's cores, between 2 and 4
   */
  readonly concurrency?: number;
  /** Where function logs are written. @default <projectDir>/.local/logs */
  readonly logDir?: string;
  /**
   * Directory where dynalite keeps its tables (LevelDB), so that `emulators.restartDynamodb()`
   * can stop and restart it without losing them. @default in memory
   */
  readonly dynamodbPath?: string;
  /**
   * The DynamoDB endpoint the functions use, given the emulator's: e.g. a fault-injecting proxy
   * in front of it. The pipeline's own clients keep using the emulator. @default the emulator
   */
  readonly functionDynamodbEndpoint?: (emulatorEndpoint: string) => string | Promise<string>;
  /**
   * Modules every execution environment requires before it loads its handler, as
   * `NODE_OPTIONS=--require` would; one that exports `wrapHandler(handler)` wraps the handler.
   * @default none
   */
  readonly functionPreload?: readonly string[];
}

/**
 * Concurrent batches per event source mapping when none is given: one per core, at least 2 and at
 * most 4. Every environment is a thread with its own V8 heap that compiles the SDK and the handler
 * afresh; more environments than cores only add compilation and garbage collection, and the
 * emulators share the same cores.
 */
export function defaultConcurrency(cores = availableParallelism()): number {
  return Math.min(4, Math.max(2, cores));
}

/** A function the local run does not run (see FunctionPlan.notRunnable), with the queues it would consume. */
export interface NotRunFunction {
  readonly fn: FunctionPlan;
  readonly reason: string;
  /** The queues of its event source mappings: created and subscribed, but not consumed. */
  readonly queues: readonly QueuePlan[];
}

/** Synthesizes the app if asked to, then reads the stack from the cloud assembly. */
export async function loadStack(options: AssemblyOptions): Promise<LoadedStack> {
  const projectDir = resolve(options.projectDir);
  const cdkOut = resolve(projectDir, options.cdkOut ?? 'cdk.out');
  const synth = options.synth ?? (options.appCommand || existsSync(join(projectDir, 'bin', 'app.ts')));
  if (synth) await (options.appCommand ? synthesizeApp(projectDir, cdkOut) : synthesize(projectDir, cdkOut));
  return { stack: chooseStack(readAssembly(cdkOut), options.stackName, cdkOut), synthesized: synth };
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export class LocalPipeline {
  private constructor(
    public readonly stack: AssemblyStack,
    public readonly plan: StackPlan,
    public readonly emulators: Emulators,
    public readonly clients: LocalClients,
    private readonly wire: SqsWire,
    public readonly logs: FunctionLogs,
    public readonly hosts: ReadonlyMap<string, FunctionHost>,
    public readonly sources: readonly EventSourceRuntime[],
    public readonly timeScale: number,
    public readonly synthesized: boolean,
    /** Functions of other runtimes, not run: their queues are not consumed, and not waited for. */
    public readonly notRun: readonly NotRunFunction[],
    private readonly localApis?: LocalApis,
  ) {}

  /** The template's REST APIs, each served on 127.0.0.1: stage URLs and the API keys' values. */
  get apis(): readonly LocalRestApi[] {
    return this.localApis?.apis ?? [];
  }

  static async start(options: PipelineOptions): Promise<LocalPipeline> {
    const projectDir = resolve(options.projectDir);
    const { stack, synthesized } = options.loaded ?? (await loadStack(options));
    const region = stack.region ?? 'us-east-1';
    const timeScale = options.timeScale ?? 1;

    // First, so that a folder another run is writing is refused before anything starts.
    const logs = new FunctionLogs(options.logDir ?? join(projectDir, '.local', 'logs'));
    const emulators = await startEmulators(region, { dynamodbPath: options.dynamodbPath }).catch(async (error: unknown) => {
      await logs.close();
      throw error;
    });
    const clients = createClients(emulators);
    const wire = new SqsWire(emulators.snsSqsEndpoint, region);
    const hosts = new Map<string, FunctionHost>();
    const sources: EventSourceRuntime[] = [];
    let apis: LocalApis | undefined;
    try {
      const plan = planStack(stack.template, {
        stackName: stack.stackName,
        region,
        accountId: emulators.accountId,
        queueUrl: emulators.queueUrl,
      });
      // A queue is created with its event source's scaled visibility timeout, rounded up to whole
      // seconds; the poller receives with the exact value.
      const visibility = new Map(
        plan.eventSources.map((m) => [m.queue, Math.ceil(sourceTimings(m, plan, timeScale).visibilityTimeoutMs / 1000)]),
      );
      await provision(plan, clients, { visibilityTimeoutSeconds: visibility });
      const runtimeModules = options.runtimeModules ?? join(projectDir, 'node_modules');
      const overrides = {
        dynamodbEndpoint: await options.functionDynamodbEndpoint?.(emulators.dynamodbEndpoint),
        preload: options.functionPreload,
      };
      const concurrency = options.concurrency ?? defaultConcurrency();
      const lanes = new Map<EventSourcePlan, number>();
      const notRun: NotRunFunction[] = [];
      for (const fn of plan.functions.filter((f) => f.notRunnable)) {
        const queues = plan.eventSources
          .filter((m) => m.function === fn.logicalId && m.enabled)
          .map((m) => plan.queues.find((q) => q.logicalId === m.queue)!);
        notRun.push({ fn, reason: fn.notRunnable!, queues });
        plan.notes.push(
          `function ${fn.logicalId} (${fn.runtime}) is not run locally` +
            (queues.length > 0 ? `: its queue ${queues.map((q) => q.logicalId).join(', ')} is not consumed, and the run does not wait for it` : ''),
        );
      }
      for (const mapping of plan.eventSources) {
        const fn = plan.functions.find((f) => f.logicalId === mapping.function)!;
        if (fn.notRunnable) continue;
        const limit = Math.min(mapping.maximumConcurrency ?? Infinity, fn.reservedConcurrency ?? Infinity);
        if (!mapping.enabled) plan.notes.push(`event source ${mapping.logicalId} is disabled: not polled`);
        else lanes.set(mapping, Math.max(1, Math.min(concurrency, limit)));
      }
      for (const fn of plan.functions.filter((f) => !f.notRunnable)) {
        const environments = [...lanes].filter(([m]) => m.function === fn.logicalId).reduce((n, [, l]) => n + l, 0);
        if (environments === 0) {
          plan.notes.push(`function ${fn.logicalId} has no enabled SQS event source: not invoked`);
          continue;
        }
        hosts.set(fn.logicalId, createHost(fn, stack, emulators, runtimeModules, environments, timeScale, logs, overrides));
      }
      await Promise.all([...hosts.values()].map((h) => h.start()));
      for (const [mapping, laneCount] of lanes) {
        sources.push(createSource(mapping, plan, hosts, wire, timeScale, laneCount));
      }
      sources.forEach((s) => s.poller.start());
      if (plan.apis.length > 0) {
        apis = await startRestApis(plan.apis, {
          endpoints: { sns: emulators.snsSqsEndpoint, dynamodb: emulators.dynamodbEndpoint },
          region,
          accountId: emulators.accountId,
        });
      }
      return new LocalPipeline(stack, plan, emulators, clients, wire, logs, hosts, sources, timeScale, synthesized, notRun, apis);
    } catch (error) {
      await apis?.stop();
      await Promise.all(sources.map((s) => s.poller.stop()));
      await Promise.all([...hosts.values()].map((h) => h.stop()));
      clients.destroy();
      wire.destroy();
      await emulators.stop();
      await logs.close();
      throw error;
    }
  }

  async queueDepth(queue: QueuePlan): Promise<QueueDepth> {
    const { Attributes: a = {} } = await this.wire.call('GetQueueAttributes', {
      QueueUrl: queue.url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    });
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /** True once every polled queue is empty, nothing is in flight and no batch is running. */
  async isDrained(): Promise<boolean> {
    if (this.sources.some((s) => s.poller.busy)) return false;
    const depths = await Promise.all(this.sources.map((s) => this.queueDepth(s.queue)));
    return depths.every((d) => d.visible + d.inFlight + d.delayed === 0) && !this.sources.some((s) => s.poller.busy);
  }

  /** Waits until drained (seen twice in a row), or the timeout. */
  async waitForDrain(timeoutMs: number, onTick?: () => void): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let streak = 0;
    while (Date.now() < deadline) {
      onTick?.();
      streak = (await this.isDrained()) ? streak + 1 : 0;
      if (streak >= 2) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  async stop(): Promise<void> {
    await this.localApis?.stop();
    await Promise.all(this.sources.map((s) => s.poller.stop()));
    await Promise.all([...this.hosts.values()].map((h) => h.stop()));
    this.clients.destroy();
    this.wire.destroy();
    await this.emulators.stop();
    await this.logs.close();
  }
}

function chooseStack(stacks: AssemblyStack[], name: string | undefined, cdkOut: string): AssemblyStack {
  const names = stacks.map((s) => s.stackName).join(', ');
  if (name) {
    const stack = stacks.find((s) => s.stackName === name || s.artifactId === name);
    if (!stack) throw new StackChoiceError(`--stack ${JSON.stringify(name)}: no such stack in ${cdkOut}; it has ${names}`);
    return stack;
  }
  if (stacks.length > 1) {
    throw new StackChoiceError(`--stack is needed: ${cdkOut} has ${stacks.length} stacks (${names}): pick one with --stack NAME`);
  }
  return stacks[0];
}
