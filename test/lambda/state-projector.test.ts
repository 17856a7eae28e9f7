import type { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createStateProjectorHandler, type StateProjectorHandler } from '../../lambda/state-projector/handler';
import { parseEvent, type PipelineEvent } from '../../packages/publisher/src/envelope';
import { NOW, cloudEvent, instantRetries, quietLogger, sqsEvent, sqsRecord } from './fixtures';

const TABLE = 'state';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/state-dlq.fifo';
const sqs = mockClient(SQSClient);
const sqsClient = new SQSClient({ region: 'eu-west-1' });

let logger: Logger;
let handler: StateProjectorHandler;

beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
  sqs.reset();
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}`, MD5OfMessageBody: '' })),
  }));
  logger = quietLogger();
  handler = createStateProjectorHandler({ client, tableName: TABLE, logger, now: () => NOW });
});

/** A FIFO record whose message group is its subject, as the publisher sets it. */
function fifoRecord(messageId: string, subject: string, sequence: number | string, id = messageId): SQSRecord {
  return sqsRecord(cloudEvent({ id, subject, sequence }), messageId, subject);
}

function conditionalCheckFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
}

/** The (subject, sequence) of each PutItem, in call order. */
function puts(): [unknown, unknown][] {
  return ddb.commandCalls(PutCommand).map(({ args: [{ input }] }) => [input.Item?.subject, input.Item?.sequence]);
}

function summary(spy: jest.SpyInstance): Record<string, unknown> {
  return spy.mock.calls.find(([message]) => message === 'Batch processed')?.[1] as Record<string, unknown>;
}

/**
 * A state table that applies the handler's condition, comparing sequences as
 * DynamoDB compares numbers. `failOnce` lists subjects whose next write is throttled.
 */
function fakeStateTable(failOnce: string[] = []): Map<string, Record<string, unknown>> {
  const table = new Map<string, Record<string, unknown>>();
  ddb.on(PutCommand).callsFake((input: PutCommandInput) => {
    const item = input.Item as Record<string, unknown> & { subject: string; sequence: number };
    const sequence = input.ExpressionAttributeValues?.[':sequence'];
    if (typeof sequence !== 'number' || typeof item.sequence !== 'number') {
      throw new Error('sequence must be written as a number');
    }
    if (failOnce.includes(item.subject)) {
      failOnce.splice(failOnce.indexOf(item.subject), 1);
      throw throttled();
    }
    const current = table.get(item.subject);
    if (current !== undefined && !((current.sequence as number) < sequence)) {
      throw conditionalCheckFailed();
    }
    table.set(item.subject, item);
    return {};
  });
  return table;
}

/** The reference fold: for each subject, its valid event with the highest sequence, first one on a tie. */
function fold(records: readonly SQSRecord[]): Map<string, { sequence: number; eventId: string }> {
  const state = new Map<string, { sequence: number; eventId: string }>();
  for (const record of records) {
    let event: PipelineEvent;
    try {
      event = parseEvent(record.body);
    } catch {
      continue;
    }
    const current = state.get(event.subject);
    if (current === undefined || current.sequence < event.sequence) {
      state.set(event.subject, { sequence: event.sequence, eventId: event.id });
    }
  }
  return state;
}

function stateOf(table: Map<string, Record<string, unknown>>): Map<string, { sequence: number; eventId: string }> {
  return new Map(
    [...table].map(([subject, item]) => [
      subject,
      { sequence: item.sequence as number, eventId: item.eventId as string },
    ]),
  );
}

describe('state projector handler', () => {
  test('writes the event as the state of its subject, on condition of a higher sequence', async () => {
    // GIVEN
    const event = sqsEvent(sqsRecord(cloudEvent({ id: 'evt-1', sequence: '10' }), 'msg-1', 'order-1'));

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        subject: 'order-1',
        sequence: 10,
        eventId: 'evt-1',
        type: 'order.updated',
        source: 'urn:test:orders',
        time: '2025-03-01T11:59:00Z',
        data: { status: 'open' },
        updatedAt: '2025-03-01T12:00:00.000Z',
      },
      ConditionExpression: 'attribute_not_exists(#subject) OR #sequence < :sequence',
      ExpressionAttributeNames: { '#subject': 'subject', '#sequence': 'sequence' },
      ExpressionAttributeValues: { ':sequence': 10 },
    });
  });

  test('compares sequences as numbers: "10" replaces "9"', async () => {
    // GIVEN the state holds sequence "9"
    const table = fakeStateTable();
    await handler(sqsEvent(fifoRecord('msg-9', 'order-1', '9')));

    // WHEN
    const response = await handler(sqsEvent(fifoRecord('msg-10', 'order-1', '10')));

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(table.get('order-1')).toMatchObject({ sequence: 10, eventId: 'msg-10' });
  });

  test('counts a stale or duplicate event as stale, not failed', async () => {
    // GIVEN the state already holds a sequence as high
    ddb.on(PutCommand).rejects(conditionalCheckFailed());
    const info = jest.spyOn(logger, 'info');

    // WHEN
    const response = await handler(sqsEvent(fifoRecord('msg-1', 'order-1', 3)));

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(summary(info)).toEqual({ records: 1, applied: 0, stale: 1, superseded: 0, deadLettered: 0, failed: 0 });
  });

  test('writes only the newest event of each message group in the batch', async () => {
    // GIVEN order-1 sequences 1, 3, 2 and order-2 sequences "9", "10", "2"
    const event = sqsEvent(
      fifoRecord('a1', 'order-1', 1),
      fifoRecord('b9', 'order-2', '9'),
      fifoRecord('a3', 'order-1', 3),
      fifoRecord('b10', 'order-2', '10'),
      fifoRecord('a2', 'order-1', 2),
      fifoRecord('b2', 'order-2', '2'),
    );
    const info = jest.spyOn(logger, 'info');

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(puts().sort()).toEqual([
      ['order-1', 3],
      ['order-2', 10],
    ]);
    expect(summary(info)).toEqual({ records: 6, applied: 2, stale: 0, superseded: 4, deadLettered: 0, failed: 0 });
  });

  test('ends in the state of the in-order fold, with duplicates, out-of-order and stale events', async () => {
    // GIVEN a state table that already holds order-3 at sequence 5
    const table = fakeStateTable();
    const earlier = [fifoRecord('c5', 'order-3', 5)];
    await handler(sqsEvent(...earlier));
    const batch = [
      fifoRecord('a2', 'order-1', 2),
      fifoRecord('b1', 'order-2', '1'),
      fifoRecord('a1', 'order-1', 1),
      fifoRecord('c4', 'order-3', 4),
      fifoRecord('a4', 'order-1', '4'),
      fifoRecord('a4-again', 'order-1', 4, 'a4'),
      fifoRecord('a4-rival', 'order-1', 4),
      fifoRecord('b10', 'order-2', 10),
      fifoRecord('a3', 'order-1', 3),
      fifoRecord('b9', 'order-2', '9'),
      sqsRecord('{"not":"an event"}', 'bad', 'order-4'),
    ];

    // WHEN
    const response = await handler(sqsEvent(...batch));

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(stateOf(table)).toEqual(fold([...earlier, ...batch]));
    expect(stateOf(table).get('order-1')).toEqual({ sequence: 4, eventId: 'a4' });
  });

  test('fails a failed write and the later records of its group, while other groups go on', async () => {
    // GIVEN the write for order-1 is throttled
    fakeStateTable(['order-1']);
    const event = sqsEvent(
      fifoRecord('a1', 'order-1', 1),
      fifoRecord('b1', 'order-2', 1),
      fifoRecord('a4', 'order-1', 4),
      fifoRecord('b2', 'order-2', 2),
      fifoRecord('a2', 'order-1', 2),
      fifoRecord('a3', 'order-1', 3),
    );

    // WHEN
    const response = await handler(event);

    // THEN a1, covered by the newest write a4, is not redelivered; order-2 is written
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'a4' },
      { itemIdentifier: 'a2' },
      { itemIdentifier: 'a3' },
    ]);
    expect(puts().sort()).toEqual([
      ['order-1', 4],
      ['order-2', 2],
    ]);
  });

  test('reaches the fold once the failed records of a group are redelivered', async () => {
    // GIVEN the first write for order-1 is throttled
    const table = fakeStateTable(['order-1']);
    const batch = [
      fifoRecord('a1', 'order-1', 1),
      fifoRecord('a3', 'order-1', 3),
      fifoRecord('b1', 'order-2', 1),
      fifoRecord('a2', 'order-1', 2),
    ];
    const first = await handler(sqsEvent(...batch));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'a3' }, { itemIdentifier: 'a2' }]);
    expect(stateOf(table).get('order-1')).toBeUndefined();

    // WHEN SQS redelivers the failed records, in order
    const failed = new Set(first.batchItemFailures.map((failure) => failure.itemIdentifier));
    const second = await handler(sqsEvent(...batch.filter((record) => failed.has(record.messageId))));

    // THEN
    expect(second.batchItemFailures).toEqual([]);
    expect(stateOf(table)).toEqual(fold(batch));
  });

  test('without a dead-letter queue, fails a malformed record and the later records of its group only', async () => {
    // GIVEN order-1: valid, malformed, valid; order-2: two valid records
    const event = sqsEvent(
      fifoRecord('a1', 'order-1', 1),
      fifoRecord('b1', 'order-2', 1),
      sqsRecord(cloudEvent({ id: 'a2', subject: 'order-1', sequence: -2 }), 'a2', 'order-1'),
      fifoRecord('b2', 'order-2', 2),
      fifoRecord('a3', 'order-1', 3),
    );

    // WHEN
    const response = await handler(event);

    // THEN order-1 keeps only the record before the malformed one
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }]);
    expect(puts().sort()).toEqual([
      ['order-1', 1],
      ['order-2', 2],
    ]);
  });

  test('without a dead-letter queue, logs a malformed record at ERROR and the records it holds back at WARN', async () => {
    // GIVEN
    const event = sqsEvent(
      sqsRecord(cloudEvent({ id: 'a1', subject: 'order-1', sequence: 'abc' }), 'a1', 'order-1'),
      fifoRecord('a2', 'order-1', 2),
    );
    const error = jest.spyOn(logger, 'error');
    const warn = jest.spyOn(logger, 'warn');
    const info = jest.spyOn(logger, 'info');

    // WHEN
    await handler(event);

    // THEN
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith('Record failed', {
      messageId: 'a1',
      eventId: 'a1',
      messageGroupId: 'order-1',
      reason: 'sequence: must be a whole number >= 0 or a string of digits (got "abc")',
      errorName: 'MalformedEventError',
    });
    expect(warn).toHaveBeenCalledWith(
      'Record failed',
      expect.objectContaining({ messageId: 'a2', eventId: 'a2', errorName: 'MessageGroupBlockedError' }),
    );
    expect(summary(info)).toEqual({ records: 2, applied: 0, stale: 0, superseded: 0, deadLettered: 0, failed: 2 });
  });

  test('reports a batch of only malformed records as failures instead of throwing', async () => {
    // GIVEN
    const event = sqsEvent(sqsRecord('[]', 'msg-1', 'order-1'), sqsRecord('', 'msg-2', 'order-2'));

    // WHEN
    const response = await handler(event);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }]);
    expect(puts()).toEqual([]);
  });
});

describe('state projector handler with a dead-letter queue', () => {
  let dlqHandler: StateProjectorHandler;

  beforeEach(() => {
    dlqHandler = createStateProjectorHandler({
      client,
      tableName: TABLE,
      logger,
      now: () => NOW,
      deadLetter: { client: sqsClient, queueUrl: DLQ, retryPolicy: instantRetries(3) },
    });
  });

  /** order-1: 1, a malformed record, 3, 2; order-2: 1. */
  const poisonedGroup = () => [
    fifoRecord('a1', 'order-1', 1),
    sqsRecord(cloudEvent({ id: 'a2', subject: 'order-1', sequence: -2 }), 'a2', 'order-1'),
    fifoRecord('b1', 'order-2', 1),
    fifoRecord('a3', 'order-1', 3),
    fifoRecord('a4', 'order-1', 2),
  ];
  const sentEntries = () => sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
  const refuseSends = () => sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', SenderFault: true, Code: 'AccessDenied' }] });

  test('dead-letters a malformed record, keeping its group and deduplicating by its message id', async () => {
    // WHEN
    await dlqHandler(sqsEvent(...poisonedGroup()));

    // THEN
    expect(sentEntries()).toEqual([
      expect.objectContaining({
        MessageBody: poisonedGroup()[1].body,
        MessageGroupId: 'order-1',
        MessageDeduplicationId: 'a2',
      }),
    ]);
  });

  test('projects the rest of the group of a dead-lettered record, in order, and fails nothing', async () => {
    // GIVEN
    const table = fakeStateTable();
    const batch = poisonedGroup();

    // WHEN
    const response = await dlqHandler(sqsEvent(...batch));

    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(stateOf(table)).toEqual(fold(batch));
    expect(stateOf(table).get('order-1')).toEqual({ sequence: 3, eventId: 'a3' });
  });

  test('logs the dead-lettered record at ERROR with deadLettered: true, and counts it in the summary', async () => {
    // GIVEN
    const error = jest.spyOn(logger, 'error');
    const info = jest.spyOn(logger, 'info');

    // WHEN
    await dlqHandler(sqsEvent(...poisonedGroup()));

    // THEN
    expect(error.mock.calls).toEqual([
      [
        'Record dead-lettered',
        {
          messageId: 'a2',
          eventId: 'a2',
          messageGroupId: 'order-1',
          reason: 'sequence: must be a whole number >= 0 or a string of digits (got -2)',
          errorName: 'MalformedEventError',
          deadLettered: true,
        },
      ],
    ]);
    expect(summary(info)).toEqual({ records: 5, applied: 2, stale: 0, superseded: 2, deadLettered: 1, failed: 0 });
  });

  test('when the send fails, fails the malformed record and holds back the rest of its group, as without a DLQ', async () => {
    // GIVEN SQS refuses the entry
    refuseSends();

    // WHEN
    const response = await dlqHandler(sqsEvent(...poisonedGroup()));

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }, { itemIdentifier: 'a4' }]);
    expect(puts().sort()).toEqual([
      ['order-1', 1],
      ['order-2', 1],
    ]);
  });

  test('a dead-lettered record behind a failed write of its group fails with the group', async () => {
    // GIVEN order-1's newest event, before the malformed record, is throttled
    fakeStateTable(['order-1']);
    const batch = [
      fifoRecord('a5', 'order-1', 5),
      sqsRecord('not json', 'a6', 'order-1'),
      fifoRecord('a3', 'order-1', 3),
    ];

    // WHEN
    const response = await dlqHandler(sqsEvent(...batch));

    // THEN it is redelivered behind a5; a FIFO DLQ drops the second copy by its deduplication id
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a5' }, { itemIdentifier: 'a6' }, { itemIdentifier: 'a3' }]);
    expect(sentEntries().map((entry) => entry.MessageDeduplicationId)).toEqual(['a6']);
  });
});
