import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createEventLogHandler, type EventLogHandler, type EventLogHandlerOptions } from '../../lambda/event-log/handler';
import { NOW, cloudEvent, instantRetries, quietLogger, sqsEvent, sqsRecord } from './fixtures';

const TABLE = 'events';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/events-dlq';
const sqs = mockClient(SQSClient);
const sqsClient = new SQSClient({ region: 'eu-west-1' });

let logger: Logger;
let retries: ReturnType<typeof instantRetries>;
let handler: EventLogHandler;

beforeEach(() => {
  ddb.reset();
  ddb.on(BatchWriteCommand).resolves({});
  sqs.reset();
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}`, MD5OfMessageBody: '' })),
  }));
  logger = quietLogger();
  retries = instantRetries(4);
  handler = eventLogHandler();
});

/** The handler under test, with the file's clients, logger and retry policy. */
function eventLogHandler(extra: Partial<EventLogHandlerOptions> = {}): EventLogHandler {
  return createEventLogHandler({ client, tableName: TABLE, retentionDays: 30, logger, retryPolicy: retries, now: () => NOW, ...extra });
}

/** The items of every BatchWriteItem call, in call order. */
function batchWrites(): Record<string, unknown>[][] {
  return ddb
    .commandCalls(BatchWriteCommand)
    .map((call) => (call.args[0].input.RequestItems?.[TABLE] ?? []).map((request) => request.PutRequest?.Item ?? {}));
}

function manyEvents(count: number): SQSEvent {
  return sqsEvent(
    ...Array.from({ length: count }, (_, i) => sqsRecord(cloudEvent({ id: `evt-${i}`, sequence: i }), `msg-${i}`)),
  );
}

function unprocessed(...ids: string[]): { UnprocessedItems: BatchWriteCommandInput['RequestItems'] } {
  return { UnprocessedItems: { [TABLE]: ids.map((id) => ({ PutRequest: { Item: { id } } })) } };
}

function summary(spy: jest.SpyInstance): Record<string, unknown> {
  const call = spy.mock.calls.find(([message]) => message === 'Batch processed');
  return call?.[1] as Record<string, unknown>;
}

describe('event log handler', () => {
  test('stores each valid event keyed by its id, with a TTL', async () => {
    // GIVEN
    const event = sqsEvent(sqsRecord(cloudEvent({ sequence: '12' }), 'msg-1'));

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(batchWrites()).toEqual([
      [
        {
          id: 'evt-1',
          subject: 'order-1',
          type: 'order.updated',
          source: 'urn:test:orders',
          specversion: '1.0',
          sequence: 12,
          time: '2025-03-01T11:59:00Z',
          data: { status: 'open' },
          receivedAt: '2025-03-01T12:00:00.000Z',
          expiresAt: NOW.getTime() / 1000 + 30 * 86_400,
        },
      ],
    ]);
  });

  test('writes one PutRequest when the same event arrives twice in a batch', async () => {
    // GIVEN the same event delivered in two SQS messages
    const event = sqsEvent(sqsRecord(cloudEvent(), 'msg-1'), sqsRecord(cloudEvent(), 'msg-2'));

    // WHEN
    const response = await handler(event);

    // THEN both records succeed with a single item
    expect(response.batchItemFailures).toEqual([]);
    expect(batchWrites()).toHaveLength(1);
    expect(batchWrites()[0].map((item) => item.id)).toEqual(['evt-1']);
  });

  test('removes duplicate keys before chunking and counts them', async () => {
    // GIVEN 30 records carrying 26 distinct events
    const ids = [...Array.from({ length: 26 }, (_, i) => `evt-${i}`), 'evt-0', 'evt-1', 'evt-2', 'evt-25'];
    const event = sqsEvent(...ids.map((id, i) => sqsRecord(cloudEvent({ id }), `msg-${i}`)));
    const info = jest.spyOn(logger, 'info');

    // WHEN
    await handler(event);

    // THEN no call carries a key twice, and every event is written once
    const calls = batchWrites();
    for (const items of calls) {
      expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    }
    expect(calls.flat().map((item) => item.id).sort()).toEqual([...new Set(ids)].sort());
    expect(summary(info)).toEqual({ records: 30, written: 26, duplicatesInBatch: 4, deadLettered: 0, failed: 0 });
  });

  test('writes a redelivered event to the same key, whatever its messageId', async () => {
    // GIVEN the same event in two invocations, under different SQS message ids
    await handler(sqsEvent(sqsRecord(cloudEvent(), 'first-delivery')));

    // WHEN
    await handler(sqsEvent(sqsRecord(cloudEvent(), 'second-delivery')));

    // THEN both writes target the event id, so the second overwrites the first
    const [first, second] = batchWrites();
    expect(first).toEqual(second);
    expect(first[0].id).toBe('evt-1');
    expect(JSON.stringify(first)).not.toContain('delivery');
  });

  test('splits more than 25 events into BatchWriteItem calls of at most 25', async () => {
    // GIVEN
    const event = manyEvents(60);

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(batchWrites().map((items) => items.length)).toEqual([25, 25, 10]);
    expect(new Set(batchWrites().flat().map((item) => item.id)).size).toBe(60);
  });

  test('retries unprocessed items with backoff until they are written', async () => {
    // GIVEN DynamoDB leaves two items unprocessed once
    ddb.on(BatchWriteCommand).resolvesOnce(unprocessed('evt-1', 'evt-3')).resolves({});

    // WHEN
    const response = await handler(manyEvents(5));

    // THEN only those two are sent again, after one backoff, and nothing fails
    expect(response.batchItemFailures).toEqual([]);
    expect(batchWrites().map((items) => items.map((item) => item.id))).toEqual([
      ['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4'],
      ['evt-1', 'evt-3'],
    ]);
    expect(retries.delays).toEqual([25]);
  });

  test('fails only the records whose items stay unprocessed after the last attempt', async () => {
    // GIVEN evt-2 (delivered twice) is never processed
    ddb.on(BatchWriteCommand).resolves(unprocessed('evt-2'));
    const event = sqsEvent(
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-1'),
      sqsRecord(cloudEvent({ id: 'evt-2' }), 'msg-2'),
      sqsRecord(cloudEvent({ id: 'evt-3' }), 'msg-3'),
      sqsRecord(cloudEvent({ id: 'evt-2' }), 'msg-4'),
    );
    const error = jest.spyOn(logger, 'error');

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-2' }, { itemIdentifier: 'msg-4' }]);
    expect(batchWrites()).toHaveLength(4);
    expect(retries.delays).toEqual([25, 50, 100]);
    expect(error).toHaveBeenCalledWith(
      'Record failed',
      expect.objectContaining({
        messageId: 'msg-2',
        eventId: 'evt-2',
        reason: 'DynamoDB left the item unprocessed after 4 attempts',
      }),
    );
  });

  test('retries a call that fails with a throttling error', async () => {
    // GIVEN
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    ddb.on(BatchWriteCommand).rejectsOnce(throttled).resolves({});

    // WHEN
    const response = await handler(manyEvents(3));

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(batchWrites()).toHaveLength(2);
  });

  test('replays a call rejected as invalid one item per call, so only the bad item fails', async () => {
    // GIVEN DynamoDB rejects any call that carries evt-1
    const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      if (input.RequestItems?.[TABLE]?.some((request) => request.PutRequest?.Item?.id === 'evt-1')) {
        throw invalid;
      }
      return {};
    });
    const error = jest.spyOn(logger, 'error');

    // WHEN
    const response = await handler(manyEvents(3));

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    expect(batchWrites().map((items) => items.map((item) => item.id))).toEqual([
      ['evt-0', 'evt-1', 'evt-2'],
      ['evt-0'],
      ['evt-1'],
      ['evt-2'],
    ]);
    expect(error).toHaveBeenCalledWith(
      'Record failed',
      expect.objectContaining({
        messageId: 'msg-1',
        reason: 'DynamoDB rejected the item: ValidationException: Item size has exceeded the maximum allowed size',
      }),
    );
  });

  test('without a dead-letter queue, fails a malformed record alone and writes the others', async () => {
    // GIVEN
    const event = sqsEvent(
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-1'),
      sqsRecord(cloudEvent({ id: 'evt-2', sequence: '1.5' }), 'msg-2'),
      sqsRecord(cloudEvent({ id: 'evt-3' }), 'msg-3'),
    );

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-2' }]);
    expect(batchWrites().flat().map((item) => item.id)).toEqual(['evt-1', 'evt-3']);
  });

  test('logs a malformed record at ERROR with its messageId, reason and eventId', async () => {
    // GIVEN
    const event = sqsEvent(sqsRecord(cloudEvent({ id: 'evt-2', sequence: '1.5' }), 'msg-2'));
    const error = jest.spyOn(logger, 'error');

    // WHEN
    await handler(event);

    // THEN
    expect(error).toHaveBeenCalledWith('Record failed', {
      messageId: 'msg-2',
      eventId: 'evt-2',
      reason: 'sequence: must be a whole number >= 0 or a string of digits (got "1.5")',
      errorName: 'MalformedEventError',
    });
  });

  test('reports a batch of only malformed records as failures instead of throwing', async () => {
    // GIVEN
    const event = sqsEvent(sqsRecord('not json', 'msg-1'), sqsRecord('', 'msg-2'));

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }]);
    expect(batchWrites()).toEqual([]);
  });

  test('logs a one-line summary of the batch', async () => {
    // GIVEN
    const event = sqsEvent(
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-1'),
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-2'),
      sqsRecord('{', 'msg-3'),
      sqsRecord(cloudEvent({ id: 'evt-4' }), 'msg-4'),
    );
    const info = jest.spyOn(logger, 'info');

    // WHEN
    await handler(event);

    // THEN
    expect(info).toHaveBeenCalledTimes(1);
    expect(summary(info)).toEqual({ records: 4, written: 2, duplicatesInBatch: 1, deadLettered: 0, failed: 1 });
  });
});

describe('event log handler with a dead-letter queue', () => {
  let dlqHandler: EventLogHandler;

  beforeEach(() => {
    dlqHandler = eventLogHandler({ deadLetter: { client: sqsClient, queueUrl: DLQ, retryPolicy: instantRetries(3) } });
  });

  const mixedBatch = () =>
    sqsEvent(
      sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-1'),
      sqsRecord(cloudEvent({ id: 'evt-2', sequence: '1.5' }), 'msg-2'),
      sqsRecord(cloudEvent({ id: 'evt-3' }), 'msg-3'),
    );
  const sentBodies = () =>
    sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageBody));

  test('sends a malformed record to the dead-letter queue, and does not report it as failed', async () => {
    // WHEN
    const response = await dlqHandler(mixedBatch());

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(sentBodies()).toEqual([JSON.stringify(cloudEvent({ id: 'evt-2', sequence: '1.5' }))]);
    expect(batchWrites().flat().map((item) => item.id)).toEqual(['evt-1', 'evt-3']);
  });

  test('logs the dead-lettered record at ERROR with the keys of a failed record and deadLettered: true', async () => {
    // GIVEN
    const error = jest.spyOn(logger, 'error');

    // WHEN
    await dlqHandler(mixedBatch());

    // THEN
    expect(error.mock.calls).toEqual([
      [
        'Record dead-lettered',
        {
          messageId: 'msg-2',
          eventId: 'evt-2',
          reason: 'sequence: must be a whole number >= 0 or a string of digits (got "1.5")',
          errorName: 'MalformedEventError',
          deadLettered: true,
        },
      ],
    ]);
  });

  test('counts the dead-lettered records in the batch summary', async () => {
    // GIVEN
    const info = jest.spyOn(logger, 'info');

    // WHEN
    await dlqHandler(mixedBatch());

    // THEN
    expect(summary(info)).toEqual({ records: 3, written: 2, duplicatesInBatch: 0, deadLettered: 1, failed: 0 });
  });

  test('reports a malformed record whose send failed as a batch item failure, with why', async () => {
    // GIVEN SQS refuses the entry
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', SenderFault: true, Code: 'AccessDenied' }] });
    const error = jest.spyOn(logger, 'error');

    // WHEN
    const response = await dlqHandler(mixedBatch());

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-2' }]);
    expect(error).toHaveBeenCalledWith(
      'Record failed',
      expect.objectContaining({
        messageId: 'msg-2',
        errorName: 'MalformedEventError',
        deadLetterError: 'SendMessageBatch did not send the record (AccessDenied)',
      }),
    );
  });

  test('leaves a failed write to the queue: it is reported, never dead-lettered', async () => {
    // GIVEN evt-1 is never processed
    ddb.on(BatchWriteCommand).resolves(unprocessed('evt-1'));

    // WHEN
    const response = await dlqHandler(sqsEvent(sqsRecord(cloudEvent({ id: 'evt-1' }), 'msg-1')));

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
