import type { SQSRecord } from 'aws-lambda';
import { blockFailedGroups, failedMessageIds, toRecord } from '../../local/sqs-event';

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

  test('without ReportBatchItemFailures a returned value is ignored', () => {
    const result = { batchItemFailures: [{ itemIdentifier: 'b' }] };
    expect(failedMessageIds(batch, { ok: true, result }, false).size).toBe(0);
  });
});

describe('blockFailedGroups', () => {
  test('later records of a failed message group are not deleted either', () => {
    // GIVEN
    const batch = records(['a', 'g1'], ['b', 'g2'], ['c', 'g1'], ['d', 'g2']);
    // WHEN
    const failed = blockFailedGroups(batch, new Set(['a']));
    // THEN
    expect(failed).toEqual(new Set(['a', 'c']));
  });
});
