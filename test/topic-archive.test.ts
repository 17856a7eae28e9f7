import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline, FanOutTopic, Stage } from '../lib';
import { synthStack } from './helpers/stack';

const newStack = () => new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
const topicProps = (template: Template) => Object.values(template.findResources('AWS::SNS::Topic'))[0].Properties;

describe('the topic archive (messageRetentionPeriodInDays)', () => {
  test('FanOutTopic: the FIFO topic archives its messages for the days given', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new FanOutTopic(stack, 'Events', { messageRetentionPeriodInDays: 14 });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      FifoTopic: true,
      ArchivePolicy: { MessageRetentionPeriod: 14 },
    });
  });

  test('EventPipeline: the topic it creates archives its messages for the days given', () => {
    const stack = newStack();
    new EventPipeline(stack, 'Orders', { messageRetentionPeriodInDays: 90 });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { ArchivePolicy: { MessageRetentionPeriod: 90 } });
  });

  test('no archive by default, on either construct', () => {
    const fanOut = newStack();
    new FanOutTopic(fanOut, 'Events');
    const pipeline = newStack();
    new EventPipeline(pipeline, 'Orders');
    expect(topicProps(Template.fromStack(fanOut))).not.toHaveProperty('ArchivePolicy');
    expect(topicProps(Template.fromStack(pipeline))).not.toHaveProperty('ArchivePolicy');
  });

  test.each([1, 365])('%i days, a bound, is allowed', (days) => {
    const stack = newStack();
    new EventPipeline(stack, 'Orders', { messageRetentionPeriodInDays: days });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { ArchivePolicy: { MessageRetentionPeriod: days } });
  });

  test.each([0, 366, 1.5, -1])('%d days is refused, by both constructs', (days) => {
    const message = new RegExp(`messageRetentionPeriodInDays must be a whole number between 1 and 365 days \\(got ${days}\\)`);
    expect(() => new FanOutTopic(newStack(), 'Events', { messageRetentionPeriodInDays: days })).toThrow(message);
    expect(() => new EventPipeline(newStack(), 'Orders', { messageRetentionPeriodInDays: days })).toThrow(message);
  });

  test('a token is used as it is, not range-checked', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'ArchiveDays', { type: 'Number' }).valueAsNumber;
    new EventPipeline(stack, 'Orders', { messageRetentionPeriodInDays: days });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      ArchivePolicy: { MessageRetentionPeriod: { Ref: 'ArchiveDays' } },
    });
  });

  test('refused with a topic of your own, with the other problems of the props', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:123456789012:orders.fifo');
    let error: Error | undefined;
    try {
      new EventPipeline(stack, 'Orders', { topic, messageRetentionPeriodInDays: 400, eventLog: { batchSize: 0 } });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/messageRetentionPeriodInDays must be a whole number between 1 and 365 days \(got 400\)/);
    expect(error?.message).toMatch(
      /messageRetentionPeriodInDays: only for the FIFO topic the construct creates \(got 400 with a topic of your own\)/,
    );
    expect(error?.message).toMatch(/eventLog\.batchSize must be a whole number between 1 and 10000/);
    expect(stack.node.findAll().filter((c) => c.node.path.startsWith('Test/Orders/'))).toEqual([]);
  });
});

describe('the sample stack archives its topic', () => {
  test('7 days in sandbox', () => {
    synthStack({ stage: Stage.SANDBOX }).template.hasResourceProperties('AWS::SNS::Topic', {
      ArchivePolicy: { MessageRetentionPeriod: 7 },
    });
  });

  test('30 days in prod', () => {
    synthStack({ stage: Stage.PROD }).template.hasResourceProperties('AWS::SNS::Topic', {
      ArchivePolicy: { MessageRetentionPeriod: 30 },
    });
  });

  test('the pipeline props win, and a topic of their own gets no archive default', () => {
    synthStack({ pipeline: { messageRetentionPeriodInDays: 2 } }).template.hasResourceProperties('AWS::SNS::Topic', {
      ArchivePolicy: { MessageRetentionPeriod: 2 },
    });
    // An imported topic: synthStack would refuse a default archive with it.
    const topic = sns.Topic.fromTopicArn(newStack(), 'Own', 'arn:aws:sns:eu-west-1:123456789012:orders.fifo');
    synthStack({ pipeline: { topic } }).template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});
