/**
 * The local pipeline set up for fault injection: the functions reach dynalite through the fault
 * proxy, each execution environment loads the crash hook, every invocation is observed, and what
 * was published is kept, so the conservation check can run at any time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../packages/tools/src/local/cloud-assembly';
import { LocalPipeline } from '../packages/tools/src/local/pipeline';
import { LosingProxy } from './api-proxy';
import { type ConservationReport, type DeadLetter, type Observations, checkConservation, scopeTo } from './conservation';
import { type FaultRule, FaultProxy } from './fault-proxy';
import { type PublishOutcome, type PublishedMessage, publishMessages } from './ledger';
import { InvocationObserver } from './observer';
import { drainDeadLetters, pipelineTables, scanTable } from './read-outcome';

export const CRASH_HOOK = join(__dirname, 'runtime', 'crash-hook.cjs');
/** The sample app's partner, whose API key publishes (lib/event-pipeline-stack.ts). */
export const SAMPLE_PARTNER = 'vendor-acme';

export interface ApiPath {
  readonly proxy: LosingProxy;
  /** The stage URL through the proxy, without a trailing slash. */
  readonly stageUrl: string;
  readonly apiKey: string;
}

export interface HarnessOptions {
  /** Project root: cdk.json, bin/app.ts, node_modules and assets/. */
  readonly projectDir: string;
  /** A cloud assembly to run as it is. @default the app, synthesized into a temporary directory */
  readonly cdkOut?: string;
  /** @default 0.01 */
  readonly timeScale?: number;
  /** Concurrent batches per event source mapping. @default 4 */
  readonly concurrency?: number;
  /** Seeds the fault schedule. @default 1 */
  readonly seed?: number;
  /** dynalite keeps its tables on disk, so it can be restarted. @default false */
  readonly dynamodbOnDisk?: boolean;
  /** Keep every invocation (which records, which failed). @default false */
  readonly keepInvocations?: boolean;
}

export class Harness {
  /** Everything published so far, in the order SNS accepted it. */
  public readonly published: PublishedMessage[] = [];
  public readonly publishFailures: PublishOutcome['failed'] = [];
  /** Everything drained from the dead-letter queues so far. */
  public readonly deadLetters: DeadLetter[] = [];
  private api?: Promise<ApiPath>;

  private constructor(
    public readonly pipeline: LocalPipeline,
    public readonly proxy: FaultProxy,
    public readonly observer: InvocationObserver,
    public readonly topicArn: string,
    private readonly workDir: string,
    private readonly seed: number,
  ) {}

  static async start(options: HarnessOptions): Promise<Harness> {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const workDir = mkdtempSync(join(tmpdir(), 'reliability-'));
    let proxy: FaultProxy | undefined;
    try {
      const cdkOut = options.cdkOut ?? join(workDir, 'cdk.out');
      if (!options.cdkOut) await synthesize(options.projectDir, cdkOut);
      const pipeline = await LocalPipeline.start({
        projectDir: options.projectDir,
        cdkOut,
        synth: false,
        timeScale: options.timeScale ?? 0.01,
        concurrency: options.concurrency,
        logDir: join(workDir, 'logs'),
        dynamodbPath: options.dynamodbOnDisk ? join(workDir, 'dynamodb') : undefined,
        functionDynamodbEndpoint: async (target) => {
          proxy = await FaultProxy.start({ target, seed: options.seed ?? 1 });
          return proxy.endpoint;
        },
        functionPreload: [CRASH_HOOK],
      });
      const topic = pipeline.plan.topics.find((t) => pipeline.plan.subscriptions.some((s) => s.topic === t.logicalId));
      if (!topic?.fifo) {
        await pipeline.stop();
        throw new Error('the stack has no FIFO topic with an SQS subscription');
      }
      return new Harness(pipeline, proxy!, new InvocationObserver(pipeline, options.keepInvocations), topic.arn, workDir, options.seed ?? 1);
    } catch (error) {
      await proxy?.stop();
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The sample partner's way in: the stage URL of the local Events API behind a proxy that can
   * lose answers, and its API key. Started on first use, stopped with the harness.
   */
  apiPath(): Promise<ApiPath> {
    this.api ??= (async () => {
      const api = this.pipeline.apis[0];
      if (!api) throw new Error('the stack has no REST API');
      const key = api.apiKeys.find((k) => k.enabled && k.name.endsWith(SAMPLE_PARTNER));
      if (!key) throw new Error(`the REST API has no key of ${SAMPLE_PARTNER}`);
      const proxy = await LosingProxy.start(api.url, this.seed);
      const stage = api.stages[0];
      return { proxy, stageUrl: `${proxy.origin}/${encodeURIComponent(stage.name)}`, apiKey: key.value };
    })();
    return this.api;
  }

  /** Keeps messages published another way than `publish` (through the Events API), once accepted. */
  record(messages: readonly PublishedMessage[]): void {
    this.published.push(...messages);
  }

  /** Publishes, and keeps what SNS accepted. */
  async publish(messages: readonly PublishedMessage[]): Promise<PublishOutcome> {
    const outcome = await publishMessages(this.pipeline.clients.sns, this.topicArn, messages);
    this.published.push(...outcome.published);
    this.publishFailures.push(...outcome.failed);
    return outcome;
  }

  /**
   * Publishes with these fault rules on, waits until the queues are drained, then turns the faults
   * off (also when it throws). Returns what SNS accepted.
   */
  async publishUnderFaults(rules: readonly FaultRule[], messages: readonly PublishedMessage[]): Promise<PublishedMessage[]> {
    this.proxy.setRules(rules);
    try {
      const out = await this.publish(messages);
      await this.drain();
      return out.published;
    } finally {
      this.proxy.setRules([]);
    }
  }

  /** Waits until every queue is drained; throws after timeoutMs. */
  async drain(timeoutMs = 120_000): Promise<void> {
    if (!(await this.pipeline.waitForDrain(timeoutMs))) {
      throw new Error(`the queues did not drain within ${timeoutMs / 1000} s`);
    }
  }

  /** Scans the tables, drains the dead-letter queues and gathers what the proxy and observer saw. */
  async observe(): Promise<Observations> {
    const tables = pipelineTables(this.pipeline);
    const [events, states] = await Promise.all([scanTable(this.pipeline, tables.events), scanTable(this.pipeline, tables.state)]);
    this.deadLetters.push(...(await drainDeadLetters(this.pipeline)));
    return {
      events,
      states,
      deadLetters: this.deadLetters,
      acknowledged: this.observer.acknowledged,
      writes: this.proxy.writes,
    };
  }

  /** The conservation check, over everything or over the subjects and messages of `published`. */
  async check(published?: readonly PublishedMessage[]): Promise<ConservationReport> {
    const seen = await this.observe();
    return published ? checkConservation(published, scopeTo(seen, published)) : checkConservation(this.published, seen);
  }

  async stop(): Promise<void> {
    const api = await this.api?.catch(() => undefined);
    await api?.proxy.stop();
    await this.pipeline.stop();
    await this.proxy.stop();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
