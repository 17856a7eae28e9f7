import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulators, type Emulators } from '../../packages/tools/src/local/emulators';
import { SnsWire, SnsWireError, parsePublishBatch } from '../../packages/tools/src/local/sns-wire';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let emulators: Emulators;
let wire: SnsWire;
let topicArn: string;
let queueUrl: string;

beforeAll(async () => {
  emulators = await startEmulators(REGION);
  wire = new SnsWire(emulators.snsSqsEndpoint, REGION);
  const sns = new SNSClient({ region: REGION, endpoint: emulators.snsSqsEndpoint, credentials });
  const sqs = new SQSClient({ region: REGION, endpoint: emulators.snsSqsEndpoint, credentials });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'wire.fifo', Attributes: { FifoTopic: 'true' } }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'wire.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  sns.destroy();
  sqs.destroy();
});

afterAll(async () => {
  wire?.destroy();
  await emulators?.stop();
});

test('PublishBatch delivers each entry with its body, group and attributes', async () => {
  const outcome = await wire.publishBatch(topicArn, [
    { Id: '0', Message: '{"a":"x&y <z>"}', MessageGroupId: 'g', MessageDeduplicationId: 'd0', MessageAttributes: { type: { DataType: 'String', StringValue: 't1' } } },
    { Id: '1', Message: 'second', MessageGroupId: 'g', MessageDeduplicationId: 'd1' },
  ]);
  const sqs = new SQSClient({ region: REGION, endpoint: emulators.snsSqsEndpoint, credentials });
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['MessageGroupId'] }),
  );
  sqs.destroy();
  expect({ outcome, received: Messages.map((m) => [m.Body, m.Attributes?.MessageGroupId, m.MessageAttributes?.type?.StringValue]) }).toEqual({
    outcome: { successful: 2, failed: [] },
    received: [
      ['{"a":"x&y <z>"}', 'g', 't1'],
      ['second', 'g', undefined],
    ],
  });
});

test('an entry the topic refuses comes back as failed with its code', async () => {
  const outcome = await wire.publishBatch(topicArn, [{ Id: '0', Message: 'no group', MessageDeduplicationId: 'd2' }]);
  expect(outcome.failed).toEqual([{ Id: '0', Code: 'InvalidParameter', Message: expect.stringContaining('MessageGroupId') }]);
});

test('a refused call throws with the error code', async () => {
  await expect(wire.publishBatch(`${topicArn}-missing`, [{ Id: '0', Message: 'm', MessageGroupId: 'g' }])).rejects.toThrow(SnsWireError);
});

test('parsePublishBatch reads failed members and unescapes their text', () => {
  const xml =
    '<PublishBatchResult><Successful><member><Id>0</Id></member></Successful>' +
    '<Failed><member><Id>1</Id><Code>InvalidParameter</Code><Message>a &lt;b&gt; &amp; c</Message></member></Failed></PublishBatchResult>';
  expect(parsePublishBatch(xml)).toEqual({ successful: 1, failed: [{ Id: '1', Code: 'InvalidParameter', Message: 'a <b> & c' }] });
});
