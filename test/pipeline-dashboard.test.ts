import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline, EventPipelineProps, PipelineDashboard, QueueConsumer } from '../lib';
import { synthStack } from './helpers/stack';

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly height: number;
  readonly y: number;
  readonly properties: {
    readonly markdown?: string;
    readonly title?: string;
    readonly metrics?: unknown[][];
    readonly annotations?: { horizontal?: { value: number }[] };
  };
}

/** A token in the dashboard body as text: `${Id.Attr}` for a GetAtt, `${Id}` for a Ref. */
function tokenText(part: unknown): string {
  const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref) return `\${${token.Ref}}`;
  if (token['Fn::GetAtt']) return `\${${token['Fn::GetAtt'].join('.')}}`;
  return `\${${JSON.stringify(part).replace(/"/g, "'")}}`;
}

/** The widgets of the stack's only dashboard: its DashboardBody, a Fn::Join, joined with its tokens as text. */
function widgetsOf(stack: Stack): Widget[] {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : tokenText(p))).join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

/** One line of a graph as `namespace metric dim=value … stat`, its dimensions sorted by name. */
function describeMetric(line: unknown[]): string {
  const options = (typeof line[line.length - 1] === 'object' ? line[line.length - 1] : {}) as { stat?: string };
  const [namespace, name, ...rest] = line.filter((part) => typeof part === 'string') as string[];
  const dimensions = Array.from({ length: rest.length / 2 }, (_, i) => `${rest[2 * i]}=${rest[2 * i + 1]}`).sort();
  return [namespace, name, ...dimensions, options.stat].join(' ');
}

/** The metrics of each section (a header text widget and the graphs after it), by the header's first line. */
function sections(widgets: Widget[]): Map<string, { graphs: Widget[]; metrics: string[] }> {
  const result = new Map<string, { graphs: Widget[]; metrics: string[] }>();
  let current: { graphs: Widget[]; metrics: string[] } | undefined;
  for (const widget of widgets) {
    if (widget.type === 'text') {
      current = { graphs: [], metrics: [] };
      result.set(widget.properties.markdown!.split('\n')[0], current);
    } else {
      current!.graphs.push(widget);
      current!.metrics.push(...(widget.properties.metrics ?? []).map(describeMetric));
    }
  }
  return result;
}

/** A token as the dashboard body holds it. */
const text = (stack: Stack, token: string) => tokenText(stack.resolve(token));

function pipelineStack(props: EventPipelineProps = {}): { stack: Stack; pipeline: EventPipeline } {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
  return { stack, pipeline: new EventPipeline(stack, 'Orders', { dashboard: {}, ...props }) };
}

describe('the dashboard of a pipeline', () => {
  // GIVEN a pipeline with a dashboard
  const { stack, pipeline } = pipelineStack();
  // WHEN it synthesizes
  const widgets = widgetsOf(stack);
  const bySection = sections(widgets);
  const functionRow = new Set(
    [...bySection.values()].flatMap((section) => {
      const y = section.graphs.find((g) => g.properties.title === 'Function errors and throttles')?.y;
      return section.graphs.filter((g) => g.y === y);
    }),
  );

  test('has a section for the topic and one for each consumer, in order', () => {
    const topic = text(stack, pipeline.topic.topicName);
    expect([...bySection.keys()]).toEqual([`### Topic \`${topic}\``, '### Consumer EventLog', '### Consumer StateProjector']);
  });

  test("shows the topic's messages published, notifications delivered and notifications failed", () => {
    const topic = text(stack, pipeline.topic.topicName);
    expect(bySection.get(`### Topic \`${topic}\``)!.metrics).toEqual([
      `AWS/SNS NumberOfMessagesPublished TopicName=${topic} Sum`,
      `AWS/SNS NumberOfNotificationsDelivered TopicName=${topic} Sum`,
      `AWS/SNS NumberOfNotificationsFailed TopicName=${topic} Sum`,
    ]);
  });

  test.each([
    ['EventLog', ['BatchWriteItem'], ['BatchWriteRetries', 'UnprocessedItems']],
    ['StateProjector', ['PutItem', 'UpdateItem'], []],
  ] as const)('shows the queues, function, table and handler metrics of the %s consumer', (name, operations, batchWrite) => {
    const consumer = name === 'EventLog' ? pipeline.eventLog : pipeline.stateProjector;
    const queue = text(stack, consumer.queue.queueName);
    const dlq = text(stack, consumer.deadLetterQueue.queueName);
    const fn = text(stack, consumer.function.functionName);
    const table = text(stack, consumer.table!.tableName);
    const mapping = text(stack, consumer.eventSource.eventSourceMappingId);
    const handler = (metric: string) => `EventPipeline ${metric} Consumer=${name} Pipeline=Shop/Orders Sum`;
    expect(bySection.get(`### Consumer ${name}`)!.metrics).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${queue} Maximum`,
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${queue} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${dlq} Maximum`,
      `AWS/Lambda Errors FunctionName=${fn} Sum`,
      `AWS/Lambda Throttles FunctionName=${fn} Sum`,
      `AWS/Lambda Duration FunctionName=${fn} p99`,
      `AWS/Lambda ConcurrentExecutions FunctionName=${fn} Maximum`,
      ...['PolledEventCount', 'InvokedEventCount', 'FailedInvokeEventCount', 'DeletedEventCount'].map(
        (metric) => `AWS/Lambda ${metric} EventSourceMappingUUID=${mapping} Sum`,
      ),
      `AWS/DynamoDB WriteThrottleEvents TableName=${table} Sum`,
      ...operations.map((operation) => `AWS/DynamoDB ThrottledRequests Operation=${operation} TableName=${table} Sum`),
      `AWS/DynamoDB ConsumedWriteCapacityUnits TableName=${table} Sum`,
      ...['EventsStored', 'DuplicatesSkipped', 'EventsSuperseded', 'EventsReplayed', 'EventsDeadLettered', 'RecordsFailed', ...batchWrite].map(handler),
    ]);
  });

  test('reads the handler metrics in the namespace and with the dimensions the functions are given', () => {
    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment.Variables as Record<string, string>,
    );
    const published = variables.map(
      (v) => `${v.POWERTOOLS_METRICS_NAMESPACE} EventsStored Consumer=${v.CONSUMER_NAME} Pipeline=${v.PIPELINE_NAME} Sum`,
    );
    const shown = [...bySection.values()].flatMap((s) => s.metrics).filter((m) => m.includes(' EventsStored '));
    expect(shown.sort()).toEqual(published.sort());
  });

  test('lays out one row per resource, of graphs 8 wide (6 in the function row of four) and 6 high, under a full-width header', () => {
    for (const widget of widgets) {
      expect([widget.width, widget.height]).toEqual(widget.type === 'text' ? [24, 2] : [functionRow.has(widget) ? 6 : 8, 6]);
    }
    const rowSizes = (name: string) => {
      const ys = bySection.get(`### Consumer ${name}`)!.graphs.map((g) => g.y);
      return [...new Set(ys)].map((y) => ys.filter((other) => other === y).length);
    };
    // queue, function and event source, table, handler
    expect(rowSizes('EventLog')).toEqual([3, 4, 2, 3]);
    expect(rowSizes('StateProjector')).toEqual([3, 4, 2, 2]);
  });

  test('draws the alarm thresholds on the message age and dead-letter graphs', () => {
    const graph = (title: string) => bySection.get('### Consumer EventLog')!.graphs.find((g) => g.properties.title === title)!;
    expect(graph('Oldest message age (s)').properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 300 })]);
    expect(graph('Dead-letter queue depth').properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 1 })]);
  });
});

describe('dashboard options', () => {
  test('no dashboard without the prop', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop');
    const pipeline = new EventPipeline(stack, 'Orders');
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(pipeline.dashboard).toBeUndefined();
  });

  test('the sample stack has its dashboard', () => {
    synthStack().template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('a name and a period reach the dashboard and every graph', () => {
    // GIVEN
    const { stack } = pipelineStack({ dashboard: { dashboardName: 'orders-pipeline', period: Duration.minutes(2) } });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'orders-pipeline' });
    const periods = widgetsOf(stack).flatMap((w) => (w.properties.metrics ?? []).map((line) => (line[line.length - 1] as { period: number }).period));
    expect(new Set(periods)).toEqual(new Set([120]));
  });

  test('a subscription dead-letter queue is drawn with the dead-letter queue', () => {
    // GIVEN
    const { stack, pipeline } = pipelineStack({ stateProjector: { createSubscriptionDeadLetterQueue: true } });

    // THEN
    const metrics = sections(widgetsOf(stack)).get('### Consumer StateProjector')!.metrics;
    expect(metrics).toContain(
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${text(stack, pipeline.stateProjector.subscriptionDeadLetterQueue!.queueName)} Maximum`,
    );
  });
});

describe('the event source mapping’s metrics', () => {
  test('without them, the function row is the three graphs of 8, and nothing of the event source is drawn', () => {
    // GIVEN the event log's event source metrics turned off
    const { stack } = pipelineStack({ eventLog: { eventSourceMetrics: false } });

    // THEN
    const bySection = sections(widgetsOf(stack));
    const eventLog = bySection.get('### Consumer EventLog')!;
    expect(eventLog.metrics.filter((m) => m.includes('EventSourceMappingUUID'))).toEqual([]);
    expect(eventLog.graphs.map((g) => g.width)).toEqual(eventLog.graphs.map(() => 8));
    expect(bySection.get('### Consumer StateProjector')!.metrics.filter((m) => m.includes('EventSourceMappingUUID'))).toHaveLength(4);
  });
});

describe('an imported topic', () => {
  test('is read by the topic name in its ARN', () => {
    // GIVEN
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:123456789012:orders.fifo');

    // WHEN
    new EventPipeline(stack, 'Orders', { topic, dashboard: {} });

    // THEN
    expect(sections(widgetsOf(stack)).get('### Topic `orders.fifo`')!.metrics).toEqual([
      'AWS/SNS NumberOfMessagesPublished TopicName=orders.fifo Sum',
      'AWS/SNS NumberOfNotificationsDelivered TopicName=orders.fifo Sum',
      'AWS/SNS NumberOfNotificationsFailed TopicName=orders.fifo Sum',
    ]);
  });
  test('whose ARN is a token is read by the name CloudFormation takes from the ARN', () => {
    // GIVEN
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', new CfnParameter(stack, 'TopicArn').valueAsString);

    // WHEN
    new EventPipeline(stack, 'Orders', { topic, dashboard: {} });

    // THEN the name is taken from the ARN at deploy time
    const name = text(stack, topic.topicName);
    expect(name).toContain('Fn::Select');
    expect(sections(widgetsOf(stack)).get(`### Topic \`${name}\``)!.metrics).toContain(`AWS/SNS NumberOfNotificationsFailed TopicName=${name} Sum`);
  });
});

describe('PipelineDashboard used alone', () => {
  test('a consumer without a table has no table row and no BatchWriteItem graph', () => {
    // GIVEN a consumer of its own, with no table
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Shop');
    const topic = new sns.Topic(stack, 'Topic', { fifo: true });
    const audit = new QueueConsumer(stack, 'Audit', {
      topic,
      encryptionKey: new kms.Key(stack, 'Key'),
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
      metricsNamespace: 'Shop',
    });

    // WHEN
    new PipelineDashboard(stack, 'Dashboard', { topic, consumers: [audit] });

    // THEN
    const metrics = sections(widgetsOf(stack)).get('### Consumer Audit')!.metrics;
    expect(metrics.filter((m) => m.startsWith('AWS/DynamoDB'))).toEqual([]);
    expect(metrics.filter((m) => m.startsWith('Shop '))).toEqual(
      ['EventsStored', 'DuplicatesSkipped', 'EventsSuperseded', 'EventsReplayed', 'EventsDeadLettered', 'RecordsFailed'].map(
        (m) => `Shop ${m} Consumer=Audit Pipeline=Shop Sum`,
      ),
    );
  });
});
