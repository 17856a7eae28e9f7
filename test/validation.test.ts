import { App, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EventPipeline, EventPipelineProps, EventPipelineStack, QueueConsumer, QueueConsumerProps, Stage } from '../lib';

const newStack = () => new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })');

function consumer(props: Partial<QueueConsumerProps> & { fifoTopic?: boolean } = {}) {
  const stack = newStack();
  const topic = new sns.Topic(stack, 'Topic', { fifo: props.fifoTopic ?? true });
  const encryptionKey = new kms.Key(stack, 'Key');
  return () => new QueueConsumer(stack, 'Consumer', { topic, encryptionKey, code, ...props });
}
const pipeline = (props: EventPipelineProps) => () => new EventPipeline(newStack(), 'Pipeline', props);

describe('synth-time checks', () => {
  test('a FIFO queue subscribed to a standard topic', () => {
    expect(consumer({ fifo: true, fifoTopic: false })).toThrow(
      /topic: a FIFO queue can only subscribe to a FIFO SNS topic \(got the standard topic Test\/Topic\)/,
    );
  });

  test('an EventPipeline given a standard topic', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Standard', 'arn:aws:sns:eu-west-1:123456789012:events');
    expect(() => new EventPipeline(stack, 'Pipeline', { topic })).toThrow(/topic: must be a FIFO topic/);
  });

  test('a DLQ whose kind differs from its queue', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    const encryptionKey = new kms.Key(stack, 'Key');
    const deadLetterQueue = new sqs.Queue(stack, 'Dlq');
    expect(
      () => new QueueConsumer(stack, 'C', { topic, encryptionKey, code, fifo: true, deadLetterQueue }),
    ).toThrow(/deadLetterQueue: must be FIFO like its queue \(got a standard queue\)/);
  });

  test('a standard queue with a FIFO DLQ', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    const encryptionKey = new kms.Key(stack, 'Key');
    const deadLetterQueue = new sqs.Queue(stack, 'Dlq', { fifo: true });
    expect(() => new QueueConsumer(stack, 'C', { topic, encryptionKey, code, deadLetterQueue })).toThrow(
      /deadLetterQueue: must be standard like its queue \(got a FIFO queue\)/,
    );
  });

  test.each([
    ['under 60 seconds', Duration.seconds(59), 59],
    ['over 14 days', Duration.seconds(1209601), 1209601],
  ])('a queue retentionPeriod %s', (_name, retentionPeriod, got) => {
    expect(consumer({ retentionPeriod })).toThrow(
      new RegExp(`retentionPeriod must be a whole number between 60 and 1209600 seconds \\(got ${got}\\)`),
    );
  });

  test.each([127, 10241])('a memorySize of %i MB', (memorySize) => {
    expect(consumer({ memorySize })).toThrow(new RegExp(`memorySize must be a whole number between 128 and 10240 MB \\(got ${memorySize}\\)`));
  });

  test.each([1, 1001])('a maxConcurrency of %i', (maxConcurrency) => {
    expect(consumer({ maxConcurrency })).toThrow(new RegExp(`maxConcurrency must be a whole number between 2 and 1000 \\(got ${maxConcurrency}\\)`));
  });

  test('a visibility timeout over 12 hours', () => {
    expect(consumer({ visibilityTimeout: Duration.seconds(43201) })).toThrow(
      /visibilityTimeout must be a whole number between 0 and 43200 seconds \(got 43201\)/,
    );
  });

  test('the bounds themselves are allowed', () => {
    for (const props of [
      { retentionPeriod: Duration.seconds(60), memorySize: 128, maxConcurrency: 2 },
      { retentionPeriod: Duration.days(14), memorySize: 10240, maxConcurrency: 1000, visibilityTimeout: Duration.hours(12) },
    ]) {
      expect(consumer(props)).not.toThrow();
    }
  });

  test('a visibility timeout under 6 × the function timeout plus the batching window', () => {
    expect(
      consumer({ timeout: Duration.seconds(30), maxBatchingWindow: Duration.seconds(5), visibilityTimeout: Duration.seconds(184) }),
    ).toThrow(/visibilityTimeout: must be at least 6 × timeout \+ maxBatchingWindow = 185 seconds \(got 184 seconds\)/);
  });

  test('maxReceiveCount of 0', () => {
    expect(consumer({ maxReceiveCount: 0 })).toThrow(/maxReceiveCount must be a whole number between 1 and 1000 \(got 0\)/);
  });

  test('maxReceiveCount over 1000', () => {
    expect(consumer({ maxReceiveCount: 1001 })).toThrow(/maxReceiveCount must be a whole number between 1 and 1000 \(got 1001\)/);
  });

  test('maxReceiveCount below 5 warns', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    new QueueConsumer(stack, 'C', { topic, encryptionKey: new kms.Key(stack, 'Key'), code, maxReceiveCount: 2 });
    Annotations.fromStack(stack).hasWarning('/Test/C', Match.stringLikeRegexp('maxReceiveCount 2 is below 5'));
  });

  test('a FIFO batch size over 10', () => {
    expect(consumer({ fifo: true, batchSize: 11 })).toThrow(
      /batchSize must be a whole number between 1 and 10 on a FIFO queue \(got 11\)/,
    );
  });

  test('a batching window on a FIFO queue', () => {
    expect(consumer({ fifo: true, maxBatchingWindow: Duration.seconds(1) })).toThrow(
      /maxBatchingWindow: not allowed on a FIFO queue \(got 1 second\)/,
    );
  });

  test('a standard batch size over 10 without a batching window', () => {
    expect(consumer({ batchSize: 50, maxBatchingWindow: Duration.seconds(0) })).toThrow(
      /batchSize: over 10 needs a maxBatchingWindow of at least 1 second \(got batchSize 50, window 0s\)/,
    );
  });

  test('event retention under 1 day', () => {
    expect(pipeline({ eventRetention: Duration.hours(12) })).toThrow(
      /eventRetention must be a whole number between 1 and 3650 days \(got 0.5\)/,
    );
  });

  test('event retention over 3650 days', () => {
    expect(pipeline({ eventRetention: Duration.days(3651) })).toThrow(
      /eventRetention must be a whole number between 1 and 3650 days \(got 3651\)/,
    );
  });

  test('a consumer used alone without code', () => {
    expect(consumer({ code: undefined })).toThrow(/code: required for a QueueConsumer used alone/);
  });

  test('eventTypes and filterPolicy together', () => {
    expect(
      consumer({ eventTypes: ['a'], filterPolicy: { type: sns.SubscriptionFilter.stringFilter({ allowlist: ['b'] }) } }),
    ).toThrow(/eventTypes, filterPolicy: give one or the other, not both/);
  });

  test('every problem is reported at once', () => {
    expect(
      consumer({ fifo: true, fifoTopic: false, batchSize: 20, maxReceiveCount: 0, maxBatchingWindow: Duration.seconds(2) }),
    ).toThrow(/Invalid QueueConsumer \(Test\/Consumer\) props:\n {2}- topic: .*\n {2}- maxReceiveCount.*\n {2}- batchSize.*\n {2}- maxBatchingWindow/);
  });

  test('a stage other than sandbox or prod', () => {
    expect(() => new EventPipelineStack(new App(), 'S', { stage: 'dev' as Stage })).toThrow(
      /stage must be 'sandbox' or 'prod' \(got 'dev'\)/,
    );
  });
});

describe('imported topics', () => {
  test('an imported topic whose ARN is a token only warns that its kind is unknown', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Imported', Fn.importValue('TopicArn'));
    new QueueConsumer(stack, 'C', { topic, encryptionKey: new kms.Key(stack, 'Key'), code, fifo: true });
    Annotations.fromStack(stack).hasWarning('/Test/C', Match.stringLikeRegexp('cannot tell whether the imported topic'));
  });

  test('an imported standard topic with a known ARN is refused', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:eu-west-1:123456789012:events');
    expect(
      () => new QueueConsumer(stack, 'C', { topic, encryptionKey: new kms.Key(stack, 'Key'), code, fifo: true }),
    ).toThrow(/topic: a FIFO queue can only subscribe to a FIFO SNS topic/);
  });
});
