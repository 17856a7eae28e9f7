/**
 * Benchmark: the local replay rate. A pipeline whose topic archives, with a third consumer added
 * with addConsumer (the event log's handler on a table of its own) and not subscribed while N
 * events are published, as a consumer deployed later; then `replay --since --consumer audit
 * --local` backfills it. Reports events/s: archived events over the time from the replay's start
 * to the added consumer's queue drained (every event stored), and to ReplayStatus Completed (every
 * message in the queue).
 *
 *   npx tsx bench/bench-replay.ts [--events 10000] [--subjects 1000]
 *
 * Not part of the published CLI: it starts the local run (local/) and synthesizes a stack in-process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ListSubscriptionsByTopicCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { DefaultConsumers, EventPipeline, EventTable } from '../lib';
import type { ArchiveReplaySummary } from '../packages/tools/src/cli/archive-replay';
import { main } from '../packages/tools/src/cli/index';
import { runDemo } from '../packages/tools/src/local/demo-run';
import { exportedVariables } from '../packages/tools/src/local/exports';
import { LocalPipeline } from '../packages/tools/src/local/pipeline';
import { generateScenario } from '../packages/tools/src/local/scenario';

export interface ReplayBench {
  readonly events: number;
  readonly completedSeconds: number;
  readonly drainedSeconds: number;
  readonly eventsPerSecond: number;
}

export async function benchReplay(events: number, subjects: number): Promise<ReplayBench> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const app = new App({ outdir: join(dir, 'cdk.out') });
  const stack = new Stack(app, 'Backfill');
  const pipeline = new EventPipeline(stack, 'Pipeline', { messageRetentionPeriodInDays: 1, removalPolicy: RemovalPolicy.DESTROY });
  const audit = new EventTable(stack, 'Audit', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, removalPolicy: RemovalPolicy.DESTROY });
  pipeline.addConsumer('Audit', { code: DefaultConsumers.eventLog(), table: audit.table, tableActions: ['dynamodb:BatchWriteItem'], environment: { EVENT_RETENTION_DAYS: '30' } });
  app.synth();
  const local = await LocalPipeline.start({ projectDir: join(__dirname, '..'), cdkOut: join(dir, 'cdk.out'), synth: false, timeScale: 0.01, logDir: join(dir, 'logs') });
  try {
    const sns = local.clients.sns;
    const topicArn = local.plan.topics[0].arn;
    const plan = local.plan.subscriptions.find((s) => /Audit/.test(s.queue))!;
    const queue = local.plan.queues.find((q) => q.logicalId === plan.queue)!;
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: Subscriptions.find((s) => s.Endpoint === queue.arn)!.SubscriptionArn }));
    const since = new Date(Date.now() - 1).toISOString();
    const scenario = generateScenario({ events, subjects, seed: 1, malformedRate: 0 });
    await runDemo(local, scenario, { drainTimeoutMs: 600_000 });
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: plan.attributes }));
    mkdirSync(join(dir, '.local'));
    const endpoints = join(dir, '.local', 'endpoints.json');
    writeFileSync(endpoints, JSON.stringify(exportedVariables(local.plan, local.emulators)));
    let stdout = '';
    const started = Date.now();
    const code = await main(['replay', '--since', since, '--consumer', 'audit', '--local', '--endpoints', endpoints, '--json'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      stdin: process.stdin,
      env: process.env,
      cwd: dir,
    });
    const completedSeconds = (Date.now() - started) / 1000;
    if (code !== 0 || (JSON.parse(stdout) as ArchiveReplaySummary).replay.status !== 'Completed') throw new Error(`replay failed: ${stdout}`);
    if (!(await local.waitForDrain(600_000))) throw new Error('the added consumer did not drain');
    const drainedSeconds = (Date.now() - started) / 1000;
    return { events: scenario.events.length, completedSeconds, drainedSeconds, eventsPerSecond: Math.round(scenario.events.length / drainedSeconds) };
  } finally {
    await local.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { events: { type: 'string' }, subjects: { type: 'string' } } });
  benchReplay(Number(values.events ?? 10_000), Number(values.subjects ?? 1_000))
    .then((r) => {
      console.log(
        `Replayed ${r.events} events into the added consumer: ReplayStatus Completed after ${r.completedSeconds.toFixed(2)} s, ` +
          `its queue drained (every event stored) after ${r.drainedSeconds.toFixed(2)} s: ${r.eventsPerSecond} events/s.`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
