import type { BatchWriteCommandInput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { cloudEvent, sqsEvent, sqsRecord } from './fixtures';

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;
type Stub = AwsClientStub<DynamoDBDocumentClient>;
type Item = Record<string, unknown>;

const ENV = { ...process.env };

afterEach(() => {
  process.env = { ...ENV };
});

/** Loads lambda/event-log as Lambda would, with `env` set, and its DynamoDB client mocked. */
function loadHandler(env: Record<string, string>): { handler: Handler; ddb: Stub } {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT', ...env });
  let loaded: { handler: Handler; ddb: Stub } | undefined;
  jest.isolateModules(() => {
    // Loaded inside the isolated registry, as Lambda loads the module: a fresh client and env each time.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');
    const ddb: Stub = mockClient(DynamoDBDocumentClient);
    ddb.resolves({});
    loaded = { handler: require('../../lambda/event-log').handler, ddb };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return loaded!;
}

/** The item of the first PutRequest of the first call, to the given table. */
function firstItem(ddb: Stub, tableName: string): Item {
  const input = ddb.calls()[0].args[0].input as BatchWriteCommandInput;
  return input.RequestItems?.[tableName]?.[0]?.PutRequest?.Item ?? {};
}

function secondsOf(isoTime: unknown): number {
  return Math.floor(Date.parse(String(isoTime)) / 1000);
}

describe('event log entry point', () => {
  test('sets expiresAt EVENT_RETENTION_DAYS days after receipt, in the TABLE_NAME table', async () => {
    // GIVEN
    const { handler, ddb } = loadHandler({ TABLE_NAME: 'events-table', EVENT_RETENTION_DAYS: '7' });
    const before = Math.floor(Date.now() / 1000);

    // WHEN
    await handler(sqsEvent(sqsRecord(cloudEvent(), 'msg-1')));

    // THEN
    const item = firstItem(ddb, 'events-table');
    expect(secondsOf(item.receivedAt)).toBeGreaterThanOrEqual(before);
    expect(item.expiresAt).toBe(secondsOf(item.receivedAt) + 7 * 86_400);
  });

  test('keeps events 30 days when EVENT_RETENTION_DAYS is not set', async () => {
    // GIVEN
    delete process.env.EVENT_RETENTION_DAYS;
    const { handler, ddb } = loadHandler({ TABLE_NAME: 'events-table' });

    // WHEN
    await handler(sqsEvent(sqsRecord(cloudEvent(), 'msg-1')));

    // THEN
    const item = firstItem(ddb, 'events-table');
    expect(item.expiresAt).toBe(secondsOf(item.receivedAt) + 30 * 86_400);
  });

  test('refuses to start without TABLE_NAME', () => {
    // GIVEN
    delete process.env.TABLE_NAME;

    // WHEN / THEN
    expect(() => loadHandler({})).toThrow(/TABLE_NAME must be set/);
  });

  test('refuses to start with an invalid EVENT_RETENTION_DAYS', () => {
    // WHEN / THEN
    expect(() => loadHandler({ TABLE_NAME: 'events-table', EVENT_RETENTION_DAYS: '0' })).toThrow(
      /EVENT_RETENTION_DAYS must be a whole number >= 1 \(got "0"\)/,
    );
  });
});
