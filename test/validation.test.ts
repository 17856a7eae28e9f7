import { App, CfnParameter, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  EventPipeline,
  EventPipelineProps,
  EventPipelineStack,
  PipelineDashboard,
  PipelinePropsError,
  QueueConsumer,
  QueueConsumerProps,
  Stage,
} from '../lib';

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

  test('a fifoThroughputScope with a topic the pipeline does not create', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:eu-west-1:123456789012:events.fifo');
    const error = propsErrorOf(() => new EventPipeline(stack, 'Pipeline', { topic, fifoThroughputScope: sns.FifoThroughputScope.MESSAGE_GROUP }));
    expect(error.problems).toEqual([
      'fifoThroughputScope: applies only to the topic the pipeline creates (got MessageGroup with the topic Test/Imported given in topic); ' +
        'remove topic, or remove fifoThroughputScope and set the scope on your own topic (sns.Topic with fifo: true and fifoThroughputScope)',
    ]);
  });

  test('a fifoThroughputScope with a standard topic: both problems at once', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Standard');
    const error = propsErrorOf(() => new EventPipeline(stack, 'Pipeline', { topic, fifoThroughputScope: sns.FifoThroughputScope.TOPIC }));
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['topic', 'fifoThroughputScope']);
    expect(error.problems[1]).toMatch(/got Topic with the topic Test\/Standard given in topic/);
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

  test('provisionedPollers together with maxConcurrency', () => {
    expect(propsErrorOf(consumer({ maxConcurrency: 50, provisionedPollers: { minimumPollers: 2 } })).problems).toEqual([
      'provisionedPollers, maxConcurrency: give one or the other, not both (got maxConcurrency 50 and provisionedPollers); ' +
        'in provisioned mode provisionedPollers.maximumPollers caps the concurrency (up to 10 invocations a poller)',
    ]);
  });

  test.each([1, 201, 2.5])('a minimumPollers of %s', (minimumPollers) => {
    expect(consumer({ provisionedPollers: { minimumPollers } })).toThrow(
      `provisionedPollers.minimumPollers must be a whole number between 2 and 200 on an SQS event source (got ${minimumPollers})`,
    );
  });

  test.each([1, 2001])('a maximumPollers of %s', (maximumPollers) => {
    expect(consumer({ provisionedPollers: { maximumPollers } })).toThrow(
      `provisionedPollers.maximumPollers must be a whole number between 2 and 2000 on an SQS event source (got ${maximumPollers})`,
    );
  });

  test('a minimumPollers above maximumPollers', () => {
    expect(propsErrorOf(consumer({ provisionedPollers: { minimumPollers: 20, maximumPollers: 10 } })).problems).toEqual([
      'provisionedPollers.minimumPollers: must not be above maximumPollers (got minimumPollers 20, maximumPollers 10)',
    ]);
  });

  test('provisioned pollers at their bounds, and on a FIFO queue, are allowed', () => {
    for (const provisionedPollers of [{ minimumPollers: 2, maximumPollers: 2 }, { minimumPollers: 200, maximumPollers: 2000 }, {}]) {
      expect(consumer({ provisionedPollers })).not.toThrow();
      expect(consumer({ fifo: true, provisionedPollers })).not.toThrow();
    }
  });

  test('a pipeline names the provisioned pollers of each consumer with its path, among its other problems', () => {
    const error = propsErrorOf(
      pipeline({
        eventRetention: Duration.days(0),
        eventLog: { provisionedPollers: { maximumPollers: 5000 } },
        stateProjector: { maxConcurrency: 10, provisionedPollers: { minimumPollers: 300 } },
      }),
    );
    expect(error.problems).toEqual([
      'eventRetention must be a whole number between 1 and 3650 days (got 0)',
      'eventLog.provisionedPollers.maximumPollers must be a whole number between 2 and 2000 on an SQS event source (got 5000)',
      'stateProjector.provisionedPollers, stateProjector.maxConcurrency: give one or the other, not both (got maxConcurrency 10 and provisionedPollers); ' +
        'in provisioned mode stateProjector.provisionedPollers.maximumPollers caps the concurrency (up to 10 invocations a poller)',
      'stateProjector.provisionedPollers.minimumPollers must be a whole number between 2 and 200 on an SQS event source (got 300)',
    ]);
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

  test.each([
    ['empty', '', '""'],
    ['in an AWS namespace', 'AWS/Lambda', '"AWS/Lambda"'],
    ['over 255 characters', 'n'.repeat(256), `"${'n'.repeat(256)}"`],
  ])('a metricsNamespace %s', (_name, metricsNamespace, got) => {
    expect(consumer({ metricsNamespace })).toThrow(`metricsNamespace: must be 1 to 255 characters, not starting with AWS/ (got ${got})`);
  });

  test.each([
    ['empty', '', 0],
    ['over 1,024 characters', 'p'.repeat(1025), 1025],
  ])('a pipelineName %s', (_name, pipelineName, got) => {
    expect(consumer({ pipelineName })).toThrow(`pipelineName: must be 1 to 1,024 characters, a CloudWatch dimension value (got ${got} characters)`);
  });

  test('a metricsNamespace and a pipelineName at their bounds are allowed', () => {
    expect(consumer({ metricsNamespace: 'n'.repeat(255), pipelineName: 'p'.repeat(1024) })).not.toThrow();
    expect(consumer({ metricsNamespace: 'n', pipelineName: 'p' })).not.toThrow();
  });

  test('a dashboardName CloudWatch refuses', () => {
    expect(pipeline({ dashboard: { dashboardName: 'orders pipeline' } })).toThrow(
      `dashboard.dashboardName: must be 1 to 255 letters, digits, '-' or '_' (got "orders pipeline")`,
    );
  });

  test('a dashboard period under a minute', () => {
    expect(pipeline({ dashboard: { period: Duration.seconds(30) } })).toThrow(
      'dashboard.period must be a whole number between 60 and 86400 seconds (got 30)',
    );
  });

  test('a dashboard period that is not a whole number of minutes', () => {
    expect(pipeline({ dashboard: { period: Duration.seconds(90) } })).toThrow('dashboard.period: must be a whole number of minutes (got 90 seconds)');
  });

  test('a PipelineDashboard of no consumer', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    expect(() => new PipelineDashboard(stack, 'Dashboard', { topic, consumers: [], period: Duration.seconds(90) })).toThrow(
      /Invalid PipelineDashboard \(Test\/Dashboard\) props:\n {2}- period: must be a whole number of minutes \(got 90 seconds\)\n {2}- consumers: must name at least one consumer \(got \[\]\)/,
    );
  });

  test('an EventPipeline checks its dashboard options before it creates anything', () => {
    const stack = newStack();
    expect(propsErrorOf(() => new EventPipeline(stack, 'Pipeline', { dashboard: { period: Duration.seconds(90) } })).message).toMatch(/period: must be a whole number of minutes/);
    expect(stack.node.findChild('Pipeline').node.children).toEqual([]);
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

/** The error `build` throws, or undefined. */
function errorOf(build: () => unknown): unknown {
  try {
    build();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The props error `build` throws; anything else fails the test. */
function propsErrorOf(build: () => unknown) {
  const error = errorOf(build);
  if (!PipelinePropsError.isPipelinePropsError(error)) throw new Error(`expected a PipelinePropsError, got ${String(error)}`);
  return error;
}

describe('PipelinePropsError', () => {
  test('recognises the error the constructs throw: an Error named PipelinePropsError, its message listing every problem', () => {
    // GIVEN two bad props
    const build = pipeline({ eventRetention: Duration.days(0), stateProjector: { batchSize: 11 } });

    // WHEN
    const error = propsErrorOf(build);

    // THEN
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PipelinePropsError');
    expect(error.message).toBe(
      'Invalid EventPipeline (Test/Pipeline) props:\n' +
        '  - eventRetention must be a whole number between 1 and 3650 days (got 0)\n' +
        '  - stateProjector.batchSize must be a whole number between 1 and 10 on a FIFO queue (got 11)',
    );
  });

  test('recognises nothing else: another Error, one with the same name, null, a string, a plain object', () => {
    const lookalike = Object.assign(new Error('Invalid'), { name: 'PipelinePropsError', construct: 'X', problems: [] });
    for (const x of [new Error('Invalid EventPipeline props'), lookalike, null, undefined, 'PipelinePropsError', { problems: [] }]) {
      expect(PipelinePropsError.isPipelinePropsError(x)).toBe(false);
    }
  });
});

describe('an EventPipeline reports the problems of its own props and of both consumers together', () => {
  test('a bad eventRetention, four bad eventLog props and three bad stateProjector props make one error of eight problems', () => {
    // GIVEN
    const stack = newStack();
    const props: EventPipelineProps = {
      eventRetention: Duration.days(3651),
      eventLog: { batchSize: 20000, maxReceiveCount: 0, memorySize: 64, eventTypes: [] },
      stateProjector: { batchSize: 11, maxBatchingWindow: Duration.seconds(1), maxConcurrency: 1 },
    };

    // WHEN
    const error = propsErrorOf(() => new EventPipeline(stack, 'Pipeline', props));

    // THEN one error, from the pipeline, names each prop with its path
    expect(error.construct).toBe('EventPipeline (Test/Pipeline)');
    expect(error.problems).toEqual([
      'eventRetention must be a whole number between 1 and 3650 days (got 3651)',
      'eventLog.maxReceiveCount must be a whole number between 1 and 1000 (got 0)',
      'eventLog.batchSize must be a whole number between 1 and 10000 on a standard queue (got 20000)',
      'eventLog.memorySize must be a whole number between 128 and 10240 MB (got 64)',
      'eventLog.eventTypes: must name at least one type (got [])',
      'stateProjector.batchSize must be a whole number between 1 and 10 on a FIFO queue (got 11)',
      'stateProjector.maxBatchingWindow: not allowed on a FIFO queue (got 1 second); remove it',
      'stateProjector.maxConcurrency must be a whole number between 2 and 1000 (got 1)',
    ]);
  });

  test('nothing is created before the props are checked', () => {
    const stack = newStack();
    expect(() => new EventPipeline(stack, 'Pipeline', { stateProjector: { batchSize: 11 } })).toThrow(
      /stateProjector\.batchSize must be a whole number between 1 and 10 on a FIFO queue \(got 11\)/,
    );
    expect(stack.node.findChild('Pipeline').node.children).toEqual([]);
  });

  test('a consumer problem names the consumer in its path', () => {
    expect(pipeline({ eventLog: { timeout: Duration.seconds(30), visibilityTimeout: Duration.seconds(180) } })).toThrow(
      /Invalid EventPipeline \(Test\/Pipeline\) props:\n {2}- eventLog\.visibilityTimeout: must be at least 6 × timeout \+ maxBatchingWindow = 181 seconds \(got 180 seconds\)/,
    );
  });

  test('eventTypes and filterPolicy together, named with their paths', () => {
    const filterPolicy = { type: sns.SubscriptionFilter.stringFilter({ allowlist: ['b'] }) };
    expect(pipeline({ stateProjector: { eventTypes: ['a'], filterPolicy } })).toThrow(
      /stateProjector\.eventTypes, stateProjector\.filterPolicy: give one or the other, not both/,
    );
  });

  test('a warning about a consumer prop is given once, by the consumer', () => {
    const stack = newStack();
    new EventPipeline(stack, 'Pipeline', { stateProjector: { maxReceiveCount: 2 } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('maxReceiveCount 2 is below 5'));
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Pipeline/StateProjector']);
  });
});

describe('durations AWS takes in whole seconds', () => {
  test('a sub-second timeout', () => {
    expect(consumer({ timeout: Duration.millis(500) })).toThrow(/timeout must be a whole number between 1 and 900 seconds \(got 0.5\)/);
  });

  test('a timeout that is not a whole number of seconds', () => {
    expect(consumer({ timeout: Duration.millis(1500) })).toThrow(/timeout must be a whole number between 1 and 900 seconds \(got 1.5\)/);
  });

  test('a batching window that is not a whole number of seconds', () => {
    expect(consumer({ maxBatchingWindow: Duration.millis(1500) })).toThrow(
      /maxBatchingWindow must be a whole number between 0 and 300 seconds \(got 1.5\)/,
    );
  });

  test('a pipeline consumer timeout that is not a whole number of seconds', () => {
    expect(pipeline({ eventLog: { timeout: Duration.millis(1500) } })).toThrow(
      /eventLog\.timeout must be a whole number between 1 and 900 seconds \(got 1.5\)/,
    );
  });

  test('an event retention that is not a whole number of days', () => {
    expect(pipeline({ eventRetention: Duration.hours(36) })).toThrow(/eventRetention must be a whole number between 1 and 3650 days \(got 1.5\)/);
  });

  test('a maxMessageAge that is not a whole number of seconds sets a fractional alarm threshold', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    new QueueConsumer(stack, 'C', { topic, encryptionKey: new kms.Key(stack, 'Key'), code, maxMessageAge: Duration.millis(90500) });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 90.5 });
  });
});

describe('tokens', () => {
  /** A stack with a Number parameter, and a token for its value. */
  function withParameter() {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Value', { type: 'Number' }).valueAsNumber;
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    const encryptionKey = new kms.Key(stack, 'Key');
    const build = (props: Partial<QueueConsumerProps> = {}) => () => new QueueConsumer(stack, 'Consumer', { topic, encryptionKey, code, ...props });
    return { stack, token, build };
  }

  test('a token timeout without a visibilityTimeout is refused: the default cannot be computed from it', () => {
    const { token, build } = withParameter();
    expect(build({ timeout: Duration.seconds(token) })).toThrow(
      /visibilityTimeout: required when timeout is a token, since the default 6 × timeout \+ maxBatchingWindow cannot be computed at synth \(got undefined\); set it to at least 6 × timeout \+ maxBatchingWindow/,
    );
  });

  test('a token batching window without a visibilityTimeout is refused', () => {
    const { token, build } = withParameter();
    expect(build({ maxBatchingWindow: Duration.seconds(token) })).toThrow(/visibilityTimeout: required when maxBatchingWindow is a token/);
  });

  test('a token timeout and window with a visibilityTimeout are used as they are', () => {
    // GIVEN a batch size over 10, which needs a window of at least 1 second: the token window is not taken for 0
    const { stack, token, build } = withParameter();

    // WHEN
    build({ timeout: Duration.seconds(token), maxBatchingWindow: Duration.seconds(token), visibilityTimeout: Duration.minutes(15), batchSize: 100 })();

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: { Ref: 'Value' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: { Ref: 'Value' }, BatchSize: 100 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 900, RedrivePolicy: Match.anyValue() });
  });

  test('a token batching window on a FIFO queue is refused as any window is, and only that', () => {
    const { token, build } = withParameter();
    const error = propsErrorOf(build({ fifo: true, maxBatchingWindow: Duration.seconds(token) }));
    expect(error.problems).toEqual(['maxBatchingWindow: not allowed on a FIFO queue (got <token> seconds); remove it']);
  });

  test('a Duration token in another unit than seconds is refused, since it cannot be converted', () => {
    const { token, build } = withParameter();
    expect(build({ timeout: Duration.minutes(token), visibilityTimeout: Duration.minutes(15) })).toThrow(
      /timeout: a token must be given in seconds, as Duration.seconds\(token\), since the CDK cannot convert it \(got <token> minutes\)/,
    );
  });

  test('a token batch size on a FIFO queue is accepted with a warning: AWS refuses over 10 at deploy time', () => {
    const { stack, token, build } = withParameter();
    build({ fifo: true, batchSize: token })();
    Annotations.fromStack(stack).hasWarning(
      '/Test/Consumer',
      Match.stringLikeRegexp('batchSize: a token cannot be checked at synth; on a FIFO queue it must resolve to a whole number between 1 and 10'),
    );
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: { Ref: 'Value' } });
  });

  test('a token batch size on a standard queue is accepted without a warning', () => {
    const { stack, token, build } = withParameter();
    build({ batchSize: token })();
    Annotations.fromStack(stack).hasNoWarning('/Test/Consumer', Match.stringLikeRegexp('batchSize'));
  });

  test('token counts skip the range checks', () => {
    const { stack, token, build } = withParameter();
    build({ memorySize: token, maxConcurrency: token, maxReceiveCount: token })();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: { Ref: 'Value' } });
    Annotations.fromStack(stack).hasNoWarning('/Test/Consumer', Match.stringLikeRegexp('maxReceiveCount'));
  });

  test('token pollers skip the range checks and reach the event source mapping', () => {
    const { stack, token, build } = withParameter();
    build({ provisionedPollers: { minimumPollers: token, maximumPollers: token } })();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ProvisionedPollerConfig: { MinimumPollers: { Ref: 'Value' }, MaximumPollers: { Ref: 'Value' } },
    });
  });

  test('a pipeline consumer with a token timeout names the prop with its path', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Value', { type: 'Number' }).valueAsNumber;
    expect(() => new EventPipeline(stack, 'Pipeline', { stateProjector: { timeout: Duration.seconds(token) } })).toThrow(
      /stateProjector\.visibilityTimeout: required when timeout is a token/,
    );
  });

  test('a token event retention in days reaches the event log as the token', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    new EventPipeline(stack, 'Pipeline', { eventRetention: Duration.days(token) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_RETENTION_DAYS: { Ref: 'Days' } }) },
    });
  });

  test('a token event retention in another unit than days is refused', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Hours', { type: 'Number' }).valueAsNumber;
    expect(() => new EventPipeline(stack, 'Pipeline', { eventRetention: Duration.hours(token) })).toThrow(
      /eventRetention: a token must be given in days, as Duration.days\(token\), since the CDK cannot convert it \(got <token> hours\)/,
    );
  });
});
