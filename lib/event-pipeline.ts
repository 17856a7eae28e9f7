import { Duration, RemovalPolicy, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { deliveryFailuresAlarm } from './alarms';
import { DefaultConsumers } from './default-consumers';
import { EventTable } from './event-table';
import { EventsApi } from './events-api';
import { EventPipelineApiOptions } from './events-api-props';
import { EventsTableSchema } from './events-table-schema';
import { FanOutTopic } from './fan-out-topic';
import { PipelineDashboard, PipelineDashboardOptions } from './pipeline-dashboard';
import { ConsumerOptions, QueueConsumer, QueueConsumerProps } from './queue-consumer';
import { checkArchive, checkConsumerOptions, checkDashboardOptions, checkSubscriptionDeadLetterQueue, durationRange } from './rules';
import { StateTableSchema } from './state-table-schema';
import { PropsValidator, topicKind } from './validation';

/**
 * A consumer added to a pipeline with {@link EventPipeline.addConsumer}: its
 * own code (required) and settings, and optionally a table it writes.
 */
export interface AddConsumerOptions extends ConsumerOptions {
  /**
   * Whether the consumer's queue (and its dead-letter queue) is FIFO: each
   * subject's events in order, one message group per subject. Batch sizes
   * are then 1 to 10.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * A table the function writes: it gets `tableActions` on this table only
   * (and its key's, when it has one), and `TABLE_NAME` in its environment.
   * @default - no table
   */
  readonly table?: dynamodb.ITable;
  /**
   * DynamoDB actions the function may call on `table`.
   * @default ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']
   */
  readonly tableActions?: string[];
}

/** Props of {@link EventPipeline}. Every prop is optional. */
export interface EventPipelineProps {
  /**
   * The fan-out topic. It must be FIFO: the state projector's FIFO queue can
   * only subscribe to a FIFO topic. For an existing topic, use
   * `sns.Topic.fromTopicArn(this, 'Topic', topicArn)` with an ARN that ends
   * in `.fifo`: the CDK marks an imported topic FIFO from that suffix.
   * @default - a new FIFO topic encrypted with `encryptionKey`
   */
  readonly topic?: sns.ITopic;
  /**
   * Principals allowed to publish to the new topic. Ignored when `topic` is given.
   * @default - the stack's account
   */
  readonly publisherPrincipals?: iam.IPrincipal[];
  /**
   * Archive every message the new topic accepts for this many days, 1 to
   * 365 (SNS FIFO message archiving), so that a consumer can replay a time
   * window of them: a consumer added later ({@link EventPipeline.addConsumer})
   * is backfilled this way (`event-pipeline replay --since T --consumer NAME`).
   * Only for the topic the pipeline creates: refused with `topic`. A token is
   * not range-checked.
   * @default - no archive
   */
  readonly messageRetentionPeriodInDays?: number;

  /**
   * The new topic's throughput and deduplication scope (see
   * `FanOutTopicProps.fifoThroughputScope`). `MESSAGE_GROUP` lifts the topic
   * past 3,000 messages/s; it then deduplicates within a message group only
   * (the events table, keyed by id, and the state projector's sequence guard
   * still store and apply an event once). Only for the topic the pipeline
   * creates: not allowed with `topic`.
   * @default - SNS's default, `TOPIC`
   */
  readonly fifoThroughputScope?: sns.FifoThroughputScope;
  /**
   * Customer-managed key for the topic and queues. SNS cannot deliver to a
   * queue encrypted with the AWS-managed SQS key.
   * @default - a new key with rotation on
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The events table (partition key `id`, string). It needs a TTL attribute
   * `expiresAt` for retention to apply.
   * @default - a new on-demand table with PITR, TTL and a `bySubject` index
   */
  readonly eventsTable?: dynamodb.ITable;
  /**
   * The state table (partition key `subject`, string).
   * @default - a new on-demand table with PITR
   */
  readonly stateTable?: dynamodb.ITable;
  /**
   * How long the events table keeps an event, a whole number of days from 1
   * to 3,650. A token must be given in days (`Duration.days(param.valueAsNumber)`),
   * and is not range-checked.
   * @default Duration.days(30)
   */
  readonly eventRetention?: Duration;
  /**
   * The event log consumer: the standard queue, writing every event to the
   * events table. Give `code` to run your own handler; it gets `TABLE_NAME`,
   * `EVENT_RETENTION_DAYS` and `DEAD_LETTER_QUEUE_URL` in its environment.
   * Its props are checked with the pipeline's, before anything is created,
   * and a problem names them with their path, as `eventLog.batchSize`.
   * @default - the default event log handler and settings
   */
  readonly eventLog?: ConsumerOptions;
  /**
   * The state projector consumer: the FIFO queue, keeping each subject's
   * latest state. Give `code` to run your own handler; it gets `TABLE_NAME`
   * and `DEAD_LETTER_QUEUE_URL` in its environment. Batch sizes are 1 to 10 (FIFO).
   * Its props are checked with the pipeline's, before anything is created,
   * and a problem names them with their path, as `stateProjector.batchSize`.
   * @default - the default state projector handler and settings
   */
  readonly stateProjector?: ConsumerOptions;
  /**
   * Topic that receives alarm and OK notifications.
   * @default - no alarm actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Log retention of the consumers' log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the tables and the key when they leave the stack. Queues
   * and log groups are always destroyed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * An HTTPS front door on API Gateway: `POST /events` to the topic,
   * `GET /events/{id}` and `GET /subjects/…` from the tables. See {@link EventsApi}.
   * @default - no API
   */
  readonly api?: EventPipelineApiOptions;
  /**
   * A CloudWatch dashboard of the topic and both consumers: queues and
   * dead-letter queues, functions, tables and the handlers' own metrics.
   * See {@link PipelineDashboard}. Give `{}` for the defaults.
   * @default - no dashboard
   */
  readonly dashboard?: PipelineDashboardOptions;
}

/**
 * One SNS FIFO topic fanning out to a standard queue (the event log, writing
 * every event) and a FIFO queue (the state projector, keeping each subject's
 * latest state in order), each with a dead-letter queue, alarms and
 * least-privilege functions.
 */
export class EventPipeline extends Construct {
  /** The key that encrypts the topic and queues: `props.encryptionKey` or a new one. */
  public readonly encryptionKey: kms.IKey;
  /** The fan-out topic: `props.topic` or a new FIFO topic. */
  public readonly topic: sns.ITopic;
  /** Every event, keyed by event id: `props.eventsTable` or a new table. */
  public readonly eventsTable: dynamodb.ITable;
  /** Each subject's latest state, keyed by subject: `props.stateTable` or a new table. */
  public readonly stateTable: dynamodb.ITable;
  /** The standard queue consumer that writes the events table. */
  public readonly eventLog: QueueConsumer;
  /** The FIFO queue consumer that writes the state table. */
  public readonly stateProjector: QueueConsumer;
  /**
   * Fires when SNS gave up delivering a message from the topic to a consumer's
   * queue (`NumberOfNotificationsFailed` above 0), on a given topic too.
   */
  public readonly deliveryFailures: cloudwatch.IAlarm;
  /** The Events API, when the `api` prop is given. */
  public readonly api?: EventsApi;
  /** The dashboard, when the `dashboard` prop is given. */
  public readonly dashboard?: PipelineDashboard;
  /** What every consumer of the pipeline shares: the topic, the key, the alarm topic, the log retention. */
  private readonly shared: Pick<QueueConsumerProps, 'topic' | 'encryptionKey' | 'alarmTopic' | 'logRetention'>;

  constructor(scope: Construct, id: string, props: EventPipelineProps = {}) {
    super(scope, id);
    // Every prop, the consumers' included, is checked before any construct is
    // created, and all the problems are reported together.
    const v = new PropsValidator(this, `EventPipeline (${this.node.path})`);
    durationRange(v, 'eventRetention', props.eventRetention, 1, 3650, 'days');
    checkArchive(v, props.messageRetentionPeriodInDays, props.topic === undefined);
    v.check(
      props.topic !== undefined && topicKind(props.topic) === 'standard',
      `topic: must be a FIFO topic, because the state projector's FIFO queue subscribes to it (got the standard topic ${props.topic?.node.path}); ` +
        'an imported topic needs an ARN ending in .fifo',
    );
    v.check(
      props.topic !== undefined && props.fifoThroughputScope !== undefined,
      `fifoThroughputScope: applies only to the topic the pipeline creates (got ${props.fifoThroughputScope} with the topic ${props.topic?.node.path} given in topic); ` +
        'remove topic, or remove fifoThroughputScope and set the scope on your own topic (sns.Topic with fifo: true and fifoThroughputScope)',
    );
    // Each consumer warns for itself when it is created.
    checkConsumerOptions(v, props.eventLog ?? {}, false, 'eventLog.', false);
    checkConsumerOptions(v, props.stateProjector ?? {}, true, 'stateProjector.', false);
    // The topic is FIFO, or the check above failed.
    checkSubscriptionDeadLetterQueue(v, props.eventLog ?? {}, true, 'eventLog.');
    checkSubscriptionDeadLetterQueue(v, props.stateProjector ?? {}, true, 'stateProjector.');
    if (props.dashboard) checkDashboardOptions(v, props.dashboard, 'dashboard.');
    v.throwIfInvalid();
    const retentionDays = props.eventRetention?.toDays({ integral: false }) ?? 30;

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        enableKeyRotation: true,
        description: `Encrypts the topic and queues of ${this.node.path}`,
        removalPolicy,
      });
    if (props.topic) {
      this.topic = props.topic;
      this.deliveryFailures = deliveryFailuresAlarm(this, 'TopicDeliveryFailures', props.topic, props.alarmTopic);
    } else {
      const fanOut = new FanOutTopic(this, 'Topic', {
        encryptionKey: this.encryptionKey,
        publisherPrincipals: props.publisherPrincipals,
        alarmTopic: props.alarmTopic,
        messageRetentionPeriodInDays: props.messageRetentionPeriodInDays,
        fifoThroughputScope: props.fifoThroughputScope,
      });
      this.topic = fanOut.topic;
      this.deliveryFailures = fanOut.deliveryFailures;
    }

    this.eventsTable =
      props.eventsTable ??
      new EventTable(this, 'EventsTable', {
        partitionKey: { name: EventsTableSchema.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: EventsTableSchema.TIME_TO_LIVE_ATTRIBUTE,
        globalSecondaryIndexes: [
          {
            indexName: EventsTableSchema.SUBJECT_INDEX,
            partitionKey: { name: EventsTableSchema.SUBJECT_INDEX_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
            sortKey: { name: EventsTableSchema.SUBJECT_INDEX_SORT_KEY, type: dynamodb.AttributeType.NUMBER },
          },
        ],
        removalPolicy,
      }).table;
    this.stateTable =
      props.stateTable ??
      new EventTable(this, 'StateTable', {
        partitionKey: { name: StateTableSchema.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
        removalPolicy,
      }).table;

    const shared = {
      topic: this.topic,
      encryptionKey: this.encryptionKey,
      alarmTopic: props.alarmTopic,
      logRetention: props.logRetention,
    };
    this.shared = shared;
    this.eventLog = new QueueConsumer(this, 'EventLog', {
      ...shared,
      ...props.eventLog,
      code: props.eventLog?.code ?? DefaultConsumers.eventLog(),
      environment: { EVENT_RETENTION_DAYS: Tokenization.stringifyNumber(retentionDays), ...props.eventLog?.environment },
      table: this.eventsTable,
      tableActions: ['dynamodb:BatchWriteItem'],
    });
    this.stateProjector = new QueueConsumer(this, 'StateProjector', {
      ...shared,
      ...props.stateProjector,
      fifo: true,
      code: props.stateProjector?.code ?? DefaultConsumers.stateProjector(),
      table: this.stateTable,
      tableActions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    });
    if (props.api) {
      this.api = new EventsApi(this, 'Api', {
        ...props.api,
        topic: this.topic,
        encryptionKey: this.encryptionKey,
        eventsTable: this.eventsTable,
        stateTable: this.stateTable,
      });
    }
    if (props.dashboard) {
      this.dashboard = new PipelineDashboard(this, 'Dashboard', {
        ...props.dashboard,
        topic: this.topic,
        consumers: [this.eventLog, this.stateProjector],
      });
    }
  }
  /**
   * Adds a consumer of the pipeline's topic, with the secure defaults of the
   * built-in ones: a queue and a dead-letter queue encrypted with the
   * pipeline's key, raw delivery and the filter policy of `eventTypes` or
   * `filterPolicy`, partial batch responses, the alarms (to the pipeline's
   * `alarmTopic`), the pipeline's log retention, and a section of the
   * dashboard when the pipeline has one. It runs your own `code` (required)
   * and may write a `table` of yours, granted `tableActions` on it alone.
   *
   * Its options are checked as a `QueueConsumer`'s, before anything is
   * created, and every problem is reported at once. A consumer added to a
   * deployed pipeline receives only what is published from then on: replay
   * the topic's archive into it (`messageRetentionPeriodInDays`, then
   * `event-pipeline replay --since T --consumer NAME`) to backfill it.
   *
   * @param id the consumer's construct id, also the `Consumer` dimension of its metrics
   * @param options the consumer's code and settings
   * @returns the consumer
   */
  public addConsumer(id: string, options: AddConsumerOptions): QueueConsumer {
    const fifo = options.fifo ?? false;
    const v = new PropsValidator(this, `EventPipeline.addConsumer (${this.node.path}/${id})`);
    v.check(options.code === undefined, 'code: required, since an added consumer runs your own handler (got undefined)');
    // The consumer warns for itself when it is created.
    checkConsumerOptions(v, options, fifo, '', false);
    const kind = topicKind(this.topic);
    checkSubscriptionDeadLetterQueue(v, options, kind === 'unknown' ? undefined : kind === 'fifo');
    v.check(
      options.tableActions !== undefined && options.table === undefined,
      `tableActions: apply to a table, and none is given (got ${JSON.stringify(options.tableActions)} without table)`,
    );
    v.throwIfInvalid();
    const consumer = new QueueConsumer(this, id, { ...this.shared, ...options, fifo });
    this.dashboard?.addConsumer(consumer);
    return consumer;
  }
}
