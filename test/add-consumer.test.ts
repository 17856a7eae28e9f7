import { App, CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { EventPipeline, EventPipelineProps, EventTable, QueueConsumer } from '../lib';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })');

function pipelineStack(props: EventPipelineProps = {}) {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
  const pipeline = new EventPipeline(stack, 'Orders', props);
  return { stack, pipeline };
}

/** The logical id of a construct's CloudFormation resource. */
const idOf = (construct: IConstruct): string => {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(resource as CfnElement);
};

/** The logical ids of the resources of one type under a construct. */
function idsUnder(scope: IConstruct, type: string): string[] {
  return scope.node.findAll().filter((c) => c instanceof CfnResource && c.cfnResourceType === type).map((c) => idOf(c));
}

/** The dashboard body as text, its tokens left out. */
function dashboardText(stack: Stack): string {
  const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].filter((p) => typeof p === 'string').join('');
}

describe('EventPipeline.addConsumer', () => {
  test('a consumer of the pipeline topic: raw delivery, the filter policy, the pipeline key, a DLQ, partial batch responses', () => {
    // GIVEN
    const { stack, pipeline } = pipelineStack();
    // WHEN
    const audit = pipeline.addConsumer('Audit', { code, eventTypes: ['order.paid'] });
    // THEN
    expect(audit).toBeInstanceOf(QueueConsumer);
    const template = Template.fromStack(stack);
    const queue = idOf(audit.queue);
    const dlq = idOf(audit.deadLetterQueue);
    const key = idOf(pipeline.encryptionKey);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
      TopicArn: { Ref: idOf(pipeline.topic) },
      RawMessageDelivery: true,
      FilterPolicy: { type: ['order.paid'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      VisibilityTimeout: 181,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CONSUMER_NAME: 'Audit', PIPELINE_NAME: 'Test/Orders' }) },
    });
  });

  test('its alarms notify the pipeline alarm topic, and its log group keeps the pipeline log retention', () => {
    const holder = new Stack(new App(), 'Holder');
    const alarmTopic = sns.Topic.fromTopicArn(holder, 'Ops', 'arn:aws:sns:eu-west-1:123456789012:ops');
    const { stack, pipeline } = pipelineStack({ alarmTopic, logRetention: 7 });
    const consumer = pipeline.addConsumer('Audit', { code });
    const template = Template.fromStack(stack);
    const alarms = idsUnder(consumer, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(4);
    for (const id of alarms) {
      expect(template.toJSON().Resources[id].Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops']);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('its table is granted the table actions, on that table only, and named in TABLE_NAME', () => {
    const { stack, pipeline } = pipelineStack();
    const audit = new EventTable(stack, 'AuditTable', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    pipeline.addConsumer('Audit', { code, table: audit.table, tableActions: ['dynamodb:PutItem'] });
    const template = Template.fromStack(stack);
    const table = idOf(audit.table);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [table, 'Arn'] } }]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CONSUMER_NAME: 'Audit', TABLE_NAME: { Ref: table } }) },
    });
  });

  test('fifo: a FIFO queue and dead-letter queue', () => {
    const { stack, pipeline } = pipelineStack();
    const ledger = pipeline.addConsumer('Ledger', { code, fifo: true });
    const template = Template.fromStack(stack);
    const queues = idsUnder(ledger, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const id of queues) {
      expect(template.toJSON().Resources[id].Properties.FifoQueue).toBe(true);
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10 });
  });

  test('it gets a section of the dashboard after the built-in consumers, when the pipeline has one', () => {
    const { stack, pipeline } = pipelineStack({ dashboard: {} });
    pipeline.addConsumer('Audit', { code });
    const text = dashboardText(stack);
    expect(text.indexOf('### Consumer Audit')).toBeGreaterThan(text.indexOf('### Consumer StateProjector'));
    expect(text).toContain('### Consumer StateProjector');
  });

  test('no dashboard when the pipeline has none', () => {
    const { stack, pipeline } = pipelineStack();
    pipeline.addConsumer('Audit', { code });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('code is required', () => {
    const { pipeline } = pipelineStack();
    expect(() => pipeline.addConsumer('Audit', {})).toThrow(/code: required, since an added consumer runs your own handler/);
  });

  test('tableActions without a table are refused', () => {
    const { pipeline } = pipelineStack();
    expect(() => pipeline.addConsumer('Audit', { code, tableActions: ['dynamodb:PutItem'] })).toThrow(
      /tableActions: apply to a table, and none is given/,
    );
  });

  test("invalid options fail with all their problems at once, QueueConsumer's checks, and nothing is created", () => {
    const { stack, pipeline } = pipelineStack();
    let error: Error | undefined;
    try {
      pipeline.addConsumer('Audit', { fifo: true, batchSize: 11, eventTypes: [], maxReceiveCount: 0, code });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('PipelinePropsError');
    expect(error?.message).toContain('Invalid EventPipeline.addConsumer (Test/Orders/Audit) props:');
    expect(error?.message).toMatch(/batchSize must be a whole number between 1 and 10 on a FIFO queue \(got 11\)/);
    expect(error?.message).toMatch(/eventTypes: must name at least one type \(got \[\]\)/);
    expect(error?.message).toMatch(/maxReceiveCount must be a whole number between 1 and 1000 \(got 0\)/);
    expect(pipeline.node.tryFindChild('Audit')).toBeUndefined();
    expect(stack.node.findAll().length).toBeGreaterThan(0);
  });

  test('a warning of QueueConsumer is given once', () => {
    const { stack, pipeline } = pipelineStack();
    pipeline.addConsumer('Audit', { code, maxReceiveCount: 2 });
    Annotations.fromStack(stack).hasWarning('/Test/Orders/Audit', Match.stringLikeRegexp('maxReceiveCount 2 is below 5'));
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('maxReceiveCount 2 is below 5'))).toHaveLength(1);
  });
});
