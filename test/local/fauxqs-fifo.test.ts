/**
 * The local run's fauxqs receives FIFO messages the way SQS does: runs of one message group, in
 * order, with the group held while any of its messages is in flight.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { startEmulators, type Emulators } from '../../packages/tools/src/local/emulators';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { receiveFifoLikeSqs, PATCHED_FAUXQS_VERSION } = require('../../packages/tools/src/local/runtime/fauxqs-fifo.cjs') as {
  receiveFifoLikeSqs: (queueClass: unknown, version: string) => void;
  PATCHED_FAUXQS_VERSION: string;
};

const REGION = 'us-east-1';
let emulators: Emulators;
let sqs: SQSClient;
let queueCount = 0;

beforeAll(async () => {
  emulators = await startEmulators(REGION);
  sqs = new SQSClient({
    region: REGION,
    endpoint: emulators.snsSqsEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sqs?.destroy();
  await emulators?.stop();
});

async function fifoQueue(attributes: Record<string, string> = {}): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: `fifo-${++queueCount}.fifo`,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '60', ...attributes },
    }),
  );
  return out.QueueUrl!;
}

/** Sends `group:n` bodies, one group after the other, each in its own batch call. */
async function send(queueUrl: string, groups: Record<string, number>): Promise<void> {
  for (const [group, count] of Object.entries(groups)) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: count }, (_, i) => ({
          Id: String(i),
          MessageBody: `${group}:${i + 1}`,
          MessageGroupId: group,
          MessageDeduplicationId: `${group}-${i + 1}`,
        })),
      }),
    );
  }
}

async function receive(queueUrl: string, max = 10, visibilityTimeout?: number): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max, VisibilityTimeout: visibilityTimeout }),
  );
  return out.Messages ?? [];
}

/** Receives with a visibility timeout of 0: the messages' visibility has ended by the next call. */
async function receiveAndExpire(queueUrl: string): Promise<void> {
  await receive(queueUrl, 10, 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
}

const bodies = (messages: Message[]) => messages.map((m) => m.Body);

test('a receive returns a run of one message group in order, then the next group', async () => {
  const queueUrl = await fifoQueue();
  await send(queueUrl, { a: 4, b: 3 });
  expect(bodies(await receive(queueUrl))).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'b:1', 'b:2', 'b:3']);
});

test('a receive takes no more than MaxNumberOfMessages from a group', async () => {
  const queueUrl = await fifoQueue();
  await send(queueUrl, { a: 5 });
  expect(bodies(await receive(queueUrl, 3))).toEqual(['a:1', 'a:2', 'a:3']);
});

test('a group stays held while any of its received messages is in flight', async () => {
  const queueUrl = await fifoQueue();
  await send(queueUrl, { a: 3 });
  const [first] = await receive(queueUrl, 2);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.ReceiptHandle }));
  expect(await receive(queueUrl)).toEqual([]);
});

test('messages made visible again one by one come back in their original order', async () => {
  const queueUrl = await fifoQueue();
  await send(queueUrl, { a: 4 });
  for (const message of await receive(queueUrl)) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }),
    );
  }
  expect(bodies(await receive(queueUrl))).toEqual(['a:1', 'a:2', 'a:3', 'a:4']);
});

test('messages whose visibility timeout expires come back in their original order', async () => {
  const queueUrl = await fifoQueue();
  await send(queueUrl, { a: 3 });
  await receiveAndExpire(queueUrl);
  expect(bodies(await receive(queueUrl))).toEqual(['a:1', 'a:2', 'a:3']);
});

test('every message of a run moves to the dead-letter queue after maxReceiveCount', async () => {
  const dlqUrl = await fifoQueue();
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn;
  const queueUrl = await fifoQueue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
  await send(queueUrl, { a: 3 });
  await receiveAndExpire(queueUrl);
  await receive(queueUrl);
  expect(bodies(await receive(dlqUrl))).toEqual(['a:1', 'a:2', 'a:3']);
});

test('the patch refuses a fauxqs release it was not written for', () => {
  expect(() => receiveFifoLikeSqs(class {}, '9.9.9')).toThrow(
    `fauxqs 9.9.9 is installed; the local run's FIFO receive patch is written for ${PATCHED_FAUXQS_VERSION}`,
  );
});
