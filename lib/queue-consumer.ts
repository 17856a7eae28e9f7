import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgments';
import { ConsumerAlarms } from './consumer-alarms';
import { EventSourceMetric } from './event-source-metric';
import { HandlerMetric } from './handler-metric';
import { checkConsumerOptions, checkSubscriptionDeadLetterQueue, consumerSettings, durationRange } from './rules';
import { PropsValidator, topicKind } from './validation';

/**
 * The provisioned mode of a consumer's SQS event source: event pollers
 * dedicated to it, between a minimum and a maximum. Each SQS poller handles up
 * to 1 MB/s, 10 concurrent invocations or 10 polling calls per second; Lambda
 * scales between the two by up to 1,000 concurrent invocations a minute.
 * Pollers are billed by the hour (Event Poller Units), the minimum always.
 */
export interface ProvisionedPollers {
  /**
   * Pollers always provisioned, 2 to 200. A token is not range-checked.
   * @default 2
   */
  readonly minimumPollers?: number;
  /**
   * Most pollers Lambda scales to, 2 to 2,000, and at least `minimumPollers`.
   * It caps the event source's concurrency at 10 × this. A token is not
   * range-checked.
   * @default 200
   */
  readonly maximumPollers?: number;
}

/** Settings of a consumer that a user may change. Shared by {@link QueueConsumerProps} and `EventPipeline`. */
export interface ConsumerOptions {
  /**
   * The handler's code. The function gets the same queue, dead-letter queue,
   * grants and batch settings whatever code it runs, including the URL of the
   * dead-letter queue in `DEAD_LETTER_QUEUE_URL` and permission to send to it.
   * @default - the pipeline's default consumer (required for a QueueConsumer used alone)
   */
  readonly code?: lambda.Code;
  /**
   * The handler, as `file.export`.
   * @default 'index.handler'
   */
  readonly handler?: string;
  /**
   * The function's runtime.
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * Extra environment variables for the function. `DEAD_LETTER_QUEUE_URL`
   * (see `QueueConsumer.DEAD_LETTER_QUEUE_URL_ENV`) is always set, and
   * `TABLE_NAME` when the consumer has a table. So are the metrics' settings,
   * which win over the ones given here: `POWERTOOLS_METRICS_NAMESPACE`,
   * `PIPELINE_NAME` and `CONSUMER_NAME` (see `QueueConsumer.metricsNamespace`
   * and `QueueConsumer.metricsDimensions`).
   * @default - none
   */
  readonly environment?: { [key: string]: string };
  /**
   * The function's timeout, a whole number of seconds from 1 to 900. A token
   * must be given in seconds (`Duration.seconds(param.valueAsNumber)`); it is
   * not range-checked, and needs an explicit `visibilityTimeout`, since the
   * default visibility timeout cannot be computed from a token.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * The function's memory, in MB, 128 to 10,240. A token is not range-checked.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Records per invocation: 1 to 10 on a FIFO queue, 1 to 10,000 on a standard
   * queue (over 10 needs a batching window). A token is not range-checked; on
   * a FIFO queue it gives a synth warning, since the deployment fails unless
   * it resolves to 1 to 10.
   * @default - 10 on a FIFO queue, 100 on a standard queue
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers records before it invokes the function, a whole
   * number of seconds from 0 to 300. Not allowed on a FIFO queue. A token must
   * be given in seconds; it is not range-checked, and needs an explicit
   * `visibilityTimeout`.
   * @default - none on a FIFO queue, 1 second on a standard queue
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the event source starts, 2 to 1,000. A token
   * is not range-checked.
   * @default - no limit beyond the account's concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Provisioned mode for the event source: pollers dedicated to it, that
   * scale faster and further than the default mode's. Allowed on FIFO
   * queues too, where a message group still has one batch in flight at a
   * time. Not with `maxConcurrency`: in provisioned mode `maximumPollers`
   * caps the concurrency. Give `{}` for AWS's defaults (2 to 200 pollers),
   * written out in the template, since an empty configuration turns
   * provisioned mode off.
   * @default - the default (on-demand) mode
   */
  readonly provisionedPollers?: ProvisionedPollers;
  /**
   * The event source mapping's metrics (`MetricsConfig` `EventCount`): how
   * many messages Lambda polled, invoked the function with, saw fail and
   * deleted (see {@link EventSourceMetric}), drawn by `PipelineDashboard`
   * next to the function. CloudWatch's prices apply to them; `false` turns
   * them off.
   * @default true
   */
  readonly eventSourceMetrics?: boolean;
  /**
   * The queue's visibility timeout, a whole number of seconds up to 43,200
   * (12 hours). It must be at least 6 times the function timeout plus the
   * batching window, or messages are redelivered while a batch is still
   * running. Required when `timeout` or `maxBatchingWindow` is a token. A
   * token must be given in seconds, and is not checked against either.
   * @default - 6 × timeout + maxBatchingWindow
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message moves to the dead-letter queue, 1 to 1,000.
   * Below 5 gives a warning: a throttled batch can use up receives. A token is
   * not range-checked.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Deliver only events of these `type` message attribute values.
   * @default - every event
   */
  readonly eventTypes?: string[];
  /**
   * A full SNS filter policy on message attributes. Use either this or `eventTypes`.
   * @default - every event
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };
  /**
   * Alarm when the oldest message in the queue is older than this. A token
   * must be given in seconds.
   * @default Duration.minutes(5)
   */
  readonly maxMessageAge?: Duration;
  /**
   * X-Ray tracing of the function.
   * @default lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;
  /**
   * The subscription's dead-letter queue: where SNS puts a message it cannot
   * deliver to the queue (a deleted queue, or a queue or key policy that
   * refuses SNS). Its kind is the topic's, whatever the queue's: FIFO for a
   * FIFO topic (so for both of EventPipeline's consumers), standard for a
   * standard topic. The construct adds a statement to its queue policy letting
   * sns.amazonaws.com send to it from this topic only, and alarms on it. On an
   * imported queue the policy statement is not added: write it yourself. A key
   * of the queue's own, not the consumer's, must let SNS use it. Give either
   * this or `createSubscriptionDeadLetterQueue`.
   * @default - none, unless `createSubscriptionDeadLetterQueue` is true
   */
  readonly subscriptionDeadLetterQueue?: sqs.IQueue;
  /**
   * Create the subscription's dead-letter queue: of the topic's kind,
   * encrypted with the consumer's key, keeping messages 14 days, with a queue
   * policy letting SNS send to it from this topic only, and an alarm while it
   * is not empty. See `subscriptionDeadLetterQueue`.
   * @default false
   */
  readonly createSubscriptionDeadLetterQueue?: boolean;
}

/** Props of {@link QueueConsumer}: the consumer's settings and what it connects to. */
export interface QueueConsumerProps extends ConsumerOptions {
  /** The topic the queue subscribes to. A FIFO queue needs a FIFO topic. */
  readonly topic: sns.ITopic;
  /**
   * Whether the queue (and its dead-letter queue) is FIFO.
   * @default false
   */
  readonly fifo?: boolean;
  /** Key that encrypts the queue and its dead-letter queue. SNS needs a customer-managed key. */
  readonly encryptionKey: kms.IKey;
  /**
   * The table the function writes. It gets `tableActions` on this table only,
   * and `TABLE_NAME` in its environment.
   * @default - no table
   */
  readonly table?: dynamodb.ITable;
  /**
   * DynamoDB actions the function may call on `table`.
   * @default ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']
   */
  readonly tableActions?: string[];
  /**
   * The dead-letter queue. It must be of the same kind (FIFO or standard) as the
   * queue. The function may send to it (`sqs:SendMessage`, and
   * `kms:GenerateDataKey` and `kms:Decrypt` on its key when the queue has one
   * the construct knows of; grant the key of an imported queue yourself).
   * @default - a new queue of the same kind, keeping messages 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * How long the queue keeps a message, a whole number of seconds from 60 to
   * 1,209,600 (14 days). A token must be given in seconds, and is not
   * range-checked.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Log retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Topic that receives alarm and OK notifications.
   * @default - no alarm actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * What happens to the queues and log group when they leave the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The CloudWatch namespace of the handler's metrics, given to the function
   * as `POWERTOOLS_METRICS_NAMESPACE`: 1 to 255 characters, not starting
   * with `AWS/`. A token is not checked.
   * @default 'EventPipeline'
   */
  readonly metricsNamespace?: string;
  /**
   * The `Pipeline` dimension of the handler's metrics, given to the function
   * as `PIPELINE_NAME`: 1 to 1,024 characters. A token is not checked.
   * @default - the stack's name and the path of the consumer's scope in the
   * stack, as `MyStack/Orders` (the stack's name alone for a consumer at the
   * stack's top level)
   */
  readonly pipelineName?: string;
}

/**
 * A queue subscribed to a topic with raw delivery, its dead-letter queue, and a
 * function that consumes it with partial batch responses.
 */
export class QueueConsumer extends Construct {
  /**
   * The environment variable that holds the URL of the dead-letter queue, set
   * on every consumer's function, whatever code it runs. The default handlers
   * send a record that can never succeed (a malformed event) there at once,
   * with its reason in `failure.*` message attributes, instead of failing it
   * until the queue's redrive policy moves it.
   */
  public static readonly DEAD_LETTER_QUEUE_URL_ENV = 'DEAD_LETTER_QUEUE_URL';
  /** The namespace of the handlers' metrics when `metricsNamespace` is not given. */
  public static readonly DEFAULT_METRICS_NAMESPACE = 'EventPipeline';

  /** The queue subscribed to the topic. */
  public readonly queue: sqs.IQueue;
  /**
   * Where messages go after `maxReceiveCount` failed receives, and where the
   * function sends records that can never succeed: `props.deadLetterQueue` or a new queue.
   */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * Where SNS puts messages it could not deliver to the queue:
   * `props.subscriptionDeadLetterQueue`, a new queue with
   * `createSubscriptionDeadLetterQueue`, or none.
   */
  public readonly subscriptionDeadLetterQueue?: sqs.IQueue;
  /** The consuming function. */
  public readonly function: lambda.IFunction;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The topic subscription. */
  public readonly subscription: sns.Subscription;
  /** The event source mapping from the queue to the function. */
  public readonly eventSource: SqsEventSource;
  /** Whether the event source mapping publishes its metrics (see `metricEventSource`). */
  public readonly eventSourceMetrics: boolean;
  /** Alarms on dead letters, message age, errors and throttles. */
  public readonly alarms: ConsumerAlarms;
  /** The table the function writes, when the consumer has one. */
  public readonly table?: dynamodb.ITable;
  /** The DynamoDB actions the function may call on `table`; none without a table. */
  public readonly tableActions: string[];
  /** The CloudWatch namespace of the handler's metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
  public readonly metricsNamespace: string;
  /**
   * The dimensions of the handler's metrics, by name: `Pipeline`
   * (`PIPELINE_NAME`, the `pipelineName` prop) and `Consumer`
   * (`CONSUMER_NAME`, the consumer's construct id).
   */
  public readonly metricsDimensions: { [name: string]: string };

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const fifo = props.fifo ?? false;
    validate(this, props, fifo);
    const { timeout, batchSize, window, maxReceiveCount, visibilityTimeout, provisionedPollers } = consumerSettings(props, fifo);

    this.table = props.table;
    this.tableActions = props.table ? [...(props.tableActions ?? DEFAULT_TABLE_ACTIONS)] : [];
    this.metricsNamespace = props.metricsNamespace ?? QueueConsumer.DEFAULT_METRICS_NAMESPACE;
    this.metricsDimensions = { Pipeline: props.pipelineName ?? defaultPipelineName(this), Consumer: id };

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const queueDefaults = {
      fifo: fifo || undefined,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      removalPolicy,
    };
    if (props.deadLetterQueue) {
      this.deadLetterQueue = props.deadLetterQueue;
    } else {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', { ...queueDefaults, retentionPeriod: Duration.days(14) });
      acknowledge(this.deadLetterQueue, 'deadLetterQueue');
    }
    const queue = new sqs.Queue(this, 'Queue', {
      ...queueDefaults,
      ...(fifo && {
        deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
        fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      }),
      visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.queue = queue;

    this.subscriptionDeadLetterQueue = props.subscriptionDeadLetterQueue;
    if (!this.subscriptionDeadLetterQueue && props.createSubscriptionDeadLetterQueue) {
      // A subscription's dead-letter queue is of its topic's kind. When that
      // cannot be told (an imported topic with a token ARN), the queue's kind is
      // the best guess, and validate() warned.
      const topicFifo = topicKind(props.topic) === 'unknown' ? fifo : props.topic.fifo;
      this.subscriptionDeadLetterQueue = new sqs.Queue(this, 'SubscriptionDeadLetterQueue', {
        ...queueDefaults,
        fifo: topicFifo || undefined,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(this.subscriptionDeadLetterQueue, 'subscriptionDeadLetterQueue');
    }

    this.subscription = subscribe(this, props.topic, queue, props.encryptionKey, filterPolicyOf(props), this.subscriptionDeadLetterQueue);
    if (!this.subscriptionDeadLetterQueue) acknowledge(this.subscription, 'subscription');

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    this.logGroup = logGroup;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${this.node.path} consumer`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const fn = new lambda.Function(this, 'Function', {
      runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      code: props.code!,
      handler: props.handler ?? 'index.handler',
      timeout,
      memorySize: props.memorySize ?? 256,
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: id,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(props.table && { TABLE_NAME: props.table.tableName }),
        [QueueConsumer.DEAD_LETTER_QUEUE_URL_ENV]: this.deadLetterQueue.queueUrl,
        ...props.environment,
        // After the user's variables: the dashboard and metricHandler() read these same values.
        POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
        PIPELINE_NAME: this.metricsDimensions.Pipeline,
        CONSUMER_NAME: this.metricsDimensions.Consumer,
      },
      description: `Consumes ${fifo ? 'the FIFO' : 'the standard'} queue of ${this.node.path}`,
      tracing: props.tracing ?? lambda.Tracing.ACTIVE,
    });
    this.function = fn;
    acknowledge(fn, 'function');
    acknowledge(role, 'role');
    if (!props.runtime) acknowledge(fn, 'runtime');
    if (props.table) grantTable(fn, props.table, this.tableActions);
    grantDeadLetter(fn, this.deadLetterQueue);

    this.eventSourceMetrics = props.eventSourceMetrics ?? true;
    this.eventSource = new SqsEventSource(queue, {
      batchSize,
      maxBatchingWindow: window,
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency,
      metricsConfig: this.eventSourceMetrics ? { metrics: [lambda.MetricType.EVENT_COUNT] } : undefined,
      provisionedPollerConfig: provisionedPollers && {
        minimumPollers: provisionedPollers.minimumPollers,
        maximumPollers: provisionedPollers.maximumPollers,
      },
    });
    fn.addEventSource(this.eventSource);

    this.alarms = new ConsumerAlarms(this, 'Alarms', {
      queue,
      deadLetterQueue: this.deadLetterQueue,
      function: fn,
      maxMessageAge: props.maxMessageAge,
      alarmTopic: props.alarmTopic,
      subscriptionDeadLetterQueue: this.subscriptionDeadLetterQueue,
    });
  }

  /**
   * A metric the handler publishes, in this consumer's namespace and
   * dimensions: Sum over 5 minutes unless `props` say otherwise. The default
   * handlers publish every {@link HandlerMetric} that applies to them; a
   * handler of your own gets the same environment variables.
   */
  public metricHandler(metric: HandlerMetric, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName: metric,
      dimensionsMap: this.metricsDimensions,
      statistic: 'Sum',
      ...props,
    });
  }

  /**
   * A metric of the event source mapping, in `AWS/Lambda` with its
   * `EventSourceMappingUUID`: Sum over 5 minutes unless `props` say
   * otherwise. Lambda publishes it only while `eventSourceMetrics` is on.
   */
  public metricEventSource(metric: EventSourceMetric, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: metric,
      dimensionsMap: { EventSourceMappingUUID: this.eventSource.eventSourceMappingId },
      statistic: 'Sum',
      ...props,
    });
  }
}

/** The stack's name and the path of the consumer's scope in it: `MyStack/Orders`. */
function defaultPipelineName(consumer: Construct): string {
  const stack = Stack.of(consumer);
  const scopePath = consumer.node.scope?.node.path ?? '';
  const inStack = scopePath.startsWith(`${stack.node.path}/`) ? scopePath.slice(stack.node.path.length + 1) : '';
  return inStack ? `${stack.stackName}/${inStack}` : stack.stackName;
}

function validate(scope: Construct, props: QueueConsumerProps, fifo: boolean): void {
  const v = new PropsValidator(scope, `QueueConsumer (${scope.node.path})`);
  const kind = (isFifo: boolean) => (isFifo ? 'FIFO' : 'standard');

  v.check(props.code === undefined, 'code: required for a QueueConsumer used alone (got undefined)');

  const topic = topicKind(props.topic);
  v.check(
    fifo && topic === 'standard',
    `topic: a FIFO queue can only subscribe to a FIFO SNS topic (got the standard topic ${props.topic.node.path}); ` +
      'pass a FIFO topic (an imported one needs an ARN ending in .fifo) or set fifo: false',
  );
  if (fifo && topic === 'unknown') {
    v.warn(
      'topicKind',
      `topic: cannot tell whether the imported topic ${props.topic.node.path} is FIFO (its ARN is a token); a FIFO queue can only subscribe to a FIFO topic, and AWS rejects the subscription at deploy time otherwise`,
    );
  }
  v.check(
    props.deadLetterQueue !== undefined && props.deadLetterQueue.fifo !== fifo,
    `deadLetterQueue: must be ${kind(fifo)} like its queue (got a ${kind(!fifo)} queue)`,
  );
  checkConsumerOptions(v, props, fifo);
  checkSubscriptionDeadLetterQueue(v, props, topic === 'unknown' ? undefined : topic === 'fifo');
  if (topic === 'unknown' && (props.createSubscriptionDeadLetterQueue || props.subscriptionDeadLetterQueue)) {
    v.warn(
      'subscriptionDeadLetterQueueKind',
      `subscriptionDeadLetterQueue: cannot tell whether the imported topic ${props.topic.node.path} is FIFO (its ARN is a token); a subscription's dead-letter queue must be of its topic's kind, and AWS rejects the subscription at deploy time otherwise`,
    );
  }
  durationRange(v, 'retentionPeriod', props.retentionPeriod, 60, 1209600);
  const namespace = props.metricsNamespace;
  if (namespace !== undefined && !Token.isUnresolved(namespace)) {
    v.check(
      namespace.length < 1 || namespace.length > 255 || namespace.startsWith('AWS/'),
      `metricsNamespace: must be 1 to 255 characters, not starting with AWS/ (got ${JSON.stringify(namespace)})`,
    );
  }
  const pipelineName = props.pipelineName;
  if (pipelineName !== undefined && !Token.isUnresolved(pipelineName)) {
    v.check(
      pipelineName.length < 1 || pipelineName.length > 1024,
      `pipelineName: must be 1 to 1,024 characters, a CloudWatch dimension value (got ${pipelineName.length} characters)`,
    );
  }
  v.throwIfInvalid();
}

function filterPolicyOf(props: QueueConsumerProps): { [attribute: string]: sns.SubscriptionFilter } | undefined {
  if (props.eventTypes) return { type: sns.SubscriptionFilter.stringFilter({ allowlist: props.eventTypes }) };
  return props.filterPolicy;
}

/**
 * The KMS actions DynamoDB calls with the caller's credentials on a table encrypted with a
 * customer-managed key. Not `grantEncryptDecrypt`, which adds the wildcard actions
 * `kms:ReEncrypt*` and `kms:GenerateDataKey*`; DynamoDB never re-encrypts for the caller.
 */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/** What a function with a table may call on it when `tableActions` is not given. */
const DEFAULT_TABLE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

function grantTable(fn: lambda.Function, table: dynamodb.ITable, actions: string[]): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions,
      resources: [table.tableArn],
    }),
  );
  table.encryptionKey?.grant(fn, ...TABLE_KEY_ACTIONS);
}

/**
 * Lets the function send to its dead-letter queue: `sqs:SendMessage`, which
 * SendMessageBatch uses, and the two KMS actions a producer to an encrypted
 * queue needs. Not `grantSendMessages`, which also grants `kms:ReEncrypt*`
 * and `kms:GenerateDataKey*`, wildcard actions the function does not use.
 */
function grantDeadLetter(fn: lambda.Function, deadLetterQueue: sqs.IQueue): void {
  deadLetterQueue.grant(fn, 'sqs:SendMessage');
  deadLetterQueue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
}

/**
 * Subscribes the queue to the topic with raw delivery, as `SqsSubscription`
 * does, but names the topic in the key policy by an ARN built from its name.
 * When one key encrypts both the topic and the queue, `SqsSubscription`'s
 * `Ref` to the topic inside the key policy makes a circular dependency
 * (key -> topic -> key) that CloudFormation rejects.
 */
function subscribe(
  scope: Construct,
  topic: sns.ITopic,
  queue: sqs.Queue,
  key: kms.IKey,
  filterPolicy?: { [attribute: string]: sns.SubscriptionFilter },
  deadLetterQueue?: sqs.IQueue,
): sns.Subscription {
  const sns_ = new iam.ServicePrincipal('sns.amazonaws.com');
  const policy = queue.addToResourcePolicy(
    new iam.PolicyStatement({
      actions: ['sqs:SendMessage'],
      principals: [sns_],
      resources: [queue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
    }),
  );
  const topicArn = topicArnWithoutRef(topic);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      principals: [sns_],
      resources: ['*'],
      conditions: { ArnEquals: { 'aws:SourceArn': topicArn } },
    }),
  );
  const subscription = new sns.Subscription(scope, 'Subscription', {
    topic,
    endpoint: queue.queueArn,
    protocol: sns.SubscriptionProtocol.SQS,
    rawMessageDelivery: true,
    filterPolicy,
    // Adds the statement letting SNS send to it from this topic only to the
    // dead-letter queue's policy (on a queue of this app; an imported queue
    // keeps its own policy).
    deadLetterQueue,
  });
  if (policy.policyDependable) subscription.node.addDependency(policy.policyDependable);
  const deadLetterPolicy = deadLetterQueue?.node.tryFindChild('Policy');
  if (deadLetterPolicy instanceof sqs.QueuePolicy) subscription.node.addDependency(deadLetterPolicy);
  return subscription;
}

/** The topic's ARN built from its literal name when it has one, so that no Ref to the topic is needed. */
function topicArnWithoutRef(topic: sns.ITopic): string {
  const cfn = topic.node.defaultChild;
  if (cfn instanceof sns.CfnTopic && cfn.topicName !== undefined && !Token.isUnresolved(cfn.topicName)) {
    return Stack.of(topic).formatArn({ service: 'sns', resource: cfn.topicName, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  }
  return topic.topicArn;
}
