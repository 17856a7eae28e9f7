/**
 * SNS → SQS delivery failures: the alarm on the topic's NumberOfNotificationsFailed, and the
 * opt-in subscription dead-letter queue of each consumer.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EventPipeline, FanOutTopic, QueueConsumer, QueueConsumerProps } from '../lib';
import { synthStack } from './helpers/stack';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })');
const idOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const newStack = () => new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');

function consumer(
  stack: Stack,
  props: Partial<QueueConsumerProps> & { topicFifo?: boolean } = {},
): { consumer: QueueConsumer; topic: sns.Topic; key: kms.Key } {
  const { topicFifo = true, ...rest } = props;
  const topic = new sns.Topic(stack, 'Topic', { fifo: topicFifo });
  const key = new kms.Key(stack, 'Key');
  return { consumer: new QueueConsumer(stack, 'Consumer', { topic, encryptionKey: key, code, ...rest }), topic, key };
}

describe('the delivery-failures alarm', () => {
  test("the sample app alarms on its topic's NumberOfNotificationsFailed, Sum over 1 minute above 0", () => {
    const { stack, template } = synthStack();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [idOf(stack, stack.pipeline.topic), 'TopicName'] } }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
  });

  test('a FanOutTopic used alone has the alarm, notifying its alarm topic of alarm and OK', () => {
    const stack = newStack();
    const ops = new sns.Topic(stack, 'Ops');
    const fanOut = new FanOutTopic(stack, 'FanOut', { alarmTopic: ops });
    const actions = [{ Ref: idOf(stack, ops) }];
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [idOf(stack, fanOut.topic), 'TopicName'] } }],
      AlarmActions: actions,
      OKActions: actions,
    });
    expect(fanOut.deliveryFailures).toBeDefined();
  });

  test('a pipeline on a given topic alarms on that topic, once', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Given', 'arn:aws:sns:eu-west-1:123456789012:given.fifo');
    const pipeline = new EventPipeline(stack, 'Pipeline', { topic });
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'NumberOfNotificationsFailed' }, 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: 'given.fifo' }],
    });
    expect(pipeline.deliveryFailures).toBeDefined();
  });
});

describe('the subscription dead-letter queue', () => {
  test('is off by default: no redrive policy on the subscriptions, no extra queue', () => {
    const { template } = synthStack();
    template.allResourcesProperties('AWS::SNS::Subscription', { RedrivePolicy: Match.absent() });
    template.resourceCountIs('AWS::SQS::Queue', 4);
  });

  test('created for a standard queue on a FIFO topic, it is FIFO, keyed, kept 14 days, and the redrive target', () => {
    const stack = newStack();
    const { consumer: c, key } = consumer(stack, { fifo: false, createSubscriptionDeadLetterQueue: true });
    const template = Template.fromStack(stack);
    const dlq = idOf(stack, c.subscriptionDeadLetterQueue!);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [idOf(stack, key), 'Arn'] },
      MessageRetentionPeriod: 1209600,
      QueueName: Match.absent(),
    });
    expect(template.toJSON().Resources[dlq].Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [idOf(stack, c.queue), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    });
  });

  test('created for a FIFO queue on a FIFO topic, it is FIFO too', () => {
    const stack = newStack();
    const { consumer: c } = consumer(stack, { fifo: true, createSubscriptionDeadLetterQueue: true });
    const props = Template.fromStack(stack).toJSON().Resources[idOf(stack, c.subscriptionDeadLetterQueue!)].Properties;
    expect(props.FifoQueue).toBe(true);
  });

  test('created for a standard topic, it is standard', () => {
    const stack = newStack();
    const { consumer: c } = consumer(stack, { topicFifo: false, createSubscriptionDeadLetterQueue: true });
    const props = Template.fromStack(stack).toJSON().Resources[idOf(stack, c.subscriptionDeadLetterQueue!)].Properties;
    expect(props.FifoQueue).toBeUndefined();
  });

  test('its queue policy lets SNS send from this topic only, and refuses plaintext', () => {
    const stack = newStack();
    const { consumer: c, topic } = consumer(stack, { createSubscriptionDeadLetterQueue: true });
    const template = Template.fromStack(stack);
    const dlq = idOf(stack, c.subscriptionDeadLetterQueue!);
    const policies = Object.entries(template.findResources('AWS::SQS::QueuePolicy')).filter(([, p]) =>
      JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: dlq }]),
    );
    expect(policies).toHaveLength(1);
    const [policyId, policy] = policies[0];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: { 'Fn::GetAtt': [dlq, 'Arn'] },
      },
      {
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': { Ref: idOf(stack, topic) } } },
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Resource: { 'Fn::GetAtt': [dlq, 'Arn'] },
      },
    ]);
    // The subscription is created once SNS may send to it.
    const [, sub] = Object.entries(template.findResources('AWS::SNS::Subscription'))[0];
    expect(sub.DependsOn).toContain(policyId);
  });

  test('is alarmed while it holds a message, with the consumer alarm topic', () => {
    const stack = newStack();
    const ops = new sns.Topic(stack, 'Ops');
    const { consumer: c } = consumer(stack, { createSubscriptionDeadLetterQueue: true, alarmTopic: ops });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(stack, c.subscriptionDeadLetterQueue!), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: idOf(stack, ops) }],
    });
    expect(c.alarms.alarms).toHaveLength(5);
    expect(c.alarms.alarms).toContain(c.alarms.subscriptionDeadLetters);
  });

  test('a queue given is the redrive target, and no queue is created', () => {
    const stack = newStack();
    const given = new sqs.Queue(stack, 'Given', { fifo: true });
    const { consumer: c } = consumer(stack, { subscriptionDeadLetterQueue: given });
    expect(c.subscriptionDeadLetterQueue).toBe(given);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [idOf(stack, given), 'Arn'] } },
    });
    template.resourceCountIs('AWS::SQS::Queue', 3);
  });

  test('the pipeline passes the option to both consumers: two FIFO subscription dead-letter queues', () => {
    const { stack, template } = synthStack({
      pipeline: { eventLog: { createSubscriptionDeadLetterQueue: true }, stateProjector: { createSubscriptionDeadLetterQueue: true } },
    });
    for (const c of [stack.pipeline.eventLog, stack.pipeline.stateProjector]) {
      const dlq = idOf(stack, c.subscriptionDeadLetterQueue!);
      expect(template.toJSON().Resources[dlq].Properties.FifoQueue).toBe(true);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Endpoint: { 'Fn::GetAtt': [idOf(stack, c.queue), 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      });
    }
  });
});

describe('the subscription dead-letter queue kind and options are checked at synth', () => {
  test('a standard queue for a FIFO topic subscription is refused, naming the prop', () => {
    const stack = newStack();
    expect(() => consumer(stack, { fifo: false, subscriptionDeadLetterQueue: new sqs.Queue(stack, 'Std') })).toThrow(
      /subscriptionDeadLetterQueue: must be a FIFO queue, because the topic is FIFO .*got a standard queue Test\/Std/,
    );
  });

  test('a FIFO queue for a standard topic subscription is refused, naming the prop', () => {
    const stack = newStack();
    expect(() =>
      consumer(stack, { topicFifo: false, subscriptionDeadLetterQueue: new sqs.Queue(stack, 'Fifo', { fifo: true }) }),
    ).toThrow(/subscriptionDeadLetterQueue: must be a standard queue, because the topic is standard .*got a FIFO queue Test\/Fifo/);
  });

  test('both a queue and createSubscriptionDeadLetterQueue is refused', () => {
    const stack = newStack();
    expect(() =>
      consumer(stack, { subscriptionDeadLetterQueue: new sqs.Queue(stack, 'Fifo', { fifo: true }), createSubscriptionDeadLetterQueue: true }),
    ).toThrow(/createSubscriptionDeadLetterQueue: give either this or subscriptionDeadLetterQueue \(got both\)/);
  });

  test('the pipeline names the consumer: a standard queue for the event log is refused with the other problems', () => {
    const stack = newStack();
    const std = new sqs.Queue(stack, 'Std');
    expect(() => new EventPipeline(stack, 'Pipeline', { eventLog: { subscriptionDeadLetterQueue: std, batchSize: 0 } })).toThrow(
      /eventLog\.batchSize[\s\S]*eventLog\.subscriptionDeadLetterQueue: must be a FIFO queue/,
    );
  });
});
