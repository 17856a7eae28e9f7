/**
 * One mapper per resource type: resolved CloudFormation properties in, local plan entry out.
 */
import { type CfnTemplate, isTrue } from './identities';
import type { ResolveScope } from './intrinsics';
import type { EventSourcePlan, FunctionPlan, KeyElement, QueuePlan, StackPlan, SubscriptionPlan, TablePlan, TopicPlan } from './template';

export function mapTopic(logicalId: string, name: string, arn: string, props: Record<string, unknown>, path?: string): TopicPlan {
  const fifo = isTrue(props.FifoTopic);
  const attributes: Record<string, string> = {};
  if (fifo) attributes.FifoTopic = 'true';
  if (props.ContentBasedDeduplication !== undefined) {
    attributes.ContentBasedDeduplication = String(isTrue(props.ContentBasedDeduplication));
  }
  if (typeof props.DisplayName === 'string') attributes.DisplayName = props.DisplayName;
  // SNS FIFO message archiving: the emulator keeps the topic's messages for replays (fauxqs-archive.cjs).
  if (props.ArchivePolicy !== undefined) {
    attributes.ArchivePolicy = typeof props.ArchivePolicy === 'string' ? props.ArchivePolicy : JSON.stringify(props.ArchivePolicy);
  }
  return { logicalId, name, arn, fifo, attributes, ...(path ? { path } : {}) };
}

const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'ContentBasedDeduplication',
] as const;

export function mapQueue(
  logicalId: string,
  name: string,
  arn: string,
  url: string,
  props: Record<string, unknown>,
  template: CfnTemplate,
  scope: ResolveScope & { identity(id: string): { attributes: Record<string, string> } },
): QueuePlan {
  const fifo = isTrue(props.FifoQueue);
  const attributes: Record<string, string> = {};
  if (fifo) attributes.FifoQueue = 'true';
  for (const key of QUEUE_ATTRIBUTES) {
    if (props[key] !== undefined) attributes[key] = String(props[key]);
  }
  let deadLetterQueue: string | undefined;
  let maxReceiveCount: number | undefined;
  const redrive = typeof props.RedrivePolicy === 'string' ? JSON.parse(props.RedrivePolicy) : props.RedrivePolicy;
  if (redrive && typeof redrive === 'object') {
    const { deadLetterTargetArn, maxReceiveCount: count } = redrive as Record<string, unknown>;
    deadLetterQueue = Object.keys(template.Resources).find(
      (id) => template.Resources[id].Type === 'AWS::SQS::Queue' && scope.identity(id).attributes.Arn === deadLetterTargetArn,
    );
    if (!deadLetterQueue) throw new Error(`RedrivePolicy.deadLetterTargetArn ${String(deadLetterTargetArn)} is not a queue in this stack`);
    maxReceiveCount = Number(count);
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn, maxReceiveCount });
  }
  const visibilityTimeoutSeconds = Number(props.VisibilityTimeout ?? 30);
  return { logicalId, name, arn, url, fifo, visibilityTimeoutSeconds, deadLetterQueue, maxReceiveCount, attributes };
}

export function mapSubscription(logicalId: string, props: Record<string, unknown>, plan: StackPlan): SubscriptionPlan | string {
  if (props.Protocol !== 'sqs') return `protocol ${String(props.Protocol)} has no local endpoint`;
  const topic = plan.topics.find((t) => t.arn === props.TopicArn || t.importedArn === props.TopicArn);
  const queue = plan.queues.find((q) => q.arn === props.Endpoint);
  if (!topic) throw new Error(`TopicArn ${String(props.TopicArn)} is not a topic in this stack`);
  if (!queue) throw new Error(`Endpoint ${String(props.Endpoint)} is not a queue in this stack`);
  // AWS refuses this subscription; fauxqs would accept it, so the local run refuses it instead.
  if (queue.fifo && !topic.fifo) throw new Error(`FIFO queue ${queue.logicalId} cannot subscribe to standard topic ${topic.logicalId}`);
  if (topic.fifo && !queue.fifo) {
    plan.notes.push(
      `${queue.logicalId} receives duplicate publishes to FIFO topic ${topic.logicalId}: ` +
        'fauxqs deduplicates at the FIFO queue only, where AWS deduplicates at the topic',
    );
  }
  if (props.RedrivePolicy !== undefined) {
    const target = redriveTarget(props.RedrivePolicy);
    const dlq = plan.queues.find((q) => q.arn === target)?.logicalId ?? String(target);
    plan.notes.push(
      `subscription ${logicalId}: its redrive policy to ${dlq} is not emulated: ` +
        'fauxqs delivers or fails silently (a message to a missing queue is dropped), and nothing reaches the subscription dead-letter queue',
    );
  }
  const attributes: Record<string, string> = {};
  if (props.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(isTrue(props.RawMessageDelivery));
  if (props.FilterPolicy !== undefined) {
    attributes.FilterPolicy = typeof props.FilterPolicy === 'string' ? props.FilterPolicy : JSON.stringify(props.FilterPolicy);
  }
  if (typeof props.FilterPolicyScope === 'string') attributes.FilterPolicyScope = props.FilterPolicyScope;
  return { logicalId, topic: topic.logicalId, queue: queue.logicalId, attributes };
}

/** The dead-letter target of a subscription's RedrivePolicy, given as an object or a JSON string. */
function redriveTarget(policy: unknown): unknown {
  if (typeof policy === 'string') {
    try {
      return (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    } catch {
      return undefined;
    }
  }
  return (policy as { deadLetterTargetArn?: unknown } | null)?.deadLetterTargetArn;
}

export function mapTable(logicalId: string, name: string, arn: string, props: Record<string, unknown>, notes: string[]): TablePlan {
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: unknown } | undefined;
  const timeToLiveAttribute = ttl && isTrue(ttl.Enabled) ? ttl.AttributeName : undefined;
  if (timeToLiveAttribute) {
    notes.push(`table ${logicalId}: TTL on "${timeToLiveAttribute}" is not applied (dynalite has no UpdateTimeToLive)`);
  }
  if (props.StreamSpecification) notes.push(`table ${logicalId}: the stream is not emulated`);
  const indexes = (list: unknown) =>
    ((list as { IndexName: string; KeySchema: KeyElement[]; Projection: unknown }[] | undefined) ?? []).map((i) => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: i.Projection ?? { ProjectionType: 'ALL' },
    }));
  return {
    logicalId,
    name,
    arn,
    keySchema: props.KeySchema as KeyElement[],
    attributeDefinitions: props.AttributeDefinitions as TablePlan['attributeDefinitions'],
    globalSecondaryIndexes: indexes(props.GlobalSecondaryIndexes),
    localSecondaryIndexes: indexes(props.LocalSecondaryIndexes),
    timeToLiveAttribute,
  };
}

export function mapFunction(logicalId: string, name: string, arn: string, props: Record<string, unknown>): FunctionPlan {
  const code = (props.Code ?? {}) as Record<string, unknown>;
  const image = props.PackageType === 'Image' || code.ImageUri !== undefined;
  const runtime = image ? 'container image' : String(props.Runtime ?? 'nodejs22.x');
  // Only Node.js functions run in the local run's worker threads; the others are listed, with the
  // queues they would consume, and the run goes on without them.
  const notRunnable = image
    ? 'a container image: only Node.js functions from a file asset run locally'
    : runtime.startsWith('nodejs')
      ? undefined
      : 'only Node.js functions run locally';
  if (!notRunnable && code.ZipFile !== undefined) throw new Error('inline code (Code.ZipFile) is not run locally');
  const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
  const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)]));
  const logging = (props.LoggingConfig ?? {}) as { LogFormat?: string; ApplicationLogLevel?: string };
  return {
    logicalId,
    name,
    arn,
    handler: String(props.Handler ?? 'index.handler'),
    runtime,
    timeoutSeconds: Number(props.Timeout ?? 3),
    memorySize: Number(props.MemorySize ?? 128),
    environment,
    assetKey: typeof code.S3Key === 'string' ? code.S3Key : undefined,
    reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
    logFormat: logging.LogFormat,
    applicationLogLevel: logging.ApplicationLogLevel,
    ...(notRunnable ? { notRunnable } : {}),
  };
}

export function mapEventSource(logicalId: string, props: Record<string, unknown>, plan: StackPlan): EventSourcePlan {
  const queue = plan.queues.find((q) => q.arn === props.EventSourceArn);
  if (!queue) throw new Error(`EventSourceArn ${String(props.EventSourceArn)} is not an SQS queue in this stack`);
  const target = String(props.FunctionName).replace(/^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+):[^:]+$/, '$1');
  const fn = plan.functions.find((f) => f.name === target || f.arn === target);
  if (!fn) throw new Error(`FunctionName ${String(props.FunctionName)} is not a function in this stack`);
  if (props.FilterCriteria !== undefined) throw new Error('FilterCriteria (event filtering) is not emulated');
  const types = (props.FunctionResponseTypes as string[] | undefined) ?? [];
  const scaling = props.ScalingConfig as { MaximumConcurrency?: number } | undefined;
  return {
    logicalId,
    function: fn.logicalId,
    queue: queue.logicalId,
    batchSize: Number(props.BatchSize ?? 10),
    maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
    reportBatchItemFailures: types.includes('ReportBatchItemFailures'),
    enabled: props.Enabled === undefined || isTrue(props.Enabled),
    maximumConcurrency: scaling?.MaximumConcurrency === undefined ? undefined : Number(scaling.MaximumConcurrency),
  };
}
