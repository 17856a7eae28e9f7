import type { SQSRecord } from 'aws-lambda';
import { failedMessageIds, orderingViolations, toRecord } from '../../packages/tools/src/local/sqs-event';

const message = {
  MessageId: 'm-1',
  ReceiptHandle: 'rh-1',
  Body: '{"id":"e-1"}',
  MD5OfBody: 'md5',
  MD5OfMessageAttributes: 'md5-attrs',
  Attributes: {
    ApproximateReceiveCount: '2',
    SentTimestamp: '1700000000000',
    SenderId: '000000000000',
    ApproximateFirstReceiveTimestamp: '1700000000100',
    MessageGroupId: 'parcel-1',
    SequenceNumber: '00000000000000000001',
    MessageDeduplicationId: 'e-1',
  },
  MessageAttributes: { type: { DataType: 'String', StringValue: 'parcel.delivered' } },
};

describe('toRecord', () => {
  test('builds the record shape Lambda passes for a FIFO queue', () => {
    // WHEN
    const record = toRecord(message, 'arn:aws:sqs:us-east-1:000000000000:q.fifo', 'us-east-1', true);
    // THEN
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{"id":"e-1"}',
      attributes: message.Attributes,
      messageAttributes: {
        type: { dataType: 'String', stringValue: 'parcel.delivered', stringListValues: [], binaryListValues: [] },
      },
      md5OfBody: 'md5',
      md5OfMessageAttributes: 'md5-attrs',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
      awsRegion: 'us-east-1',
    });
  });

  test('leaves out the FIFO attributes on a standard queue', () => {
    const record = toRecord(message, 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1', false);
    expect(Object.keys(record.attributes).sort()).toEqual([
      'ApproximateFirstReceiveTimestamp',
      'ApproximateReceiveCount',
      'SenderId',
      'SentTimestamp',
    ]);
  });
});

const records = (...specs: [id: string, group?: string][]): SQSRecord[] =>
  specs.map(([id, group]) => ({ messageId: id, attributes: group ? { MessageGroupId: group } : {} }) as unknown as SQSRecord);

describe('failedMessageIds', () => {
  const batch = records(['a'], ['b'], ['c']);

  test('a thrown error fails the whole batch', () => {
    expect(failedMessageIds(batch, { ok: false }, true)).toEqual(new Set(['a', 'b', 'c']));
  });

  test('reported failures fail only those records', () => {
    const result = { batchItemFailures: [{ itemIdentifier: 'b' }] };
    expect(failedMessageIds(batch, { ok: true, result }, true)).toEqual(new Set(['b']));
  });

  test('an empty or null response is a full success', () => {
    expect(failedMessageIds(batch, { ok: true, result: null }, true).size).toBe(0);
    expect(failedMessageIds(batch, { ok: true, result: { batchItemFailures: [] } }, true).size).toBe(0);
  });

  test('an unknown or empty identifier fails the whole batch, as Lambda does', () => {
    const unknown = { batchItemFailures: [{ itemIdentifier: 'zzz' }] };
    const empty = { batchItemFailures: [{ itemIdentifier: '' }] };
    expect(failedMessageIds(batch, { ok: true, result: unknown }, true).size).toBe(3);
    expect(failedMessageIds(batch, { ok: true, result: empty }, true).size).toBe(3);
  });

  test('a response that is not an object (a string, a number, an array) fails the whole batch', () => {
    for (const result of ['ok', 42, [], [{ itemIdentifier: 'b' }]]) {
      expect(failedMessageIds(batch, { ok: true, result }, true).size).toBe(batch.length);
    }
  });

  test('without ReportBatchItemFailures a returned value is ignored', () => {
    const result = { batchItemFailures: [{ itemIdentifier: 'b' }] };
    expect(failedMessageIds(batch, { ok: true, result }, false).size).toBe(0);
  });
});

describe('orderingViolations', () => {
  test('a success after a failure in the same group is a violation, named by group and ids', () => {
    // GIVEN a response that fails a of group g1 and reports c, later in g1, as processed
    const batch = records(['a', 'g1'], ['b', 'g2'], ['c', 'g1'], ['d', 'g2']);
    // WHEN
    const violations = orderingViolations(batch, new Set(['a']));
    // THEN only g1 is named, with the failed message and the one deleted out of order
    expect(violations).toEqual([{ group: 'g1', failed: [{ messageId: 'a' }], succeededAfter: [{ messageId: 'c' }] }]);
  });

  test('a response that lists the rest of the group after its first failure has none', () => {
    const batch = records(['a', 'g1'], ['b', 'g2'], ['c', 'g1'], ['d', 'g2']);
    expect(orderingViolations(batch, new Set(['a', 'c']))).toEqual([]);
  });

  test('successes before the first failure of a group are in order', () => {
    const batch = records(['a', 'g1'], ['b', 'g1'], ['c', 'g1']);
    expect(orderingViolations(batch, new Set(['b', 'c']))).toEqual([]);
  });

  test('the event id is read from the body when it has one', () => {
    const batch = records(['a', 'g1'], ['b', 'g1']).map((r) => ({ ...r, body: JSON.stringify({ id: `e-${r.messageId}` }) }));
    expect(orderingViolations(batch, new Set(['a']))).toEqual([
      { group: 'g1', failed: [{ messageId: 'a', eventId: 'e-a' }], succeededAfter: [{ messageId: 'b', eventId: 'e-b' }] },
    ]);
  });
});
