/**
 * Maps a synthesized CloudFormation template to the resources the local run creates.
 * Pure: no I/O, no emulator calls.
 */
import { API_GATEWAY_TYPES, type ApiResourceInput, type RestApiPlan, planRestApis } from './apigateway/plan';
import { CfnResource, CfnTemplate, LocalEnvironment, createScope } from './identities';
import { IntrinsicError, resolveString, resolveValue } from './intrinsics';
import { mapEventSource, mapFunction, mapQueue, mapSubscription, mapTable, mapTopic } from './resource-mappers';
import { skipReason } from './skipped-types';

export type { CfnTemplate, LocalEnvironment } from './identities';

export class TemplateError extends Error {
  public readonly name = 'TemplateError';
  constructor(public readonly problems: string[]) {
    super(`the template cannot run locally:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface TopicPlan {
  /** The logical id; for a topic the stack imports, its name without `.fifo`. */
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly fifo: boolean;
  /** The construct path (`aws:cdk:path`, e.g. `Stack/Orders/Topic/Topic/Resource`), when the template has it. */
  readonly path?: string;
  /** Attributes for CreateTopic. */
  readonly attributes: Record<string, string>;
  /**
   * The ARN the template names, for a topic the stack does not create but subscribes to (an
   * imported topic): the local run creates it by its name, in the emulators' account.
   */
  readonly importedArn?: string;
}

export interface QueuePlan {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds: number;
  /** Logical id of the dead-letter queue, if the queue has a RedrivePolicy. */
  readonly deadLetterQueue?: string;
  readonly maxReceiveCount?: number;
  /** Attributes for CreateQueue, RedrivePolicy included. */
  readonly attributes: Record<string, string>;
}

export interface SubscriptionPlan {
  readonly logicalId: string;
  readonly topic: string;
  readonly queue: string;
  /** Attributes for Subscribe: RawMessageDelivery, FilterPolicy, FilterPolicyScope. */
  readonly attributes: Record<string, string>;
}

export interface KeyElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

export interface TablePlan {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly keySchema: KeyElement[];
  readonly attributeDefinitions: { AttributeName: string; AttributeType: string }[];
  readonly globalSecondaryIndexes: { IndexName: string; KeySchema: KeyElement[]; Projection: unknown }[];
  readonly localSecondaryIndexes: { IndexName: string; KeySchema: KeyElement[]; Projection: unknown }[];
  readonly timeToLiveAttribute?: string;
}

export interface FunctionPlan {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** e.g. index.handler */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  /** Code.S3Key, `<asset hash>.zip` for CDK assets. */
  readonly assetKey?: string;
  readonly reservedConcurrency?: number;
  /** LoggingConfig.LogFormat and ApplicationLogLevel, which the runtime passes to the code. */
  readonly logFormat?: string;
  readonly applicationLogLevel?: string;
  /**
   * Why the function is not run locally (another runtime than Node.js, or a container image); its
   * event sources are not polled. Undefined for a function that runs.
   */
  readonly notRunnable?: string;
}

export interface EventSourcePlan {
  readonly logicalId: string;
  readonly function: string;
  readonly queue: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
  readonly maximumConcurrency?: number;
}

export interface OutputPlan {
  readonly logicalId: string;
  readonly value: string;
}

export interface SkippedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

export interface StackPlan {
  readonly stackName: string;
  readonly region: string;
  readonly topics: TopicPlan[];
  readonly queues: QueuePlan[];
  readonly subscriptions: SubscriptionPlan[];
  readonly tables: TablePlan[];
  readonly functions: FunctionPlan[];
  readonly eventSources: EventSourcePlan[];
  readonly outputs: OutputPlan[];
  readonly skipped: SkippedResource[];
  /** REST APIs (API Gateway v1) the local API serves. */
  readonly apis: RestApiPlan[];
  /** Things the local run does differently from AWS, to print. */
  readonly notes: string[];
}

/** Builds the local plan, or throws one TemplateError listing every problem. */
export function planStack(template: CfnTemplate, env: LocalEnvironment): StackPlan {
  const scope = createScope(template, env);
  const plan: StackPlan = {
    stackName: env.stackName,
    region: env.region,
    topics: [],
    queues: [],
    subscriptions: [],
    tables: [],
    functions: [],
    eventSources: [],
    outputs: [],
    skipped: [],
    apis: [],
    notes: [],
  };
  const apiResources: ApiResourceInput[] = [];
  const problems: string[] = [];
  const deferred: [string, CfnResource][] = [];

  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    try {
      if (resource.Condition && !scope.condition(resource.Condition)) {
        plan.skipped.push({ logicalId, type: resource.Type, reason: `condition ${resource.Condition} is false` });
        continue;
      }
      const reason = skipReason(resource.Type);
      if (reason) {
        plan.skipped.push({ logicalId, type: resource.Type, reason });
      } else if (resource.Type === 'AWS::SNS::Subscription' || resource.Type === 'AWS::Lambda::EventSourceMapping') {
        deferred.push([logicalId, resource]);
      } else {
        mapResource(logicalId, resource);
      }
    } catch (e) {
      problems.push(describe(e, logicalId));
    }
  }
  // Subscriptions and event sources point at topics, queues and functions mapped above.
  for (const [logicalId, resource] of deferred) {
    try {
      mapResource(logicalId, resource);
    } catch (e) {
      problems.push(describe(e, logicalId));
    }
  }
  try {
    plan.apis.push(...planRestApis(apiResources));
  } catch (e) {
    problems.push(...(e as Error).message.split('\n'));
  }
  for (const [logicalId, output] of Object.entries(template.Outputs ?? {})) {
    try {
      plan.outputs.push({ logicalId, value: resolveString(output.Value, scope, `Outputs.${logicalId}.Value`) });
    } catch (e) {
      problems.push(describe(e, `Outputs.${logicalId}`));
    }
  }
  if (problems.length > 0) throw new TemplateError(problems);
  return plan;

  /**
   * A subscription to a topic that the stack does not create, named by its literal ARN (a topic
   * imported with `Topic.fromTopicArn`): on AWS it exists already; locally it is created by its
   * name, with CreateTopic's defaults, so that its subscriptions run. Said in the notes.
   */
  function importTopic(topicArn: unknown): void {
    if (typeof topicArn !== 'string' || plan.topics.some((t) => t.arn === topicArn || t.importedArn === topicArn)) return;
    const match = /^arn:[\w-]+:sns:[\w-]+:\d{12}:([\w-]{1,251}(\.fifo)?)$/.exec(topicArn);
    if (!match) return;
    const [, name, fifo] = match;
    const arn = `arn:aws:sns:${env.region}:${env.accountId}:${name}`;
    if (plan.topics.some((t) => t.arn === arn)) throw new Error(`TopicArn ${topicArn}: the stack also creates a topic named ${name}`);
    plan.topics.push({ logicalId: name.replace(/\.fifo$/, ''), name, arn, fifo: !!fifo, attributes: fifo ? { FifoTopic: 'true' } : {}, importedArn: topicArn });
    plan.notes.push(
      `Topic ${name} is not in the template: the stack subscribes to ${topicArn}, which must exist on AWS. ` +
        'The local run creates it on the emulators by its name, with the default attributes, so that its subscriptions run.',
    );
  }

  function mapResource(logicalId: string, resource: CfnResource): void {
    const where = `Resources.${logicalId}.Properties`;
    const props = (resolveValue(resource.Properties ?? {}, scope, where) ?? {}) as Record<string, unknown>;
    const id = scope.identity(logicalId);
    switch (resource.Type) {
      case 'AWS::SNS::Topic': {
        const topic = mapTopic(logicalId, id.name, id.ref, props, constructPath(resource));
        plan.topics.push(topic);
        if (topic.attributes.ArchivePolicy) {
          plan.notes.push(
            `topic ${logicalId}: its archive (ArchivePolicy ${topic.attributes.ArchivePolicy}) is emulated for this run only: ` +
              'every message the topic accepts is kept in memory until the run stops (MessageRetentionPeriod is not enforced), ' +
              'and replay --local replays it into a subscription',
          );
        }
        return;
      }
      case 'AWS::SQS::Queue':
        plan.queues.push(mapQueue(logicalId, id.name, id.attributes.Arn, id.ref, props, template, scope));
        return;
      case 'AWS::SNS::Subscription': {
        importTopic(props.TopicArn);
        const sub = mapSubscription(logicalId, props, plan);
        if (typeof sub === 'string') plan.skipped.push({ logicalId, type: resource.Type, reason: sub });
        else plan.subscriptions.push(sub);
        return;
      }
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        plan.tables.push(mapTable(logicalId, id.name, id.attributes.Arn, props, plan.notes));
        return;
      case 'AWS::Lambda::Function':
        plan.functions.push(mapFunction(logicalId, id.name, id.attributes.Arn, props));
        return;
      case 'AWS::Lambda::EventSourceMapping':
        plan.eventSources.push(mapEventSource(logicalId, props, plan));
        return;
      default:
        if (API_GATEWAY_TYPES.has(resource.Type)) {
          apiResources.push({ logicalId, type: resource.Type, ref: id.ref, props });
          return;
        }
        throw new Error(`resource type ${resource.Type} is not supported by the local run`);
    }
  }
}

function constructPath(resource: CfnResource): string | undefined {
  const path = resource.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path : undefined;
}

function describe(e: unknown, where: string): string {
  const message = e instanceof Error ? e.message : String(e);
  return e instanceof IntrinsicError || message.startsWith('Resources.') ? message : `${where}: ${message}`;
}
