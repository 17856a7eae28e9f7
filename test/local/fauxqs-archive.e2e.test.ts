/**
 * The local run's fauxqs archives what a FIFO topic with an ArchivePolicy accepts, and replays a
 * window of it into one subscription when its ReplayPolicy is set, as SNS does.
 */
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startEmulators, type Emulators } from '../../packages/tools/src/local/emulators';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { archiveAndReplay } = require('../../packages/tools/src/local/runtime/fauxqs-archive.cjs') as {
  archiveAndReplay: (router: unknown, deps: unknown, version: string) => void;
};

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let emulators: Emulators;
let sns: SNSClient;
let sqs: SQSClient;
let n = 0;

beforeAll(async () => {
  emulators = await startEmulators(REGION);
  sns = new SNSClient({ region: REGION, endpoint: emulators.snsSqsEndpoint, credentials });
  sqs = new SQSClient({ region: REGION, endpoint: emulators.snsSqsEndpoint, credentials });
});

afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await emulators?.stop();
});

const attr = (value: string) => ({ DataType: 'String', StringValue: value });

/** A FIFO topic (archived unless `archive` is false) and queues subscribed to it with raw delivery. */
async function topology(options: { archive?: boolean; queues: { fifo: boolean; filterPolicy?: object }[] }) {
  n += 1;
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({
      Name: `archive-${n}.fifo`,
      Attributes: { FifoTopic: 'true', ...(options.archive === false ? {} : { ArchivePolicy: '{"MessageRetentionPeriod":7}' }) },
    }),
  );
  const queues = [];
  for (const [i, q] of options.queues.entries()) {
    const name = `archive-${n}-${i}${q.fifo ? '.fifo' : ''}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: q.fifo ? { FifoQueue: 'true' } : {} }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:${REGION}:${emulators.accountId}:${name}`,
        Attributes: { RawMessageDelivery: 'true', ...(q.filterPolicy ? { FilterPolicy: JSON.stringify(q.filterPolicy) } : {}) },
        ReturnSubscriptionArn: true,
      }),
    );
    queues.push({ url: QueueUrl!, subscriptionArn: SubscriptionArn! });
  }
  return { topicArn: TopicArn!, queues };
}

/** Everything in the queue, received and deleted, in order. */
async function drain(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

async function replay(subscriptionArn: string, policy: object): Promise<string[]> {
  await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: 'ReplayPolicy', AttributeValue: JSON.stringify(policy) }));
  const seen: string[] = [];
  for (;;) {
    const { Attributes = {} } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
    if (seen.at(-1) !== Attributes.ReplayStatus) seen.push(Attributes.ReplayStatus!);
    if (Attributes.ReplayStatus === 'Completed' || Attributes.ReplayStatus === 'Failed') return seen;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function publishAll(topicArn: string, group: string, ids: string[], type = 'a') {
  for (let i = 0; i < ids.length; i += 10) {
    await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: ids.slice(i, i + 10).map((id) => ({
          Id: id,
          Message: JSON.stringify({ id }),
          MessageGroupId: group,
          MessageDeduplicationId: id,
          MessageAttributes: { type: attr(type) },
        })),
      }),
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('the topic archive on the local run', () => {
  test('a replay delivers the window, in topic order, with body, attributes, group and dedup ids kept, and Replayed', async () => {
    // GIVEN a topic with an archive, a FIFO queue and a standard queue, and what was published to it
    const { topicArn, queues } = await topology({ queues: [{ fifo: true }, { fifo: false }] });
    const before = Date.now() - 1;
    await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: '{"id":"single"}', MessageGroupId: 'g1', MessageDeduplicationId: 'single', MessageAttributes: { type: attr('a'), extra: { DataType: 'Number', StringValue: '42' } } }),
    );
    await publishAll(topicArn, 'g1', Array.from({ length: 25 }, (_, i) => `e${i}`));
    const live = await drain(queues[0].url);
    expect(live).toHaveLength(26);
    await drain(queues[1].url);

    // WHEN the FIFO queue's subscription replays from before the first publish
    const statuses = await replay(queues[0].subscriptionArn, { PointType: 'Timestamp', StartingPoint: iso(before) });

    // THEN only that queue gets the 26 messages again, in the order published, with the Replayed attribute
    expect(statuses.at(-1)).toBe('Completed');
    const replayed = await drain(queues[0].url);
    expect(replayed.map((m) => m.Body)).toEqual(live.map((m) => m.Body));
    expect(replayed.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual(live.map((m) => m.Attributes?.MessageDeduplicationId));
    expect(replayed.every((m) => m.Attributes?.MessageGroupId === 'g1')).toBe(true);
    expect(replayed[0].MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'a' },
      extra: { DataType: 'Number', StringValue: '42' },
      Replayed: { DataType: 'String', StringValue: 'true' },
    });
    expect(live[0].MessageAttributes).not.toHaveProperty('Replayed');
    expect(await drain(queues[1].url)).toEqual([]);
  });

  test('the window is honoured at both ends, and the filter policy applies', async () => {
    const { topicArn, queues } = await topology({ queues: [{ fifo: true, filterPolicy: { type: ['a'] } }] });
    await publishAll(topicArn, 'g', ['old']);
    await new Promise((r) => setTimeout(r, 20));
    const start = Date.now();
    await publishAll(topicArn, 'g', ['in-1'], 'a');
    await publishAll(topicArn, 'g', ['filtered'], 'b');
    await publishAll(topicArn, 'g', ['in-2'], 'a');
    const end = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await publishAll(topicArn, 'g', ['late'], 'a');
    await drain(queues[0].url);

    await replay(queues[0].subscriptionArn, { PointType: 'Timestamp', StartingPoint: iso(start), EndingPoint: iso(end) });
    expect((await drain(queues[0].url)).map((m) => m.Body)).toEqual(['{"id":"in-1"}', '{"id":"in-2"}']);
  });

  test('with an EndingPoint the subscription stays paused after the replay, until a policy without one resumes it from there', async () => {
    const { topicArn, queues } = await topology({ queues: [{ fifo: true }] });
    const start = Date.now() - 1;
    await publishAll(topicArn, 'g', ['a1']);
    await new Promise((r) => setTimeout(r, 5));
    const end = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await drain(queues[0].url);
    await replay(queues[0].subscriptionArn, { PointType: 'Timestamp', StartingPoint: iso(start), EndingPoint: iso(end) });
    expect((await drain(queues[0].url)).map((m) => m.Body)).toEqual(['{"id":"a1"}']);

    // Paused: a new message is archived, not delivered; the subscription still reads as confirmed.
    await publishAll(topicArn, 'g', ['while-paused']);
    expect(await drain(queues[0].url)).toEqual([]);
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: queues[0].subscriptionArn }));
    expect(Attributes).toMatchObject({ PendingConfirmation: 'false', ReplayStatus: 'Completed' });

    // Resumed from the ending point: the message published meanwhile comes, then live delivery again.
    await replay(queues[0].subscriptionArn, { PointType: 'Timestamp', StartingPoint: iso(end) });
    expect((await drain(queues[0].url)).map((m) => m.Body)).toEqual(['{"id":"while-paused"}']);
    await publishAll(topicArn, 'g', ['live']);
    expect((await drain(queues[0].url)).map((m) => m.Body)).toEqual(['{"id":"live"}']);
  });

  test('a duplicate the topic accepted within 5 minutes is not archived twice', async () => {
    const { topicArn, queues } = await topology({ queues: [{ fifo: false }] });
    const start = Date.now() - 1;
    await publishAll(topicArn, 'g', ['d1', 'd2']);
    await publishAll(topicArn, 'g', ['d1']);
    await drain(queues[0].url);
    await replay(queues[0].subscriptionArn, { PointType: 'Timestamp', StartingPoint: iso(start) });
    expect((await drain(queues[0].url)).map((m) => m.Body)).toEqual(['{"id":"d1"}', '{"id":"d2"}']);
  });

  test('BeginningArchiveTime, SetTopicAttributes ArchivePolicy, and the refusals SNS gives', async () => {
    const plain = await topology({ archive: false, queues: [{ fifo: true }] });
    const policy = { PointType: 'Timestamp', StartingPoint: iso(Date.now()) };
    await expect(
      sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: plain.queues[0].subscriptionArn, AttributeName: 'ReplayPolicy', AttributeValue: JSON.stringify(policy) })),
    ).rejects.toThrow(/no ArchivePolicy/);
    await expect(
      sns.send(new SetTopicAttributesCommand({ TopicArn: plain.topicArn, AttributeName: 'ArchivePolicy', AttributeValue: '{"MessageRetentionPeriod":366}' })),
    ).rejects.toThrow(/MessageRetentionPeriod must be a whole number of days from 1 to 365/);
    await sns.send(new SetTopicAttributesCommand({ TopicArn: plain.topicArn, AttributeName: 'ArchivePolicy', AttributeValue: '{"MessageRetentionPeriod":"30"}' }));
    const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: plain.topicArn }));
    expect(Attributes.ArchivePolicy).toBe('{"MessageRetentionPeriod":"30"}');
    expect(Date.parse(Attributes.BeginningArchiveTime!)).toBeLessThanOrEqual(Date.now());
    for (const bad of [{ PointType: 'Offset', StartingPoint: policy.StartingPoint }, { PointType: 'Timestamp' }, { ...policy, EndingPoint: iso(0) }]) {
      await expect(
        sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: plain.queues[0].subscriptionArn, AttributeName: 'ReplayPolicy', AttributeValue: JSON.stringify(bad) })),
      ).rejects.toThrow(/ReplayPolicy/);
    }
    const { Attributes: q = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: plain.queues[0].url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(q.ApproximateNumberOfMessages).toBe('0');
  });

  test('the patch refuses another fauxqs version', () => {
    expect(() => archiveAndReplay(class {}, {}, '2.0.0')).toThrow(/fauxqs 2.0.0 is installed; the local run's archive and replay patch is written for 1.9.2/);
  });
});
