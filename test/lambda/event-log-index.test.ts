import type { SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { BatchWriteCommandInput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { cloudEvent, sqsEvent, sqsRecord } from './fixtures';

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;
type Stub = AwsClientStub<DynamoDBDocumentClient>;
type SqsStub = AwsClientStub<SQSClient>;
type Item = Record<string, unknown>;

const ENV = { ...process.env };

afterEach(() => {
  process.env = { ...ENV };
});

/** Loads lambda/event-log as Lambda would, with `env` set, and its DynamoDB and SQS clients mocked. */
function loadHandler(env: Record<string, string>): { handler: Handler; ddb: Stub; sqs: SqsStub } {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', ...env });
  let loaded: { handler: Handler; ddb: Stub; sqs: SqsStub } | undefined;
  jest.isolateModules(() => {
    // Loaded inside the isolated registry, as Lambda loads the module: a fresh client and env each time.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');
    const { SendMessageBatchCommand, SQSClient } = require('@aws-sdk/client-sqs');
    const ddb: Stub = mockClient(DynamoDBDocumentClient);
    ddb.resolves({});
    const sqs: SqsStub = mockClient(SQSClient);
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}`, MD5OfMessageBody: '' })),
    }));
    loaded = { handler: require('../../lambda/event-log').handler, ddb, sqs };
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

  test('sends a malformed record to DEAD_LETTER_QUEUE_URL, naming the function', async () => {
    // GIVEN
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/events-dlq';
    const { handler, sqs } = loadHandler({ TABLE_NAME: 'events-table', DEAD_LETTER_QUEUE_URL: queueUrl, AWS_LAMBDA_FUNCTION_NAME: 'EventLog' });

    // WHEN
    const response = await handler(sqsEvent(sqsRecord('not json', 'msg-1')));

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.calls()[0].args[0].input).toMatchObject({
      QueueUrl: queueUrl,
      Entries: [{ MessageBody: 'not json', MessageAttributes: { 'failure.function': { DataType: 'String', StringValue: 'EventLog' } } }],
    });
  });

  test('without DEAD_LETTER_QUEUE_URL, reports a malformed record as a batch item failure', async () => {
    // GIVEN
    delete process.env.DEAD_LETTER_QUEUE_URL;
    const { handler, sqs } = loadHandler({ TABLE_NAME: 'events-table' });

    // WHEN
    const response = await handler(sqsEvent(sqsRecord('not json', 'msg-1')));

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    expect(sqs.calls()).toHaveLength(0);
  });
});
