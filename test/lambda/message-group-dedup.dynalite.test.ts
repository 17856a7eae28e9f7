/**
 * With the topic's FIFO throughput scope set to MESSAGE_GROUP (high throughput), SNS deduplicates
 * within a message group only: the same event published again under another MessageGroupId (a
 * producer whose groups are not its subjects, or that changed its grouping between a try and its
 * retry) is delivered again, to both queues. What then holds, on dynalite: the events table, keyed
 * by the event's id, keeps one item, and the state projector's sequence guard applies the event once.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createEventLogHandler, type EventLogHandler } from '../../lambda/event-log/handler';
import { createStateProjectorHandler, type StateProjectorHandler } from '../../lambda/state-projector/handler';
import { NOW, cloudEvent, instantRetries, quietLogger, sqsEvent, sqsRecord } from './fixtures';

const EVENTS = 'events';
const STATE = 'state';
let server: Server;
let client: DynamoDBDocumentClient;
let eventLog: EventLogHandler;
let stateProjector: StateProjectorHandler;
let projectorLogger: ReturnType<typeof quietLogger>;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // GIVEN dynalite with the events table (keyed by id) and the state table (keyed by subject)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const raw = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const [TableName, key] of [
    [EVENTS, 'id'],
    [STATE, 'subject'],
  ] as const) {
    await raw.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  eventLog = createEventLogHandler({ client, tableName: EVENTS, retentionDays: 30, logger: quietLogger(), retryPolicy: instantRetries(), now: () => NOW });
  projectorLogger = quietLogger();
  stateProjector = createStateProjectorHandler({ client, tableName: STATE, logger: projectorLogger, now: () => NOW });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

/** The counts of the state projector's last 'Batch processed' line. */
async function projectBatch(...records: Parameters<typeof sqsEvent>): Promise<{ applied: number; stale: number; failures: unknown[] }> {
  const info = jest.spyOn(projectorLogger, 'info');
  try {
    const out = await stateProjector(sqsEvent(...records));
    const summary = info.mock.calls.filter(([message]) => message === 'Batch processed').pop()?.[1] as { applied: number; stale: number };
    return { applied: summary.applied, stale: summary.stale, failures: out.batchItemFailures };
  } finally {
    info.mockRestore();
  }
}

const scanIds = async (id: string) =>
  ((await client.send(new ScanCommand({ TableName: EVENTS }))).Items ?? []).filter((item) => item.id === id);

describe('the same event delivered twice, in two message groups (not deduplicated at the topic)', () => {
  const event = cloudEvent({ id: 'evt-retried', subject: 'parcel-7', sequence: 3 });

  test('the event log stores it once, under its id', async () => {
    // WHEN the first try and the retry arrive in separate batches, as two messages of the standard queue
    for (const messageId of ['try', 'retry']) {
      const out = await eventLog(sqsEvent(sqsRecord(event, `log-${messageId}`)));
      expect(out.batchItemFailures).toEqual([]);
    }

    // THEN one item
    const items = await scanIds('evt-retried');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: 'evt-retried', subject: 'parcel-7', sequence: 3 });
  });

  test('the state projector applies it once: the sequence guard refuses the retry', async () => {
    // WHEN the first try arrives in group vendor-a, then the retry in group vendor-b
    const first = await projectBatch(sqsRecord(event, 'state-try', 'vendor-a'));
    const retry = await projectBatch(sqsRecord(event, 'state-retry', 'vendor-b'));

    // THEN the first is applied, the retry skipped as a duplicate, and neither fails
    expect(first).toEqual({ applied: 1, stale: 0, failures: [] });
    expect(retry).toEqual({ applied: 0, stale: 1, failures: [] });
    const { Item } = await client.send(new GetCommand({ TableName: STATE, Key: { subject: 'parcel-7' } }));
    expect(Item).toMatchObject({ subject: 'parcel-7', sequence: 3, eventId: 'evt-retried' });
  });

  test('in one batch too: one of the two is applied, the other skipped', async () => {
    // GIVEN another subject, so that nothing is stored for it yet
    const twice = cloudEvent({ id: 'evt-twice', subject: 'parcel-8', sequence: 1 });

    // WHEN both copies come in one FIFO batch, each in its own group
    const out = await projectBatch(sqsRecord(twice, 'a', 'vendor-a'), sqsRecord(twice, 'b', 'vendor-b'));

    // THEN
    expect(out).toEqual({ applied: 1, stale: 1, failures: [] });
  });

  test('a newer event of the subject is still applied after the retry', async () => {
    const next = cloudEvent({ id: 'evt-next', subject: 'parcel-7', sequence: 4 });
    expect(await projectBatch(sqsRecord(next, 'state-next', 'vendor-b'))).toEqual({ applied: 1, stale: 0, failures: [] });
  });
});
