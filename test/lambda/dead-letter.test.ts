import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DEAD_LETTER_QUEUE_URL_ENV,
  type DeadLetter,
  type DeadLetterTarget,
  deadLetterTargetFromEnv,
  MAX_REASON_LENGTH,
  sendToDeadLetterQueue,
} from '../../lambda/shared/dead-letter';
import { MalformedEventError } from '../../lambda/shared/errors';
import { instantRetries, sqsRecord } from './fixtures';

const STANDARD_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/events-dlq';
const FIFO_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/state-dlq.fifo';
const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'eu-west-1' });

let retries: ReturnType<typeof instantRetries>;

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}`, MD5OfMessageBody: '' })),
  }));
  retries = instantRetries(3);
});

function target(queueUrl = STANDARD_DLQ, functionName?: string): DeadLetterTarget {
  return { client, queueUrl, functionName, retryPolicy: retries };
}

function letter(messageId: string, options: { body?: string; attributes?: SQSMessageAttributes; groupId?: string } = {}): DeadLetter {
  const record: SQSRecord = {
    ...sqsRecord(options.body ?? `not json ${messageId}`, messageId, options.groupId),
    messageAttributes: options.attributes ?? {},
  };
  return { record, error: new MalformedEventError('body', 'not valid JSON') };
}

function letters(count: number): DeadLetter[] {
  return Array.from({ length: count }, (_, i) => letter(`msg-${i}`));
}

const inputs = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
const stringAttribute = (value: string) => ({ DataType: 'String', StringValue: value });
const ownAttributes = (count: number): SQSMessageAttributes =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`attr-${i}`, { dataType: 'String', stringValue: `value-${i}` }]),
  );

describe('sendToDeadLetterQueue', () => {
  test('sends the body unchanged, with the reason and where it came from in failure.* attributes', async () => {
    // GIVEN a malformed record whose body has an event id
    const body = '{"specversion":"1.0","id":"evt-7","sequence":"x"}';
    const failed = { ...letter('msg-1', { body }), eventId: 'evt-7' };

    // WHEN
    const failures = await sendToDeadLetterQueue([failed], target(STANDARD_DLQ, 'EventLogFunction'));

    // THEN
    expect(failures.size).toBe(0);
    expect(inputs()).toEqual([
      {
        QueueUrl: STANDARD_DLQ,
        Entries: [
          {
            Id: '0',
            MessageBody: body,
            MessageAttributes: {
              'failure.reason': stringAttribute('body: not valid JSON'),
              'failure.errorName': stringAttribute('MalformedEventError'),
              'failure.sourceMessageId': stringAttribute('msg-1'),
              'failure.sourceQueueArn': stringAttribute('arn:aws:sqs:eu-west-1:123456789012:events'),
              'failure.eventId': stringAttribute('evt-7'),
              'failure.function': stringAttribute('EventLogFunction'),
            },
          },
        ],
      },
    ]);
  });

  test('sends at most 10 entries per call', async () => {
    // WHEN
    await sendToDeadLetterQueue(letters(23), target());

    // THEN
    expect(inputs().map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(inputs().flatMap((input) => input.Entries?.map((entry) => entry.MessageBody))).toEqual(
      letters(23).map((l) => l.record.body),
    );
  });

  test('keeps each call within 256 KiB of bodies and attributes', async () => {
    // GIVEN three 100 KB bodies
    const large = ['a', 'b', 'c'].map((id) => letter(id, { body: id.repeat(100_000) }));

    // WHEN
    await sendToDeadLetterQueue(large, target());

    // THEN
    expect(inputs().map((input) => input.Entries?.length)).toEqual([2, 1]);
  });

  test('on a FIFO queue, keeps the message group and deduplicates by the source message id', async () => {
    // WHEN
    await sendToDeadLetterQueue([letter('msg-1', { groupId: 'order-1' })], target(FIFO_DLQ));

    // THEN
    expect(inputs()[0].Entries?.[0]).toMatchObject({ MessageGroupId: 'order-1', MessageDeduplicationId: 'msg-1' });
  });

  test('on a standard queue, sets no group or deduplication id', async () => {
    // WHEN
    await sendToDeadLetterQueue([letter('msg-1', { groupId: 'order-1' })], target(STANDARD_DLQ));

    // THEN
    expect(Object.keys(inputs()[0].Entries?.[0] ?? {})).toEqual(['MessageBody', 'MessageAttributes', 'Id']);
  });

  test("keeps the record's own attributes, in the SDK's shape", async () => {
    // GIVEN string, number and binary attributes as Lambda passes them
    const attributes: SQSMessageAttributes = {
      type: { dataType: 'String', stringValue: 'order.updated', stringListValues: [], binaryListValues: [] },
      priority: { dataType: 'Number', stringValue: '3' },
      signature: { dataType: 'Binary', binaryValue: Buffer.from([1, 2, 3]).toString('base64') },
    };

    // WHEN
    await sendToDeadLetterQueue([letter('msg-1', { attributes })], target());

    // THEN
    expect(inputs()[0].Entries?.[0].MessageAttributes).toMatchObject({
      type: { DataType: 'String', StringValue: 'order.updated' },
      priority: { DataType: 'Number', StringValue: '3' },
      signature: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
    });
  });

  test('drops own attributes, last by name first, to stay within 10 attributes with every failure.* one', async () => {
    // GIVEN a record with 9 attributes of its own, and 5 failure.* attributes to add
    const failed = letter('msg-1', { attributes: ownAttributes(9) });

    // WHEN
    await sendToDeadLetterQueue([failed], target(STANDARD_DLQ, 'EventLogFunction'));

    // THEN
    expect(Object.keys(inputs()[0].Entries?.[0].MessageAttributes ?? {})).toEqual([
      'attr-0',
      'attr-1',
      'attr-2',
      'attr-3',
      'attr-4',
      'failure.reason',
      'failure.errorName',
      'failure.sourceMessageId',
      'failure.sourceQueueArn',
      'failure.function',
    ]);
  });

  test('replaces the failure.* attributes of an earlier failure', async () => {
    // GIVEN a message redriven from the DLQ with the attributes of its first failure
    const attributes: SQSMessageAttributes = {
      'failure.reason': { dataType: 'String', stringValue: 'an older reason' },
      'failure.function': { dataType: 'String', stringValue: 'OldFunction' },
    };

    // WHEN
    await sendToDeadLetterQueue([letter('msg-1', { attributes })], target());

    // THEN
    const sent = inputs()[0].Entries?.[0].MessageAttributes ?? {};
    expect(sent['failure.reason']).toEqual(stringAttribute('body: not valid JSON'));
    expect(sent).not.toHaveProperty(['failure.function']);
  });

  test('truncates a long reason and replaces characters SQS refuses', async () => {
    // GIVEN
    const failed = { ...letter('msg-1'), error: new Error(`bad\u0000${'x'.repeat(5_000)}`) };

    // WHEN
    await sendToDeadLetterQueue([failed], target());

    // THEN
    const reason = inputs()[0].Entries?.[0].MessageAttributes?.['failure.reason'].StringValue ?? '';
    expect(reason).toHaveLength(MAX_REASON_LENGTH);
    expect(reason.startsWith('bad\uFFFDxxx')).toBe(true);
  });

  test('returns the records SQS refused, without retrying a sender fault', async () => {
    // GIVEN SQS refuses msg-1 as the sender's fault
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'dlq-0', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidParameterValue', Message: 'Message must be shorter than 262144 bytes.' }],
    });

    // WHEN
    const failures = await sendToDeadLetterQueue(letters(2), target());

    // THEN
    expect([...failures.keys()]).toEqual(['msg-1']);
    expect(failures.get('msg-1')?.message).toBe(
      'SendMessageBatch did not send the record (InvalidParameterValue: Message must be shorter than 262144 bytes.)',
    );
    expect(inputs()).toHaveLength(1);
  });

  test('retries the entries SQS failed on its side, with backoff, and only those', async () => {
    // GIVEN msg-1 fails once on the server side
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'dlq-0', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'dlq-1', MD5OfMessageBody: '' }] });

    // WHEN
    const failures = await sendToDeadLetterQueue(letters(2), target());

    // THEN
    expect(failures.size).toBe(0);
    expect(inputs().map((input) => input.Entries?.map((entry) => entry.MessageBody))).toEqual([
      ['not json msg-0', 'not json msg-1'],
      ['not json msg-1'],
    ]);
    expect(retries.delays).toEqual([25]);
  });

  test('returns every record of a call that keeps failing with a retryable error, after 3 attempts', async () => {
    // GIVEN
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));

    // WHEN
    const failures = await sendToDeadLetterQueue(letters(2), target());

    // THEN
    expect([...failures.keys()]).toEqual(['msg-0', 'msg-1']);
    expect(inputs()).toHaveLength(3);
  });

  test('returns every record of a call that throws a non-retryable error, at once', async () => {
    // GIVEN
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    // WHEN
    const failures = await sendToDeadLetterQueue(letters(12), target());

    // THEN
    expect(failures.size).toBe(12);
    expect(failures.get('msg-11')?.message).toBe('SendMessageBatch failed: AccessDenied: not authorized');
    expect(inputs()).toHaveLength(2);
  });
});

describe('deadLetterTargetFromEnv', () => {
  test('names the queue and the function from the environment', () => {
    // WHEN
    const found = deadLetterTargetFromEnv({ [DEAD_LETTER_QUEUE_URL_ENV]: FIFO_DLQ, AWS_LAMBDA_FUNCTION_NAME: 'Projector' });

    // THEN
    expect(found).toMatchObject({ queueUrl: FIFO_DLQ, functionName: 'Projector' });
    expect(found?.client).toBeInstanceOf(SQSClient);
  });

  test('is undefined when DEAD_LETTER_QUEUE_URL is absent or empty', () => {
    expect(deadLetterTargetFromEnv({})).toBeUndefined();
    expect(deadLetterTargetFromEnv({ [DEAD_LETTER_QUEUE_URL_ENV]: ' ' })).toBeUndefined();
  });
});
