/**
 * The operator's walk-through (docs/cli.md) on a real local run: publish a file, watch status
 * drain, inspect a poisoned message in the dead-letter queues, fix it, redrive it and see it land;
 * then replay a subject.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalRun, startLocalRun } from '../../bench/bench-publish';
import type { DeadLetterQueueReport } from '../../packages/tools/src/cli/dlq';
import type { PublishSummary } from '../../packages/tools/src/cli/publish';
import type { RedriveReport } from '../../packages/tools/src/cli/redrive';
import type { ReplaySummary } from '../../packages/tools/src/cli/replay';
import type { StatusReport } from '../../packages/tools/src/cli/status';
import { cli } from './helpers';

let run: LocalRun;
let vars: Record<string, string>;
let target: string[];

beforeAll(async () => {
  // Visibility timeouts of 181 s become 0.9 s: a poisoned message reaches its DLQ in about 5 s.
  run = await startLocalRun({ timeScale: 0.005 });
  vars = JSON.parse(readFileSync(run.endpointsFile, 'utf8')) as Record<string, string>;
  target = ['--local', '--endpoints', run.endpointsFile];
}, 30_000);

afterAll(async () => {
  await run?.stop();
});

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

async function status(): Promise<StatusReport> {
  return json<StatusReport>((await cli(['status', ...target, '--json'], { cwd: run.dir })).stdout);
}

async function until(what: string, check: (report: StatusReport) => boolean, timeoutMs = 20_000): Promise<StatusReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await status();
    if (check(report)) return report;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}: ${JSON.stringify(report.queues)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stateItem(subject: string): Promise<Record<string, unknown> | undefined> {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: vars.AWS_REGION, endpoint: vars.AWS_ENDPOINT_URL_DYNAMODB, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
  );
  return documents
    .send(new GetCommand({ TableName: vars.STATE_TABLE_NAME, Key: { subject }, ConsistentRead: true }))
    .then((out) => out.Item)
    .finally(() => documents.destroy());
}

const dlqDepth = (report: StatusReport, consumer: string) =>
  report.queues.find((q) => q.consumer === consumer && q.role === 'dead-letter queue')?.visible ?? -1;

test('publish, drain, inspect a poisoned message, fix it, redrive it, see it land, replay', async () => {
  // GIVEN a file of 60 events of 6 parcels, with one invalid line
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ source: 'urn:e2e', type: 'parcel.scanned', subject: `parcel-${i % 6}`, sequence: Math.floor(i / 6) + 1, data: { i } }),
  );
  lines.splice(10, 0, JSON.stringify({ source: 'urn:e2e', type: 'parcel.scanned', subject: 'parcel-0', sequence: 'eleventh' }));
  writeFileSync(join(run.dir, 'events.ndjson'), `${lines.join('\n')}\n`);

  // WHEN the file is published
  const published = await cli(['publish', 'events.ndjson', ...target, '--json'], { cwd: run.dir });

  // THEN every valid event goes; the invalid line is reported by number and field
  expect(published.code).toBe(1);
  const summary = json<PublishSummary>(published.stdout);
  expect(summary).toMatchObject({ total: 61, published: 60, invalid: 1, failed: 0 });
  expect(summary.problems).toEqual([
    expect.objectContaining({ line: 11, field: 'sequence', message: 'sequence: must be a whole number >= 0 or a string of digits (got "eleventh")' }),
  ]);

  // AND a producer that skips validation publishes a poisoned event
  const sns = new SNSClient({ region: vars.AWS_REGION, endpoint: vars.AWS_ENDPOINT_URL_SNS, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  const poisoned = { specversion: '1.0', id: 'poison-1', source: 'urn:e2e', type: 'parcel.scanned', subject: 'parcel-poisoned', sequence: 'third' };
  await sns.send(
    new PublishCommand({
      TopicArn: vars.TOPIC_ARN,
      Message: JSON.stringify(poisoned),
      MessageGroupId: poisoned.subject,
      MessageDeduplicationId: poisoned.id,
      MessageAttributes: { type: { DataType: 'String', StringValue: poisoned.type } },
    }),
  );
  sns.destroy();

  // WHEN status is watched until the queues drain
  const watched = await cli(['status', ...target, '--watch', '--interval', '1', '--until-drained', '--json'], { cwd: run.dir });

  // THEN the tables hold the events and the poisoned message is in both dead-letter queues
  const drained = json<StatusReport>(watched.stdout.trim().split('\n').pop()!);
  expect(drained.queues.filter((q) => q.role === 'queue').map((q) => q.visible + q.inFlight)).toEqual([0, 0]);
  const settled = await until('the poisoned message is in both DLQs', (r) => dlqDepth(r, 'event-log') === 1 && dlqDepth(r, 'state-projector') === 1);
  expect(settled.tables).toEqual([
    expect.objectContaining({ role: 'events', items: 60 }),
    expect.objectContaining({ role: 'state', items: 6 }),
  ]);

  // WHEN the dead-letter queues are inspected, saving the bodies
  const inspected = await cli(['dlq', 'inspect', ...target, '--save', 'fixes', '--json'], { cwd: run.dir });

  // THEN the poisoned message is shown with the field at fault, and is still there afterwards
  const queues = json<{ queues: DeadLetterQueueReport[] }>(inspected.stdout).queues;
  for (const queue of queues) {
    expect(queue.messages).toEqual([
      expect.objectContaining({
        eventId: 'poison-1',
        reason: 'sequence: must be a whole number >= 0 or a string of digits (got "third")',
        // read from the failure.reason attribute the handler attached, not from re-validating the body
        reasonSource: 'message attribute',
        receiveCount: expect.any(Number),
      }),
    ]);
  }
  const after = await status();
  expect([dlqDepth(after, 'event-log'), dlqDepth(after, 'state-projector')]).toEqual([1, 1]);

  // WHEN the saved bodies are fixed and both queues redriven with them
  for (const file of readdirSync(join(run.dir, 'fixes'))) {
    const path = join(run.dir, 'fixes', file);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"third"', '3'));
  }
  for (const queue of ['state-projector', 'event-log']) {
    const redriven = await cli(['redrive', '--queue', queue, '--edits', 'fixes', ...target, '--json'], { cwd: run.dir });
    expect(redriven.code).toBe(0);
    expect(json<RedriveReport>(redriven.stdout)).toMatchObject({ method: 'copy', moved: 1, edited: 1, leftInDeadLetterQueue: 0 });
  }

  // THEN the fixed event lands in both tables and the DLQs stay empty
  const items = (r: StatusReport) => r.tables.map((t) => `${t.role} ${t.items}`).join(', ');
  const landed = await until('both consumers processed the fixed event', (r) => items(r) === 'events 61, state 7');
  expect([dlqDepth(landed, 'event-log'), dlqDepth(landed, 'state-projector')]).toEqual([0, 0]);
  expect(await stateItem('parcel-poisoned')).toMatchObject({ sequence: 3, eventId: 'poison-1' });

  // WHEN a parcel is replayed with its state reset
  const before = await stateItem('parcel-0');
  const replayed = await cli(['replay', '--subject', 'parcel-0', '--reset-state', ...target, '--json'], { cwd: run.dir });

  // THEN its 10 events go again under replay dedup ids (not dropped) and its state is rebuilt
  expect(replayed.code).toBe(0);
  expect(json<ReplaySummary>(replayed.stdout)).toMatchObject({ events: 10, sequences: [1, 10], published: 10, resetState: { deletedSequence: 10 } });
  await until('the replay is processed', (r) => r.queues.every((q) => q.role !== 'queue' || q.visible + q.inFlight === 0));
  const rebuilt = await stateItem('parcel-0');
  expect(rebuilt).toMatchObject({ sequence: 10, eventId: before?.eventId });
  expect(String(rebuilt?.updatedAt) > String(before?.updatedAt)).toBe(true);
  expect((await status()).tables.find((t) => t.role === 'events')?.items).toBe(61);
}, 60_000);
