import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createEventLogHandler } from '../../lambda/event-log/handler';
import { METRIC_NAMES, countReplayed, createMetrics } from '../../lambda/shared/metrics';
import { createStateProjectorHandler } from '../../lambda/state-projector/handler';
import { HandlerMetric } from '../../lib/handler-metric';
import {
  NOW,
  captureStdout,
  cloudEvent,
  emfMetrics,
  instantRetries,
  quietLogger,
  replayed,
  sqsEvent,
  sqsRecord,
  type EmfDocument,
} from './fixtures';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const sqs = mockClient(SQSClient);
const sqsClient = new SQSClient({ region: 'eu-west-1' });
const ENV = { PIPELINE_NAME: 'Shop/Orders', CONSUMER_NAME: 'EventLog' };

let stdout: ReturnType<typeof captureStdout>;

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}`, MD5OfMessageBody: '' })),
  }));
  stdout = captureStdout();
});

afterEach(() => stdout.restore());

const count = (value: number) => ({ unit: 'Count', value });

/** The one EMF document printed so far; fails when there is none or more than one. */
function onlyDocument(): EmfDocument {
  const documents = stdout.documents();
  expect(documents).toHaveLength(1);
  return documents[0];
}

describe('event log metrics', () => {
  const eventLog = (consumer = 'EventLog') =>
    createEventLogHandler({
      client,
      tableName: 'events',
      retentionDays: 30,
      logger: quietLogger(),
      retryPolicy: instantRetries(4),
      now: () => NOW,
      deadLetter: { client: sqsClient, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/events-dlq', retryPolicy: instantRetries(3) },
      metrics: createMetrics({ ...ENV, CONSUMER_NAME: consumer }, 'event-log'),
    });

  test('one EMF document per invocation counts stored, duplicate, dead-lettered, replayed and retried events', async () => {
    // GIVEN a duplicate (evt-1 twice), a malformed record, a replayed one, and DynamoDB leaving evt-4 unprocessed once
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { events: [{ PutRequest: { Item: { id: 'evt-4' } } }] } })
      .resolves({});
    const event = sqsEvent(
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-1'),
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-2'),
      sqsRecord('not json', 'msg-3'),
      replayed(sqsRecord(cloudEvent({ id: 'evt-4' }), 'msg-4')),
      sqsRecord(cloudEvent({ id: 'evt-5' }), 'msg-5'),
    );

    // WHEN
    const response = await eventLog()(event);

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    const document = onlyDocument();
    expect(document._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'EventPipeline', Dimensions: [['Pipeline', 'Consumer']], Metrics: expect.any(Array) },
    ]);
    expect(document).toMatchObject({ Pipeline: 'Shop/Orders', Consumer: 'EventLog' });
    expect(document).not.toHaveProperty('service');
    expect(emfMetrics(document)).toEqual({
      EventsStored: count(3),
      DuplicatesSkipped: count(1),
      EventsDeadLettered: count(1),
      EventsReplayed: count(1),
      RecordsFailed: count(0),
      BatchWriteRetries: count(1),
      UnprocessedItems: count(1),
    });
  });

  test('counts the records that fail and every retry, and still prints one document for 60 events in 3 calls', async () => {
    // GIVEN evt-7 is never processed: 4 attempts, 3 retries
    ddb.on(BatchWriteCommand).callsFake((input) => {
      const left = (input.RequestItems?.events ?? []).filter((request: { PutRequest?: { Item?: { id?: string } } }) => request.PutRequest?.Item?.id === 'evt-7');
      return left.length > 0 ? { UnprocessedItems: { events: left } } : {};
    });
    const event = sqsEvent(...Array.from({ length: 60 }, (_, i) => sqsRecord(cloudEvent({ id: `evt-${i}` }), `msg-${i}`)));

    // WHEN
    const response = await eventLog()(event);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-7' }]);
    expect(emfMetrics(onlyDocument())).toMatchObject({
      EventsStored: count(59),
      RecordsFailed: count(1),
      BatchWriteRetries: count(3),
      UnprocessedItems: count(4),
    });
  });

  test('publishes what it counted when the invocation throws', async () => {
    // GIVEN a handler whose clock fails after the replayed records are counted
    const broken = createEventLogHandler({
      client,
      tableName: 'events',
      retentionDays: 30,
      logger: quietLogger(),
      now: () => {
        throw new Error('clock broke');
      },
      metrics: createMetrics(ENV, 'event-log'),
    });

    // WHEN
    await expect(broken(sqsEvent(replayed(sqsRecord(cloudEvent(), 'msg-1'))))).rejects.toThrow('clock broke');

    // THEN
    expect(emfMetrics(onlyDocument())).toEqual({ EventsReplayed: count(1) });
  });
});

describe('state projector metrics', () => {
  /** A state table holding order-1 and order-5 at sequence 5, that throttles every write to order-9. */
  function stateTable(): void {
    const stored = new Map<string, number>([
      ['order-1', 5],
      ['order-5', 5],
    ]);
    ddb.on(PutCommand).callsFake((input: PutCommandInput) => {
      const { subject, sequence } = input.Item as { subject: string; sequence: number };
      if (subject === 'order-9') throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
      if ((stored.get(subject) ?? -1) >= sequence) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
      stored.set(subject, sequence);
      return {};
    });
  }
  const fifo = (messageId: string, subject: string, sequence: number): SQSRecord =>
    sqsRecord(cloudEvent({ id: messageId, subject, sequence }), messageId, subject);

  test('one EMF document per invocation counts stored, refused, superseded, dead-lettered, replayed and failed events', async () => {
    // GIVEN a stale event (order-1, 3 < 5), a duplicate of the stored event (order-5, 5), an event that a newer one of the
    // batch covers (order-2, 1 then 2), a malformed record, a replayed event and a throttled write
    stateTable();
    const handler = createStateProjectorHandler({
      client,
      tableName: 'state',
      logger: quietLogger(),
      now: () => NOW,
      deadLetter: { client: sqsClient, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/state-dlq.fifo', retryPolicy: instantRetries(3) },
      metrics: createMetrics({ ...ENV, CONSUMER_NAME: 'StateProjector' }, 'state-projector'),
    });
    const event = sqsEvent(
      fifo('a3', 'order-1', 3),
      fifo('e5', 'order-5', 5),
      fifo('b1', 'order-2', 1),
      fifo('b2', 'order-2', 2),
      sqsRecord('{"not":"an event"}', 'bad', 'order-3'),
      replayed(fifo('c1', 'order-4', 1)),
      fifo('z1', 'order-9', 1),
    );

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'z1' }]);
    const document = onlyDocument();
    expect(document._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'EventPipeline', Dimensions: [['Pipeline', 'Consumer']], Metrics: expect.any(Array) },
    ]);
    expect(document).toMatchObject({ Pipeline: 'Shop/Orders', Consumer: 'StateProjector' });
    expect(emfMetrics(document)).toEqual({
      EventsStored: count(2),
      DuplicatesSkipped: count(2),
      EventsSuperseded: count(1),
      EventsDeadLettered: count(1),
      EventsReplayed: count(1),
      RecordsFailed: count(1),
    });
  });
});

describe('entry points', () => {
  const ORIGINAL_ENV = { ...process.env };
  afterEach(() => {
    process.env = { ...ORIGINAL_ENV };
  });

  /** Loads lambda/<name> as Lambda would, with `env` set and DynamoDB mocked. */
  function loadEntry(name: 'event-log' | 'state-projector', env: Record<string, string>): (event: SQSEvent) => Promise<SQSBatchResponse> {
    Object.assign(process.env, { AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT', TABLE_NAME: 'table', ...env });
    let handler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { DynamoDBDocumentClient: IsolatedClient } = require('@aws-sdk/lib-dynamodb');
      mockClient(IsolatedClient).resolves({});
      handler = require(`../../lambda/${name}`).handler;
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    return handler!;
  }

  test.each(['event-log', 'state-projector'] as const)(
    '%s takes its namespace and dimensions from the environment, and drops the service dimension',
    async (name) => {
      // GIVEN what QueueConsumer sets, and a service name for the logs
      delete process.env.POWERTOOLS_METRICS_DISABLED;
      const handler = loadEntry(name, {
        POWERTOOLS_METRICS_NAMESPACE: 'Shop',
        PIPELINE_NAME: 'Shop/Orders',
        CONSUMER_NAME: 'Projector',
        POWERTOOLS_SERVICE_NAME: 'Projector-logs',
      });

      // WHEN
      await handler(sqsEvent(sqsRecord(cloudEvent(), 'msg-1', 'order-1')));

      // THEN
      const document = onlyDocument();
      expect(document._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Shop', Dimensions: [['Pipeline', 'Consumer']] });
      expect(document).toMatchObject({ Pipeline: 'Shop/Orders', Consumer: 'Projector' });
      expect(document).not.toHaveProperty('service');
      expect(emfMetrics(document).EventsStored).toEqual(count(1));
    },
  );

  test.each(['event-log', 'state-projector'] as const)('%s publishes in EventPipeline when no namespace is set', async (name) => {
    // GIVEN
    delete process.env.POWERTOOLS_METRICS_NAMESPACE;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const handler = loadEntry(name, { PIPELINE_NAME: 'p', CONSUMER_NAME: 'c' });

    // WHEN
    await handler(sqsEvent(sqsRecord(cloudEvent(), 'msg-1', 'order-1')));

    // THEN
    expect(onlyDocument()._aws.CloudWatchMetrics[0].Namespace).toBe('EventPipeline');
  });
});

describe('replayed records', () => {
  test('are those with the Replayed message attribute, unless it says false', () => {
    // GIVEN
    const plain = sqsRecord(cloudEvent(), 'msg-1');
    const saidFalse: SQSRecord = { ...plain, messageAttributes: { Replayed: { dataType: 'String', stringValue: 'false' } } };

    // WHEN / THEN
    expect(countReplayed([plain, replayed(plain), saidFalse, replayed(plain)])).toBe(2);
  });
});

test('the constructs name the metrics the handlers publish', () => {
  expect(Object.values(HandlerMetric).sort()).toEqual(Object.values(METRIC_NAMES).sort());
});
