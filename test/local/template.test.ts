import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventPipelineStack, Stage } from '../../lib';
import { readAssembly } from '../../packages/tools/src/local/cloud-assembly';
import { type CfnTemplate, type LocalEnvironment, type StackPlan, TemplateError, planStack } from '../../packages/tools/src/local/template';

const FIXTURE = join(__dirname, 'fixtures', 'assembly');

const env = (stackName: string, region = 'us-east-1'): LocalEnvironment => ({
  stackName,
  region,
  accountId: '000000000000',
  queueUrl: (name) => `http://sqs.${region}.localhost:4566/000000000000/${name}`,
});

describe('planStack with the hand-written fixture assembly', () => {
  let plan: StackPlan;
  beforeAll(() => {
    const [stack] = readAssembly(FIXTURE);
    plan = planStack(stack.template, env(stack.stackName));
  });

  test('the topic keeps its name, FIFO and content-based deduplication', () => {
    expect(plan.topics).toEqual([
      expect.objectContaining({
        name: 'ParcelPipelinePipelineTopic3C4D5E6F.fifo',
        arn: 'arn:aws:sns:us-east-1:000000000000:ParcelPipelinePipelineTopic3C4D5E6F.fifo',
        attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
      }),
    ]);
  });

  test('queues get FIFO names, visibility timeout, retention and a RedrivePolicy to their DLQ', () => {
    // WHEN
    const state = plan.queues.find((q) => q.logicalId === 'PipelineStateQueue4E5F6A7B');
    // THEN
    expect(state).toMatchObject({
      name: 'ParcelPipeline-PipelineStateQueue4E5F6A7B.fifo',
      fifo: true,
      visibilityTimeoutSeconds: 180,
      deadLetterQueue: 'PipelineStateDeadLetterQueue0A1B2C3D',
      maxReceiveCount: 5,
    });
    expect(state?.attributes).toEqual({
      FifoQueue: 'true',
      VisibilityTimeout: '180',
      MessageRetentionPeriod: '1209600',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:ParcelPipeline-PipelineStateDeadLetterQueue0A1B2C3D.fifo',
        maxReceiveCount: 5,
      }),
    });
  });

  test('subscriptions keep FilterPolicy, FilterPolicyScope and RawMessageDelivery', () => {
    expect(plan.subscriptions.find((s) => s.queue === 'PipelineEventLogQueueB2C3D4E5')).toEqual(
      expect.objectContaining({
        topic: 'PipelineTopicE5F6A7B8',
        attributes: {
          RawMessageDelivery: 'true',
          FilterPolicy: '{"type":[{"prefix":"parcel."}]}',
          FilterPolicyScope: 'MessageAttributes',
        },
      }),
    );
  });

  test('tables keep their key schema and GSIs; TTL is noted as not applied', () => {
    const events = plan.tables.find((t) => t.logicalId === 'PipelineEventsTable9F0A1B2C');
    expect(events?.keySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(events?.globalSecondaryIndexes).toEqual([
      {
        IndexName: 'bySubject',
        KeySchema: [
          { AttributeName: 'subject', KeyType: 'HASH' },
          { AttributeName: 'sequence', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(plan.notes).toContainEqual(expect.stringMatching(/PipelineEventsTable9F0A1B2C: TTL on "expiresAt" is not applied/));
  });

  test('notes that duplicates reach the standard queue, which AWS would drop at the FIFO topic', () => {
    expect(plan.notes).toContainEqual(expect.stringMatching(/^PipelineEventLogQueueB2C3D4E5 receives duplicate publishes/));
  });

  test('function environments resolve Ref, Fn::GetAtt and Fn::Join to local names', () => {
    const fn = plan.functions.find((f) => f.logicalId === 'PipelineEventLogFunctionB1A2C3D4');
    expect(fn).toMatchObject({
      handler: 'index.handler',
      timeoutSeconds: 30,
      assetKey: '1f3a5c7e9b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a.zip',
      logFormat: 'JSON',
    });
    expect(fn?.environment).toMatchObject({
      TABLE_NAME: 'ParcelPipeline-PipelineEventsTable9F0A1B2C',
      EVENT_SOURCE_ARN: 'arn:aws:sqs:us-east-1:000000000000:ParcelPipeline-PipelineEventLogQueueB2C3D4E5',
    });
  });

  test('event source mappings keep batch size, batching window and ReportBatchItemFailures', () => {
    expect(plan.eventSources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          function: 'PipelineEventLogFunctionB1A2C3D4',
          queue: 'PipelineEventLogQueueB2C3D4E5',
          batchSize: 10,
          maximumBatchingWindowSeconds: 1,
          reportBatchItemFailures: true,
        }),
      ]),
    );
  });

  test('resources that do not matter locally are listed as skipped, with a reason', () => {
    const types = new Set(plan.skipped.map((s) => s.type));
    expect([...types].sort()).toEqual([
      'AWS::CDK::Metadata',
      'AWS::CloudWatch::Alarm',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::KMS::Key',
      'AWS::Logs::LogGroup',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
    ]);
    expect(plan.skipped.every((s) => s.reason.length > 0)).toBe(true);
  });

  test('outputs resolve to local values', () => {
    expect(plan.outputs).toContainEqual({ logicalId: 'EventsTableName', value: 'ParcelPipeline-PipelineEventsTable9F0A1B2C' });
  });
});

describe('planStack errors', () => {
  const base: CfnTemplate = { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } } };

  test('an unknown resource type that matters is an error naming it', () => {
    const template: CfnTemplate = { Resources: { ...base.Resources, Bus: { Type: 'AWS::Events::EventBus' } } };
    expect(() => planStack(template, env('S'))).toThrow(/Bus: resource type AWS::Events::EventBus is not supported/);
  });

  test('every problem is reported at once', () => {
    // GIVEN
    const template: CfnTemplate = {
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus' },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: { Ref: 'Missing' } } },
      },
    };
    // WHEN
    let error: unknown;
    try {
      planStack(template, env('S'));
    } catch (e) {
      error = e;
    }
    // THEN
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).problems).toHaveLength(2);
  });

  test('a resource whose condition is false is skipped', () => {
    const template: CfnTemplate = {
      Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
      Resources: { Topic: { Type: 'AWS::SNS::Topic', Condition: 'Never' } },
    };
    expect(planStack(template, env('S')).skipped).toEqual([
      { logicalId: 'Topic', type: 'AWS::SNS::Topic', reason: 'condition Never is false' },
    ]);
  });

  test('a FIFO queue subscribed to a standard topic is refused, as AWS does', () => {
    const template: CfnTemplate = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic' },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
        Sub: {
          Type: 'AWS::SNS::Subscription',
          Properties: { Protocol: 'sqs', TopicArn: { Ref: 'Topic' }, Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        },
      },
    };
    expect(() => planStack(template, env('S'))).toThrow(/FIFO queue Queue cannot subscribe to standard topic Topic/);
  });

  test("a subscription's redrive policy is noted as not emulated, naming its dead-letter queue", () => {
    const template: CfnTemplate = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic' },
        Queue: { Type: 'AWS::SQS::Queue' },
        Dlq: { Type: 'AWS::SQS::Queue' },
        Sub: {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            Protocol: 'sqs',
            TopicArn: { Ref: 'Topic' },
            Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] },
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
          },
        },
      },
    };
    const plan = planStack(template, env('S'));
    expect(plan.notes).toContainEqual(expect.stringMatching(/^subscription Sub: its redrive policy to Dlq is not emulated: fauxqs delivers or fails silently/));
    // and the subscription is still planned, without the policy among its attributes
    expect(plan.subscriptions).toEqual([expect.objectContaining({ logicalId: 'Sub', queue: 'Queue', attributes: {} })]);
  });

  test('a topic the stack imports by its ARN is created locally by its name, in the emulators\' account, and said so', () => {
    const imported = 'arn:aws:sns:eu-west-1:123456789012:orders.fifo';
    const sub = (queue: string) => ({
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'sqs', TopicArn: imported, Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] }, RawMessageDelivery: true },
    });
    const template: CfnTemplate = {
      Resources: {
        Log: { Type: 'AWS::SQS::Queue' },
        State: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
        LogSub: sub('Log'),
        StateSub: sub('State'),
      },
    };
    const plan = planStack(template, env('S'));
    expect(plan.topics).toEqual([
      {
        logicalId: 'orders',
        name: 'orders.fifo',
        arn: 'arn:aws:sns:us-east-1:000000000000:orders.fifo',
        fifo: true,
        attributes: { FifoTopic: 'true' },
        importedArn: imported,
      },
    ]);
    expect(plan.subscriptions.map((s) => [s.logicalId, s.topic, s.queue])).toEqual([
      ['LogSub', 'orders', 'Log'],
      ['StateSub', 'orders', 'State'],
    ]);
    expect(plan.notes.filter((n) => n.includes(imported))).toEqual([expect.stringMatching(/^Topic orders\.fifo is not in the template: .* must exist on AWS/)]);
  });

  test('a subscription to a topic that is neither in the stack nor an SNS ARN is an error', () => {
    const template: CfnTemplate = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Sub: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'sqs', TopicArn: 'orders', Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      },
    };
    expect(() => planStack(template, env('S'))).toThrow(/Sub: TopicArn orders is not a topic in this stack/);
  });

  test('a subscription without a redrive policy gets no such note', () => {
    const template: CfnTemplate = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic' },
        Queue: { Type: 'AWS::SQS::Queue' },
        Sub: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'sqs', TopicArn: { Ref: 'Topic' }, Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      },
    };
    expect(planStack(template, env('S')).notes.filter((n) => /redrive policy/.test(n))).toEqual([]);
  });

  test('event filtering on a mapping is an error rather than being ignored', () => {
    const template: CfnTemplate = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: 'k.zip' } } },
        Map: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
            FunctionName: { Ref: 'Fn' },
            FilterCriteria: { Filters: [{ Pattern: '{}' }] },
          },
        },
      },
    };
    expect(() => planStack(template, env('S'))).toThrow(/FilterCriteria \(event filtering\) is not emulated/);
  });
});

describe('planStack with the synthesized sample stack', () => {
  let plan: StackPlan;
  beforeAll(() => {
    // GIVEN the stack bin/app.ts deploys, environment-agnostic as the app is without CDK_DEFAULT_*
    const app = new App();
    const stack = new EventPipelineStack(app, 'EventPipeline-local', { stage: Stage.SANDBOX });
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    plan = planStack(template, env('EventPipeline-local'));
  });

  test('creates one FIFO topic fanning out to a standard and a FIFO queue, each with a DLQ', () => {
    expect(plan.topics).toHaveLength(1);
    expect(plan.topics[0].fifo).toBe(true);
    expect(plan.subscriptions).toHaveLength(2);
    const subscribed = plan.subscriptions.map((s) => plan.queues.find((q) => q.logicalId === s.queue)!);
    expect(subscribed.map((q) => q.fifo).sort()).toEqual([false, true]);
    expect(subscribed.every((q) => q.deadLetterQueue !== undefined && q.maxReceiveCount! > 0)).toBe(true);
    expect(plan.subscriptions.every((s) => s.attributes.RawMessageDelivery === 'true')).toBe(true);
  });

  test('runs two functions, each behind an SQS event source reporting batch item failures', () => {
    expect(plan.functions).toHaveLength(2);
    expect(plan.eventSources).toHaveLength(2);
    expect(plan.eventSources.every((m) => m.reportBatchItemFailures)).toBe(true);
    for (const fn of plan.functions) {
      expect(fn.assetKey).toMatch(/^[0-9a-f]{64}\.zip$/);
      expect(plan.tables.map((t) => t.name)).toContain(fn.environment.TABLE_NAME);
    }
  });

  test('creates the events and state tables and skips only types that do not matter locally', () => {
    expect(plan.tables.map((t) => t.keySchema.map((k) => k.AttributeName).join('+')).sort()).toEqual(['id', 'subject']);
    for (const s of plan.skipped) {
      expect(s.type).toMatch(/^AWS::(IAM|KMS|CloudWatch|Logs|CDK)::|Policy$|^AWS::Lambda::Permission$/);
    }
  });
});
