/**
 * Figure 7: publishing through the Events API of the local run (the sample app's REST API,
 * `pipeline.apis[0]`, `POST /events` with the `vendor-acme` API key), one event per request and
 * batches of 10, against the SDK publishing the same events to the topic (SNS PublishBatch, 10 per
 * call, and Publish, one per call), in the same run, on the same pipeline, taking turns.
 *
 * Each block publishes one variant's copy of the same events (the same bodies, each id given the
 * same number of extra characters) from a fixed number of concurrent clients, each sending its next
 * request when its last one is answered; then the bench waits until the queues are drained, so that
 * no block's events are processed during another's. Latency is from sending a request to reading
 * its whole answer, at the client.
 *
 * The sample partner's usage plan allows 50 requests/s (burst 100) and the stage 100/s (burst 200),
 * on AWS as in the local run: the bench raises those limits in its copy of the template, so that it
 * measures the path through the API and not the throttle. Nothing else in the template changes.
 */
import * as fs from 'fs';
import { Agent } from 'http';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { PublishBatchCommand, PublishCommand, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { BATCH_CONTENT_TYPE, SINGLE_CONTENT_TYPE } from '../packages/publisher/src';
import { synthesize } from '../packages/tools/src/local/cloud-assembly';
import { LocalPipeline } from '../packages/tools/src/local/pipeline';
import { type CloudEvent, generateScenario } from '../packages/tools/src/local/scenario';
import { postEvents } from '../reliability/api-client';
import { SAMPLE_PARTNER } from '../reliability/harness';
import { pipelineTables, scanTable } from '../reliability/read-outcome';
import { percentile, spread } from './stats';

const ROOT = path.join(__dirname, '..');
const BATCH = 10;
/** Limits the bench sets in its copy of the template, far above what two cores can send. */
const LIFTED = 1_000_000;

export type PublishVariantId = 'api-single' | 'api-batch' | 'sdk-batch' | 'sdk-single';

export const PUBLISH_VARIANTS: readonly { id: PublishVariantId; label: string; eventsPerRequest: number }[] = [
  { id: 'api-single', label: 'Events API, one event per request (POST /events, SNS Publish behind it)', eventsPerRequest: 1 },
  { id: 'api-batch', label: 'Events API, batches of 10 (POST /events, SNS PublishBatch behind it)', eventsPerRequest: BATCH },
  { id: 'sdk-batch', label: 'SDK, SNS PublishBatch, 10 per call', eventsPerRequest: BATCH },
  { id: 'sdk-single', label: 'SDK, SNS Publish, one per call', eventsPerRequest: 1 },
];

export interface PublishBlock {
  readonly round: number;
  readonly requests: number;
  readonly events: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests not answered 202 (API) or with a failed entry or an exception (SDK). */
  readonly failed: number;
}

export interface PublishVariantFigures {
  readonly id: PublishVariantId;
  readonly label: string;
  readonly eventsPerRequest: number;
  /** One block per round, in round order. */
  readonly blocks: readonly PublishBlock[];
}

export interface ApiPublishFigures {
  readonly events: number;
  readonly subjects: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly timeScale: number;
  /** The order the variants took in each round. */
  readonly orders: readonly PublishVariantId[][];
  readonly variants: readonly PublishVariantFigures[];
  /** The limits of the template, before the bench raised them. */
  readonly limits: { readonly plan: string; readonly stage: string };
  /** Every block's queues drained before the next began. */
  readonly drained: boolean;
  /** Distinct events the blocks published, and how many of them the events table holds at the end. */
  readonly published: number;
  readonly stored: number;
  readonly eventBytes: number;
  readonly loadAverage: { readonly start: number; readonly end: number };
}

/** The median, min and max over the blocks of a variant. */
export function blockSpread(v: PublishVariantFigures, pick: (b: PublishBlock) => number) {
  return spread(v.blocks.map(pick));
}

/**
 * Copies a cloud assembly and raises the usage plans' and stages' throttling in its template;
 * returns what the limits were.
 */
export function liftThrottles(from: string, to: string): { plan: string; stage: string } {
  fs.cpSync(from, to, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(to, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, { type?: string; properties?: { templateFile?: string } }> };
  const plans: string[] = [];
  const stages: string[] = [];
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    const file = artifact.type === 'aws:cloudformation:stack' ? artifact.properties?.templateFile : undefined;
    if (!file) continue;
    const templatePath = path.join(to, file);
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    for (const resource of Object.values(template.Resources ?? {})) {
      const p = resource.Properties ?? {};
      if (resource.Type === 'AWS::ApiGateway::UsagePlan' && p.Throttle) {
        const t = p.Throttle as { RateLimit?: number; BurstLimit?: number };
        plans.push(`${t.RateLimit ?? '∞'}/s, burst ${t.BurstLimit ?? '∞'}`);
        p.Throttle = { RateLimit: LIFTED, BurstLimit: LIFTED };
      }
      if (resource.Type === 'AWS::ApiGateway::Stage' && Array.isArray(p.MethodSettings)) {
        for (const m of p.MethodSettings as Record<string, unknown>[]) {
          if (m.ThrottlingRateLimit === undefined && m.ThrottlingBurstLimit === undefined) continue;
          stages.push(`${m.ThrottlingRateLimit ?? '∞'}/s, burst ${m.ThrottlingBurstLimit ?? '∞'}`);
          Object.assign(m, { ThrottlingRateLimit: LIFTED, ThrottlingBurstLimit: LIFTED });
        }
      }
    }
    fs.writeFileSync(templatePath, JSON.stringify(template));
  }
  return { plan: plans.join('; ') || 'none', stage: stages.join('; ') || 'none' };
}

/** This variant's copy of the events: the same bodies, each id with the same number of extra characters. */
function copyOf(events: readonly CloudEvent[], id: PublishVariantId, round: number): CloudEvent[] {
  const tag = `${PUBLISH_VARIANTS.findIndex((v) => v.id === id)}${String(round).padStart(2, '0')}`;
  return events.map((e) => ({ ...e, id: `${e.id}-${tag}` }));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends every request from `concurrency` clients, each waiting for its last answer; returns each request's ms and the failed ones. */
async function closedLoop(requests: readonly (() => Promise<boolean>)[], concurrency: number): Promise<{ latencies: number[]; failed: number; seconds: number }> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < requests.length) {
      const send = requests[next++];
      const t = performance.now();
      const ok = await send().catch(() => false);
      latencies.push(performance.now() - t);
      if (!ok) failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, client));
  return { latencies, failed, seconds: (performance.now() - started) / 1000 };
}

/**
 * Runs the comparison on a pipeline of its own: `rounds` rounds, each publishing `events` events
 * with every variant in turn, the order rotated each round.
 *
 * @param cdkOut an assembly of bin/app.ts already synthesized, to skip synthesis
 */
export async function measureApiPublish(options: { events: number; subjects: number; rounds: number; concurrency?: number; cdkOut?: string }): Promise<ApiPublishFigures> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const concurrency = options.concurrency ?? 4;
  const timeScale = 0.01;
  const loadStart = os.loadavg()[0];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    let source = options.cdkOut;
    if (!source) {
      source = path.join(scratch, 'synth.out');
      await synthesize(ROOT, source);
    }
    const cdkOut = path.join(scratch, 'cdk.out');
    const limits = liftThrottles(source, cdkOut);
    const pipeline = await LocalPipeline.start({ projectDir: ROOT, cdkOut, synth: false, timeScale, logDir: path.join(scratch, 'logs') });
    try {
      const api = pipeline.apis[0];
      if (!api) throw new Error('the sample app has no REST API');
      const key = api.apiKeys.find((k) => k.name.endsWith(SAMPLE_PARTNER));
      if (!key) throw new Error(`the sample app's API has no key for ${SAMPLE_PARTNER}`);
      const url = new URL(`${api.stages[0].url}/events`);
      const topic = pipeline.plan.topics.find((t) => t.fifo && pipeline.plan.subscriptions.some((s) => s.topic === t.logicalId));
      if (!topic) throw new Error('the sample app has no FIFO topic with a subscription');
      const sns = pipeline.clients.sns;
      const { events } = generateScenario({ events: options.events, subjects: options.subjects, seed: 7, duplicateRate: 0, outOfOrderRate: 0, malformedRate: 0 });
      const entry = (e: CloudEvent, i: number): PublishBatchRequestEntry => ({
        Id: String(i),
        Message: JSON.stringify(e),
        MessageGroupId: e.subject,
        MessageDeduplicationId: e.id,
        MessageAttributes: { type: { DataType: 'String', StringValue: e.type } },
      });
            const requestsOf = (id: PublishVariantId, copy: CloudEvent[]): (() => Promise<boolean>)[] => {
        switch (id) {
          case 'api-single':
            return copy.map((e) => async () => (await postEvents(agent, url, SINGLE_CONTENT_TYPE, key.value, JSON.stringify(e))).status === 202);
          case 'api-batch':
            return chunk(copy, BATCH).map((b) => async () => (await postEvents(agent, url, BATCH_CONTENT_TYPE, key.value, JSON.stringify(b))).status === 202);
          case 'sdk-batch':
            return chunk(copy, BATCH).map((b) => async () => {
              const out = await sns.send(new PublishBatchCommand({ TopicArn: topic.arn, PublishBatchRequestEntries: b.map(entry) }));
              return (out.Failed ?? []).length === 0;
            });
          case 'sdk-single':
            return copy.map((e) => async () => {
              const { Id: _id, ...one } = entry(e, 0);
              await sns.send(new PublishCommand({ TopicArn: topic.arn, ...one }));
              return true;
            });
        }
      };
      const blocks = new Map<PublishVariantId, PublishBlock[]>(PUBLISH_VARIANTS.map((v) => [v.id, []]));
      const publishedIds = new Set<string>();
      const orders: PublishVariantId[][] = [];
      let drained = true;
      // A first round, not counted, warms the clients, the connections, the mapping templates and the JIT.
      for (const v of PUBLISH_VARIANTS) {
        await closedLoop(requestsOf(v.id, copyOf(events, v.id, 99)), concurrency);
        drained = (await pipeline.waitForDrain(120_000)) && drained;
      }
      for (let round = 0; round < options.rounds; round++) {
        const order = PUBLISH_VARIANTS.map((_, i) => PUBLISH_VARIANTS[(i + round) % PUBLISH_VARIANTS.length]);
        orders.push(order.map((v) => v.id));
        for (const v of order) {
          const copy = copyOf(events, v.id, round);
          copy.forEach((e) => publishedIds.add(e.id));
          const requests = requestsOf(v.id, copy);
          const run = await closedLoop(requests, concurrency);
          blocks.get(v.id)!.push({
            round,
            requests: requests.length,
            events: copy.length,
            seconds: run.seconds,
            requestsPerSecond: requests.length / run.seconds,
            eventsPerSecond: copy.length / run.seconds,
            p50Ms: percentile(run.latencies, 50),
            p99Ms: percentile(run.latencies, 99),
            failed: run.failed,
          });
          drained = (await pipeline.waitForDrain(120_000)) && drained;
        }
      }
      const stored = (await scanTable(pipeline, pipelineTables(pipeline).events)).filter((item) => publishedIds.has(String(item.id))).length;
      return {
        events: events.length,
        subjects: options.subjects,
        rounds: options.rounds,
        concurrency,
        timeScale,
        orders,
        variants: PUBLISH_VARIANTS.map((v) => ({ ...v, blocks: blocks.get(v.id)! })),
        limits,
        drained,
        published: publishedIds.size,
        stored,
        eventBytes: events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0) / events.length,
        loadAverage: { start: loadStart, end: os.loadavg()[0] },
      };
    } finally {
      await pipeline.stop();
    }
  } finally {
    agent.destroy();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
