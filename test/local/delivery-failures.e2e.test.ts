/**
 * SNS counts a notification it cannot deliver to a subscribed queue (NumberOfNotificationsFailed);
 * fauxqs drops it silently. The local run's patch counts it per topic and subscription, after the
 * filter policy, and the summary and `status --local` show it.
 */
import { CreateTopicCommand, PublishBatchCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { formatDeliveryFailures, readDeliveryFailures } from '../../packages/tools/src/cli/delivery-failures';
import { type Emulators, startEmulators } from '../../packages/tools/src/local/emulators';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let emulators: Emulators;
let sns: SNSClient;
let sqs: SQSClient;

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

const typed = (type: string) => ({ type: { DataType: 'String', StringValue: type } });

test('a subscribed queue that no longer exists: every notification that passes its filter is counted as failed, per topic and subscription', async () => {
  // GIVEN a FIFO topic with three subscribed queues: one kept, one deleted, one deleted but filtering on a type
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'failures.fifo', Attributes: { FifoTopic: 'true' } }));
  const subscribe = async (name: string, filterPolicy?: object) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}.fifo`, Attributes: { FifoQueue: 'true' } }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: Attributes!.QueueArn,
        Attributes: { RawMessageDelivery: 'true', ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}) },
      }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn!, subscriptionArn: SubscriptionArn! };
  };
  const kept = await subscribe('kept');
  const deleted = await subscribe('deleted');
  const filtered = await subscribe('filtered', { type: ['order.paid'] });
  await sqs.send(new DeleteQueueCommand({ QueueUrl: deleted.url }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: filtered.url }));

  // WHEN two events are published one by one and three in a batch, one of the five of the filtered type
  for (const [i, type] of ['order.created', 'order.paid'].entries()) {
    await sns.send(new PublishCommand({ TopicArn, Message: `{"n":${i}}`, MessageGroupId: 'g', MessageDeduplicationId: `one-${i}`, MessageAttributes: typed(type) }));
  }
  await sns.send(
    new PublishBatchCommand({
      TopicArn,
      PublishBatchRequestEntries: [0, 1, 2].map((i) => ({
        Id: `e${i}`,
        Message: `{"b":${i}}`,
        MessageGroupId: 'g',
        MessageDeduplicationId: `batch-${i}`,
        MessageAttributes: typed('order.shipped'),
      })),
    }),
  );

  // THEN the deleted queue's subscription failed all five, the filtered one the one it matches, the kept queue none
  const [failures] = await readDeliveryFailures(sns, [TopicArn!]);
  expect(failures.failed).toBe(6);
  expect(Object.fromEntries(failures.subscriptions.map((s) => [s.queueArn, s.failed]))).toEqual({ [deleted.arn]: 5, [filtered.arn]: 1 });
  expect(failures.subscriptions.map((s) => s.subscriptionArn).sort()).toEqual([deleted.subscriptionArn, filtered.subscriptionArn].sort());
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: kept.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  expect(Attributes!.ApproximateNumberOfMessages).toBe('5');

  // AND the summary's (and status --local's) lines say so
  expect(formatDeliveryFailures([failures])).toEqual([
    '',
    "SNS DELIVERY FAILURES (NumberOfNotificationsFailed; on AWS the topic's delivery-failures alarm fires):",
    '  failures.fifo: 6 notifications not delivered',
    ...failures.subscriptions.map((s) => `    ${s.failed} to ${s.queueArn.split(':').pop()}, which does not exist (subscription ${s.subscriptionArn.split(':').pop()})`),
  ]);
});

test('a topic whose queues all exist has no delivery failures, and prints nothing', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'fine.fifo', Attributes: { FifoTopic: 'true' } }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'fine.fifo', Attributes: { FifoQueue: 'true' } }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  await sns.send(new PublishCommand({ TopicArn, Message: '{}', MessageGroupId: 'g', MessageDeduplicationId: 'x' }));

  const failures = await readDeliveryFailures(sns, [TopicArn!]);
  expect(failures).toEqual([{ topicArn: TopicArn, failed: 0, subscriptions: [] }]);
  expect(formatDeliveryFailures(failures)).toEqual([]);
});
