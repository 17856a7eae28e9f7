/**
 * A replay of the topic's archive on the local run, through `event-pipeline replay --since --local`:
 * a consumer added with addConsumer, whose subscription did not exist while the events were
 * published (as on a stack deployed later), is backfilled; a replay into the built-in consumers
 * changes nothing; and the handlers count the replayed records in their EMF log lines.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubscribeCommand, UnsubscribeCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { DefaultConsumers, EventPipeline, EventTable } from '../../lib';
import type { ArchiveReplaySummary } from '../../packages/tools/src/cli/archive-replay';
import { runDemo } from '../../packages/tools/src/local/demo-run';
import { exportedVariables } from '../../packages/tools/src/local/exports';
import { LocalPipeline } from '../../packages/tools/src/local/pipeline';
import { generateScenario } from '../../packages/tools/src/local/scenario';
import type { TablePlan } from '../../packages/tools/src/local/template';
import { scanTable } from '../../reliability/read-outcome';
import { cli } from '../cli/helpers';

const PROJECT_DIR = join(__dirname, '..', '..');

jest.setTimeout(180_000);

let dir: string;
let pipeline: LocalPipeline;
let target: string[];
let runStart: string;
const scenario = generateScenario({ events: 300, subjects: 12, seed: 11, malformedRate: 0 });

const table = (match: RegExp): TablePlan => pipeline.plan.tables.find((t) => match.test(t.logicalId))!;
type Item = Record<string, unknown>;
const byId = (items: Item[], key: string): Record<string, Item> =>
  Object.fromEntries(items.map((item): [string, Item] => [String(item[key]), item]).sort(([a], [b]) => a.localeCompare(b)));
const without = (item: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(item).filter(([k]) => !keys.includes(k)));

/** The EventsReplayed counts the function printed in its EMF lines, summed. */
function replayedCounted(functionMatch: RegExp): number {
  const fn = pipeline.plan.functions.find((f) => functionMatch.test(f.logicalId))!;
  let sum = 0;
  for (const line of readFileSync(join(dir, 'logs', `${fn.logicalId}.log`), 'utf8').split('\n')) {
    if (!line.includes('"_aws"')) continue;
    const doc = JSON.parse(line.slice(line.indexOf('{'))) as { EventsReplayed?: number };
    sum += doc.EventsReplayed ?? 0;
  }
  return sum;
}

async function replay(consumer: string, ...more: string[]): Promise<ArchiveReplaySummary> {
  const run = await cli(['replay', '--since', runStart, '--consumer', consumer, ...target, ...more, '--json'], { cwd: dir });
  expect({ code: run.code, stderr: run.stderr.split('\n').filter((l) => !l.startsWith('Replay into') && !l.startsWith('Resume into')).join('\n') }).toEqual({ code: 0, stderr: '' });
  expect(await pipeline.waitForDrain(60_000)).toBe(true);
  return JSON.parse(run.stdout) as ArchiveReplaySummary;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'archive-replay-'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // GIVEN a pipeline whose topic archives, and a third consumer added with addConsumer: the event
  // log's handler writing a table of its own.
  const app = new App({ outdir: join(dir, 'cdk.out') });
  const stack = new Stack(app, 'Backfill');
  const p = new EventPipeline(stack, 'Pipeline', { messageRetentionPeriodInDays: 1, removalPolicy: RemovalPolicy.DESTROY });
  const audit = new EventTable(stack, 'Audit', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, removalPolicy: RemovalPolicy.DESTROY });
  p.addConsumer('Audit', { code: DefaultConsumers.eventLog(), table: audit.table, tableActions: ['dynamodb:BatchWriteItem'], environment: { EVENT_RETENTION_DAYS: '30' } });
  app.synth();
  pipeline = await LocalPipeline.start({ projectDir: PROJECT_DIR, cdkOut: join(dir, 'cdk.out'), synth: false, timeScale: 0.01, logDir: join(dir, 'logs') });
  mkdirSync(join(dir, '.local'));
  writeFileSync(join(dir, '.local', 'endpoints.json'), JSON.stringify(exportedVariables(pipeline.plan, pipeline.emulators)));
  target = ['--local', '--endpoints', join(dir, '.local', 'endpoints.json')];
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a consumer subscribed after the events were published is backfilled by a replay of the window; a replay into the others changes nothing; the handlers count the replayed records', async () => {
  const sns = pipeline.clients.sns;
  const topicArn = pipeline.plan.topics[0].arn;
  const auditPlan = pipeline.plan.subscriptions.find((s) => /Audit/.test(s.queue))!;
  const auditQueue = pipeline.plan.queues.find((q) => q.logicalId === auditPlan.queue)!;
  const subscriptionOf = async (queueArn: string) =>
    (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions!.find((s) => s.Endpoint === queueArn)!.SubscriptionArn!;
  // The audit consumer is not subscribed while the events are published: it is deployed later.
  await sns.send(new UnsubscribeCommand({ SubscriptionArn: await subscriptionOf(auditQueue.arn) }));
  runStart = new Date(Date.now() - 1).toISOString();
  const summary = await runDemo(pipeline, scenario, { drainTimeoutMs: 90_000 });
  expect(summary.drained).toBe(true);
  const [eventsTable, stateTable, auditTable] = [table(/^PipelineEventsTable/), table(/^PipelineStateTable/), table(/^Audit/)];
  const events = byId(await scanTable(pipeline, eventsTable), 'id');
  const states = byId(await scanTable(pipeline, stateTable), 'subject');
  expect(Object.keys(events)).toHaveLength(scenario.events.length);
  expect(await scanTable(pipeline, auditTable)).toEqual([]);
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: auditQueue.arn, Attributes: auditPlan.attributes, ReturnSubscriptionArn: true }));

  // WHEN the run's window is replayed into the added consumer (named by its suffix, `audit`)
  const backfill = await replay('audit');

  // THEN its table holds every event once, as the event log does
  expect(backfill).toMatchObject({ consumer: 'pipeline-audit', replay: { status: 'Completed' }, paused: false });
  const audited = byId(await scanTable(pipeline, auditTable), 'id');
  expect(Object.keys(audited)).toEqual(Object.keys(events));
  for (const [id, item] of Object.entries(audited)) expect(without(item, 'receivedAt', 'expiresAt')).toEqual(without(events[id], 'receivedAt', 'expiresAt'));
  expect(replayedCounted(/^PipelineAuditFunction/)).toBe(scenario.events.length);

  // WHEN the window is replayed into the event log
  await replay('event-log');
  // THEN nothing is stored twice and every item keeps its content (a rewrite renews receivedAt and expiresAt only)
  const eventsAfter = byId(await scanTable(pipeline, eventsTable), 'id');
  expect(Object.keys(eventsAfter)).toEqual(Object.keys(events));
  for (const [id, item] of Object.entries(eventsAfter)) expect(without(item, 'receivedAt', 'expiresAt')).toEqual(without(events[id], 'receivedAt', 'expiresAt'));
  expect(replayedCounted(/^PipelineEventLogFunction/)).toBe(scenario.events.length);

  // WHEN one subject's state is reset, then the window up to now is replayed into the state projector,
  // with an ending point (the subscription pauses at the end, and the CLI resumes it)
  const reset = Object.keys(states)[0];
  const documents = DynamoDBDocumentClient.from(pipeline.clients.dynamodb);
  await documents.send(new DeleteCommand({ TableName: stateTable.name, Key: { subject: reset } }));
  const projected = await replay('state-projector', '--until', new Date().toISOString());

  // THEN every other state is unchanged, and the reset one is rebuilt to the same state
  expect(projected).toMatchObject({ replay: { status: 'Completed' }, resume: { status: 'Completed' }, paused: false });
  const statesAfter = byId(await scanTable(pipeline, stateTable), 'subject');
  expect(Object.keys(statesAfter)).toEqual(Object.keys(states));
  for (const [subject, item] of Object.entries(statesAfter)) {
    if (subject === reset) expect(without(item, 'updatedAt')).toEqual(without(states[subject], 'updatedAt'));
    else expect(item).toEqual(states[subject]);
  }
  // The resume replays from the ending point on: nothing was published since, so the count is the window's.
  expect(replayedCounted(/^PipelineStateProjectorFunction/)).toBe(scenario.events.length);
  // And the subscription delivers live again: the event log's table is still complete, and no queue holds anything.
  expect(await pipeline.isDrained()).toBe(true);
});
