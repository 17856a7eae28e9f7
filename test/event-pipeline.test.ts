import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline, HandlerMetric, QueueConsumer, Stage } from '../lib';
import { synthStack } from './helpers/stack';

// GIVEN the sample stack with default props
let template: Template;
beforeAll(() => {
  template = synthStack().template;
});

const queues = () => template.findResources('AWS::SQS::Queue');
const fifoQueues = () => Object.values(queues()).filter((q) => q.Properties?.FifoQueue === true);

describe('topology', () => {
  test('one FIFO topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, TopicName: Match.stringLikeRegexp('\\.fifo$') });
  });

  test('two SQS subscriptions, both with raw message delivery', () => {
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true }, 2);
    template.resourceCountIs('AWS::SNS::Subscription', 2);
  });

  test('four queues, two of them FIFO', () => {
    expect(Object.keys(queues())).toHaveLength(4);
    expect(fifoQueues()).toHaveLength(2);
  });

  test('the FIFO queue that subscribes is paired with the FIFO topic', () => {
    const [, sub] = Object.entries(template.findResources('AWS::SNS::Subscription')).find(([, s]) => {
      const queueId = s.Properties.Endpoint['Fn::GetAtt'][0];
      return queues()[queueId].Properties.FifoQueue === true;
    })!;
    const topicId = sub.Properties.TopicArn.Ref;
    expect(template.toJSON().Resources[topicId].Properties.FifoTopic).toBe(true);
  });

  test('the FIFO queue uses high-throughput mode, deduplicating per message group', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });
});

describe('dead-letter queues', () => {
  test('each queue redrives to its own DLQ of the same kind after 5 receives', () => {
    const all = queues();
    const withRedrive = Object.entries(all).filter(([, q]) => q.Properties.RedrivePolicy);
    expect(withRedrive).toHaveLength(2);
    const dlqIds = new Set<string>();
    for (const [, q] of withRedrive) {
      const dlqId = q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
      dlqIds.add(dlqId);
      expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
      expect(all[dlqId].Properties.FifoQueue === true).toBe(q.Properties.FifoQueue === true);
    }
    expect(dlqIds.size).toBe(2);
  });

  test('DLQs keep messages for 14 days', () => {
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 }, 2);
  });

  /** The logical id of the only resource whose id starts with `prefix`. */
  const idOf = (prefix: string) => Object.keys(template.toJSON().Resources).find((id) => id.startsWith(prefix))!;

  test.each(['EventLog', 'StateProjector'])('the %s function is told the URL of its own DLQ in DEAD_LETTER_QUEUE_URL', (name) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(`Pipeline/${name}$`),
      Environment: { Variables: Match.objectLike({ DEAD_LETTER_QUEUE_URL: { Ref: idOf(`Pipeline${name}DeadLetterQueue`) } }) },
    });
  });

  test.each(['EventLog', 'StateProjector'])('the %s function may send to its own DLQ', (name) => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: idOf(`Pipeline${name}Role`) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [idOf(`Pipeline${name}DeadLetterQueue`), 'Arn'] } },
        ]),
      },
    });
  });

  test('the functions may encrypt messages for their DLQs with the pipeline key', () => {
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    // The functions' policies (the Events API's role has its own, for the topic)
    const functionPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: { Ref: string }) => /^Pipeline(EventLog|StateProjector)Role/.test(r.Ref)),
    );
    expect(functionPolicies).toHaveLength(2);
    for (const policy of functionPolicies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
  });
});

describe('encryption', () => {
  test('one customer-managed key with rotation', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the topic and all four queues use that key', () => {
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } }, 4);
  });

  test('the key lets SNS encrypt for the queues only on behalf of this topic', () => {
    // GIVEN the topic's ARN, built from its name as the key policy must (a Ref would be circular)
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic'));
    const topicArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:eu-west-1:123456789012:${topic.Properties.TopicName}`]] };
    // THEN the only statements for SNS allow exactly the two actions, with aws:SourceArn equal to that ARN
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const forSns = key.Properties.KeyPolicy.Statement.filter((s: { Principal?: { Service?: string } }) => s.Principal?.Service === 'sns.amazonaws.com');
    expect(forSns).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ]);
  });

  test('the topic and every queue deny non-TLS access', () => {
    const denyInsecure = Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) } });
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      { PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) } },
      4,
    );
  });

  test('tables are encrypted, on-demand, with point-in-time recovery', () => {
    template.resourcePropertiesCountIs(
      'AWS::DynamoDB::Table',
      {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      2,
    );
  });
});

describe('tables', () => {
  test('the events table is keyed by event id, expires items by TTL and indexes by subject and sequence', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'bySubject',
          KeySchema: [
            { AttributeName: 'subject', KeyType: 'HASH' },
            { AttributeName: 'sequence', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  test('the state table is keyed by subject', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }] });
  });

  test('the event log is told the retention in days', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_RETENTION_DAYS: '30' }) },
    });
  });
});

describe('functions and event source mappings', () => {
  test('two functions on Node.js 22, arm64, with source maps', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
      },
      2,
    );
  });

  test('both event source mappings report batch item failures', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      { FunctionResponseTypes: ['ReportBatchItemFailures'] },
      2,
    );
  });

  test('the FIFO mapping takes at most 10 records and no batching window', () => {
    const fifoQueueId = Object.entries(queues()).find(
      ([, q]) => q.Properties.FifoQueue && q.Properties.RedrivePolicy,
    )![0];
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [fifoQueueId, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  test('the standard mapping batches 100 records within 1 second', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 });
  });

  test('visibility timeouts are 6 × the function timeout plus the batching window', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, VisibilityTimeout: 180 });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: Match.absent(), VisibilityTimeout: 181 });
  });

  test('log groups have a retention period', () => {
    // The two functions' and the Events API's access log
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 3);
  });
});

describe('handler metrics', () => {
  test.each(['EventLog', 'StateProjector'])(
    'the %s function is told the namespace and the dimensions of its metrics',
    (name) => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(`Pipeline/${name}$`),
        Environment: {
          Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: 'EventPipeline', PIPELINE_NAME: 'Test/Pipeline', CONSUMER_NAME: name }),
        },
      });
    },
  );

  test('no role may call PutMetricData: the handlers print their metrics (EMF) to their logs', () => {
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('cloudwatch:');
  });

  test("a consumer's metricsNamespace and pipelineName reach its function, and win over its environment", () => {
    // GIVEN
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop');
    const pipeline = new EventPipeline(stack, 'Orders', {
      eventLog: { environment: { PIPELINE_NAME: 'mine', CONSUMER_NAME: 'mine', POWERTOOLS_METRICS_NAMESPACE: 'Mine', EXTRA: 'kept' } },
    });
    const alone = new QueueConsumer(stack, 'Audit', {
      topic: pipeline.topic,
      encryptionKey: pipeline.encryptionKey,
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
      metricsNamespace: 'Shop/Audit',
      pipelineName: 'audit',
    });

    // WHEN
    const shop = Template.fromStack(stack);

    // THEN
    const variablesOf = (path: string) =>
      Object.values(shop.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Description.endsWith(path))!.Properties
        .Environment.Variables;
    expect(variablesOf('Shop/Orders/EventLog')).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: 'EventPipeline',
      PIPELINE_NAME: 'Shop/Orders',
      CONSUMER_NAME: 'EventLog',
      EXTRA: 'kept',
    });
    expect(variablesOf('Shop/Audit')).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'Shop/Audit', PIPELINE_NAME: 'audit', CONSUMER_NAME: 'Audit' });
    expect(alone.metricsDimensions).toEqual({ Pipeline: 'audit', Consumer: 'Audit' });
  });

  test('a consumer at the top level of its stack is named by the stack alone', () => {
    // GIVEN
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop', { stackName: 'shop-prod' });
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });

    // WHEN
    const consumer = new QueueConsumer(stack, 'Audit', {
      topic,
      encryptionKey: new kms.Key(stack, 'Key'),
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    });

    // THEN the stack's name, not its construct id
    expect(consumer.metricsDimensions).toEqual({ Pipeline: 'shop-prod', Consumer: 'Audit' });
  });

  test('metricHandler reads the metric in the namespace and with the dimensions the function is given', () => {
    // GIVEN
    const { stack } = synthStack();
    const consumer = stack.pipeline.stateProjector;

    // WHEN
    const metric = consumer.metricHandler(HandlerMetric.DUPLICATES_SKIPPED);

    // THEN
    expect(metric.namespace).toBe('EventPipeline');
    expect(metric.metricName).toBe('DuplicatesSkipped');
    expect(metric.statistic).toBe('Sum');
    expect(metric.dimensions).toEqual({ Pipeline: 'Test/Pipeline', Consumer: 'StateProjector' });
  });
});

describe('least privilege', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
  /** Every statement of every policy attached to the role whose logical id starts with `rolePrefix`. */
  const statementsOf = (rolePrefix: string) => {
    const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith(rolePrefix))!;
    const attached = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: { Ref?: string }) => r.Ref === roleId),
    );
    expect(attached.length).toBeGreaterThan(0);
    return attached.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const on = (service: string, statements: Statement[]) => statements.filter((s) => [s.Action].flat().some((a) => a.startsWith(`${service}:`)));
  /** The logical id of the only resource of `type` whose id starts with `prefix`. */
  const idOf = (type: string, prefix: string) => {
    const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
    expect(ids).toHaveLength(1);
    return ids[0];
  };
  const table = (prefix: string) => idOf('AWS::DynamoDB::Table', prefix);
  const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const queueArn = (prefix: string) => arnOf(idOf('AWS::SQS::Queue', prefix));

  test('no policy grants a wildcard action', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const s of policy.Properties.PolicyDocument.Statement) {
        for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
      }
    }
  });

  test('no function has a managed policy', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('the event log may only batch-write its own table and consume its own queue', () => {
    const statements = statementsOf('PipelineEventLogRole');
    // Every DynamoDB statement, not only the first
    expect(on('dynamodb', statements)).toEqual([{ Effect: 'Allow', Action: 'dynamodb:BatchWriteItem', Resource: arnOf(table('PipelineEventsTable')) }]);
    expect(template.toJSON().Resources[table('PipelineEventsTable')].Properties.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    const consume = on('sqs', statements).filter((s) => [s.Action].flat().includes('sqs:ReceiveMessage'));
    expect(consume.map((s) => s.Resource)).toEqual([queueArn('PipelineEventLogQueue')]);
  });

  test('the state projector may only put and update items of its own table', () => {
    const statements = statementsOf('PipelineStateProjectorRole');
    // Every DynamoDB statement, not only the first
    expect(on('dynamodb', statements)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: arnOf(table('PipelineStateTable')) },
    ]);
    expect(template.toJSON().Resources[table('PipelineStateTable')].Properties.KeySchema).toEqual([{ AttributeName: 'subject', KeyType: 'HASH' }]);
    const consume = on('sqs', statements).filter((s) => [s.Action].flat().includes('sqs:ReceiveMessage'));
    expect(consume.map((s) => s.Resource)).toEqual([queueArn('PipelineStateProjectorQueue')]);
  });

  test('the topic allows publishing only from the stack account', () => {
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const allows = policy.Properties.PolicyDocument.Statement.filter((s: Statement) => s.Effect === 'Allow');
    // The only Allow: sns:Publish on this topic, for exactly the stack's account
    expect(allows).toEqual([
      {
        Sid: 'AllowPublishers',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] } },
        Resource: { Ref: idOf('AWS::SNS::Topic', 'PipelineTopic') },
      },
    ]);
  });
});

describe('alarms', () => {
  test('nine alarms: DLQ not empty, oldest message age, errors and throttles for each consumer, and delivery failures on the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'NumberOfNotificationsFailed' }, 1);
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'Errors', 'Throttles']) {
      template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: metric }, 2);
    }
  });

  test('alarm actions go to the alarm topic when one is given', () => {
    // GIVEN a pipeline with an alarm topic
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Alarmed');
    const alarmTopic = new sns.Topic(stack, 'Ops');
    new EventPipeline(stack, 'Pipeline', { alarmTopic });
    // THEN every alarm notifies it
    Template.fromStack(stack).resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [{ Ref: stack.getLogicalId(alarmTopic.node.defaultChild as sns.CfnTopic) }] },
      9,
    );
  });

  test('without an alarm topic, alarms have no actions', () => {
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
  });
});

describe('stages', () => {
  test('sandbox destroys the tables and the key', () => {
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('prod retains the tables and the key', () => {
    const { template: prod } = synthStack({ stage: Stage.PROD });
    prod.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    prod.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });
});

describe('outputs', () => {
  test('the stack outputs the topic ARN, queue URLs and table names', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'TopicArn',
        'EventLogQueueUrl',
        'EventLogDeadLetterQueueUrl',
        'StateProjectorQueueUrl',
        'StateProjectorDeadLetterQueueUrl',
        'EventsTableName',
        'StateTableName',
      ]),
    );
  });
});
