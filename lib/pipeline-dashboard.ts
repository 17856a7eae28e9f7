import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EventSourceMetric } from './event-source-metric';
import { HandlerMetric } from './handler-metric';
import { QueueConsumer } from './queue-consumer';
import { checkDashboardOptions } from './rules';
import { PropsValidator } from './validation';

/** Settings of a {@link PipelineDashboard} that a user may change. Shared with `EventPipeline`'s `dashboard` prop. */
export interface PipelineDashboardOptions {
  /**
   * The dashboard's name: 1 to 255 letters, digits, `-` or `_`.
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
  /**
   * The period of every graph, a whole number of minutes from 1 to 1,440. A
   * token must be given in seconds, and is not checked.
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
}

/** Props of {@link PipelineDashboard}. */
export interface PipelineDashboardProps extends PipelineDashboardOptions {
  /** The fan-out topic; an imported one is read by the name in its ARN. */
  readonly topic: sns.ITopic;
  /** The consumers to show, one section each, in this order. */
  readonly consumers: QueueConsumer[];
}

/** Graphs are three to a row of the dashboard's 24 columns (four in a function row with the event source's metrics). */
const GRAPH_WIDTH = 8;
const GRAPH_HEIGHT = 6;
const FULL_WIDTH = 24;

/**
 * A CloudWatch dashboard for a pipeline: a section for the topic, then one
 * per consumer, each a header and one row of graphs per resource (the queue
 * and its dead-letter queues, the function and its event source mapping, the
 * table, the handler's own metrics). Alarm thresholds are drawn on the graphs
 * they watch.
 */
export class PipelineDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const v = new PropsValidator(this, `PipelineDashboard (${this.node.path})`);
    checkDashboardOptions(v, props);
    v.check(props.consumers.length === 0, 'consumers: must name at least one consumer (got [])');
    v.throwIfInvalid();
    this.period = props.period ?? Duration.minutes(1);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.topicSection(props.topic);
    for (const consumer of props.consumers) this.consumerSection(consumer);
  }

  /**
   * Adds a section for one more consumer, after the others: what
   * `EventPipeline.addConsumer` does when the pipeline has a dashboard.
   *
   * @param consumer the consumer to show
   */
  public addConsumer(consumer: QueueConsumer): void {
    this.consumerSection(consumer);
  }

  private topicSection(topic: sns.ITopic): void {
    const period = this.period;
    this.header(`Topic \`${topic.topicName}\``, 'What publishers sent, and what SNS delivered to the subscribed queues or gave up on.');
    this.dashboard.addWidgets(
      this.graph('Messages published and delivered', [
        topic.metricNumberOfMessagesPublished({ period, statistic: 'Sum' }),
        topic.metricNumberOfNotificationsDelivered({ period, statistic: 'Sum' }),
      ]),
      this.graph('Deliveries failed', [topic.metricNumberOfNotificationsFailed({ period, statistic: 'Sum' })]),
    );
  }

  private consumerSection(consumer: QueueConsumer): void {
    const period = this.period;
    const { queue, deadLetterQueue, subscriptionDeadLetterQueue, alarms, table } = consumer;
    const fn = consumer.function;
    const kind = queue.fifo ? 'FIFO' : 'standard';
    this.header(
      `Consumer ${consumer.node.id}`,
      `${kind} queue \`${queue.queueName}\`, function \`${fn.functionName}\`${table ? `, table \`${table.tableName}\`` : ''}`,
    );
    const depth = (q: sqs.IQueue, label: string) =>
      q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label });
    this.dashboard.addWidgets(
      this.graph('Queue depth', [depth(queue, 'Visible messages')]),
      this.graph('Oldest message age (s)', [queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' })], [
        alarms.oldestMessageAge,
      ]),
      this.graph(
        'Dead-letter queue depth',
        [
          depth(deadLetterQueue, 'Dead-letter queue'),
          ...(subscriptionDeadLetterQueue ? [depth(subscriptionDeadLetterQueue, 'Subscription dead-letter queue')] : []),
        ],
        [alarms.deadLetters],
      ),
    );
    // With the event source mapping's metrics, the function row has a fourth graph, and its graphs are a quarter wide.
    const functionWidth = consumer.eventSourceMetrics ? FULL_WIDTH / 4 : GRAPH_WIDTH;
    const eventSource = (metric: EventSourceMetric) => consumer.metricEventSource(metric, { period });
    this.dashboard.addWidgets(
      this.graph(
        'Function errors and throttles',
        [fn.metricErrors({ period, statistic: 'Sum' }), fn.metricThrottles({ period, statistic: 'Sum' })],
        [],
        functionWidth,
      ),
      this.graph('Function duration p99 (ms)', [fn.metricDuration({ period, statistic: 'p99' })], [], functionWidth),
      this.graph('Concurrent executions', [fn.metric('ConcurrentExecutions', { period, statistic: 'Maximum' })], [], functionWidth),
      ...(consumer.eventSourceMetrics
        ? [
            this.graph(
              'Event source: messages polled, invoked, failed, deleted',
              [EventSourceMetric.POLLED, EventSourceMetric.INVOKED, EventSourceMetric.FAILED_INVOKE, EventSourceMetric.DELETED].map(eventSource),
              [],
              functionWidth,
            ),
          ]
        : []),
    );
    if (table) this.dashboard.addWidgets(...this.tableGraphs(table, consumer.tableActions));
    const handler = (metric: HandlerMetric) => consumer.metricHandler(metric, { period });
    this.dashboard.addWidgets(
      this.graph('Events stored and skipped', [
        handler(HandlerMetric.EVENTS_STORED),
        handler(HandlerMetric.DUPLICATES_SKIPPED),
        handler(HandlerMetric.EVENTS_SUPERSEDED),
      ]),
      this.graph('Events replayed, dead-lettered, failed', [
        handler(HandlerMetric.EVENTS_REPLAYED),
        handler(HandlerMetric.EVENTS_DEAD_LETTERED),
        handler(HandlerMetric.RECORDS_FAILED),
      ]),
      ...(consumer.tableActions.includes('dynamodb:BatchWriteItem')
        ? [this.graph('BatchWriteItem retries', [handler(HandlerMetric.BATCH_WRITE_RETRIES), handler(HandlerMetric.UNPROCESSED_ITEMS)])]
        : []),
    );
  }

  /** Throttles (WriteThrottleEvents, and ThrottledRequests of each operation the function may call) and consumed capacity. */
  private tableGraphs(table: dynamodb.ITable, actions: readonly string[]): cloudwatch.IWidget[] {
    const period = this.period;
    const known = new Set<string>(Object.values(dynamodb.Operation));
    const operations = actions.map((action) => action.replace(/^dynamodb:/, '')).filter((op) => known.has(op));
    return [
      this.graph('Table write throttles', [
        table.metric('WriteThrottleEvents', { period, statistic: 'Sum' }),
        ...operations.map((operation) =>
          table.metric('ThrottledRequests', {
            period,
            statistic: 'Sum',
            dimensionsMap: { TableName: table.tableName, Operation: operation },
            label: `ThrottledRequests ${operation}`,
          }),
        ),
      ]),
      this.graph('Table consumed write capacity', [table.metricConsumedWriteCapacityUnits({ period, statistic: 'Sum' })]),
    ];
  }

  private header(title: string, detail: string): void {
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `### ${title}\n${detail}`, width: FULL_WIDTH, height: 2 }));
  }

  private graph(title: string, left: cloudwatch.IMetric[], alarms: cloudwatch.IAlarm[] = [], width = GRAPH_WIDTH): cloudwatch.GraphWidget {
    return new cloudwatch.GraphWidget({
      title,
      left,
      leftYAxis: { min: 0, showUnits: false },
      leftAnnotations: alarms.flatMap((alarm) => (alarm instanceof cloudwatch.Alarm ? [alarm.toAnnotation()] : [])),
      width,
      height: GRAPH_HEIGHT,
    });
  }
}
