/**
 * Finds the pipeline's resources: from a deployed stack's CloudFormation
 * outputs, or from the local run's endpoints file. Both give the same names:
 * output `EventLogQueueUrl` and variable `EVENT_LOG_QUEUE_URL` are the
 * `event-log` consumer's queue.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Values, stringOption } from './args';
import { CliError, EXIT, type ErrorContext, explain } from './errors';
import type { CliIO } from './io';

/** A consumer's queue and dead-letter queue. */
export interface ConsumerQueues {
  /** `event-log`, `state-projector`. */
  readonly name: string;
  readonly queueUrl?: string;
  readonly deadLetterQueueUrl?: string;
}

/** A topic of the pipeline: `TOPIC_ARN`, or one of several `<NAME>_TOPIC_ARN`. */
export interface TopicRef {
  /** `orders` for `ORDERS_TOPIC_ARN` (output `OrdersTopicArn`), `topic` for `TOPIC_ARN`. */
  readonly name: string;
  /** The variable (local run) or output (stack, as a variable) that holds it. */
  readonly variable: string;
  readonly arn: string;
}

/** The pipeline a command works on. */
export interface Target {
  readonly kind: 'aws' | 'local';
  /** `stack EventPipeline-sandbox in eu-west-1`, `the local run (.local/endpoints.json)`. */
  readonly label: string;
  readonly region: string;
  readonly stackName?: string;
  /** `TOPIC_ARN` (output `TopicArn`). */
  readonly topicArn?: string;
  /** Every topic, by distinct ARN: `TOPIC_ARN` and the `<NAME>_TOPIC_ARN` of a stack with several. */
  readonly topics: readonly TopicRef[];
  /** The Events API's stage URL: output `EventsApiUrl`, variable `EVENTS_API_URL`. */
  readonly eventsApiUrl?: string;
  /** Local only: the sample partner's API key, variable `EVENTS_API_KEY`. */
  readonly eventsApiKey?: string;
  readonly consumers: readonly ConsumerQueues[];
  /**
   * A deployed stack's resources (ListStackResources), when the command asked for them (see
   * `resolveTarget`) and the caller may list them.
   */
  readonly stackResources?: readonly StackResourceSummary[];
  /** Tables by role: `events`, `state`. */
  readonly tables: Readonly<Record<string, string>>;
  /** Local only: the SQS endpoint, for the emulator's inspection API. */
  readonly sqsEndpoint?: string;
  /** Local only: where the local run writes the handlers' logs. */
  readonly logDir?: string;
  readonly clients: Clients;
  readonly errorContext: ErrorContext;
}

/** SDK clients, created on first use. */
export interface Clients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly cloudwatch: CloudWatchClient;
  readonly cloudformation: CloudFormationClient;
  destroy(): void;
}

interface ClientConfig {
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints?: { readonly sns?: string; readonly sqs?: string; readonly dynamodb?: string };
}

export const DEFAULT_ENDPOINTS_FILE = join('.local', 'endpoints.json');

/** Resolves --stack/--region or --local/--endpoints. */
/**
 * The pipeline the command works on. With `stackResources`, a deployed stack's resources are
 * listed too: the consumers then include those the outputs do not name (added with
 * `pipeline.addConsumer()`), and `target.stackResources` holds them for the command (status's
 * alarms). Commands that need no consumer (publish, replay --subject) leave the call out.
 */
export async function resolveTarget(values: Values, io: CliIO, options: { readonly stackResources?: boolean } = {}): Promise<Target> {
  const stack = stringOption(values, 'stack');
  const local = values.local === true;
  if (stack !== undefined && local) throw new CliError('give --stack or --local, not both', EXIT.USAGE);
  if (stack === undefined && !local) {
    throw new CliError(
      'say which pipeline: --stack NAME for a deployed stack, or --local for the local run (`npm start -- --keep`)',
      EXIT.USAGE,
    );
  }
  if (local) {
    if (values.region !== undefined) throw new CliError('--region applies to --stack only', EXIT.USAGE);
    return localTarget(stringOption(values, 'endpoints') ?? DEFAULT_ENDPOINTS_FILE, io);
  }
  if (values.endpoints !== undefined) throw new CliError('--endpoints applies to --local only', EXIT.USAGE);
  return stackTarget(stack!, stringOption(values, 'region') ?? (io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || undefined), io, options.stackResources === true);
}

function localTarget(file: string, io: CliIO): Target {
  const path = resolve(io.cwd, file);
  const fromCwd = relative(io.cwd, path);
  const shown = fromCwd && !fromCwd.startsWith('..') ? fromCwd : path;
  if (!existsSync(path)) {
    throw new CliError(
      `the local run is not started: ${shown} does not exist. Start it in another terminal with \`npm start -- --keep\`, or point --endpoints at its endpoints file`,
      EXIT.UNREACHABLE,
    );
  }
  let vars: Record<string, unknown>;
  try {
    vars = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${shown} is not valid JSON (${(error as Error).message}): restart the local run`, EXIT.UNREACHABLE);
  }
  const str = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string) : undefined);
  const region = str('AWS_REGION') ?? 'us-east-1';
  const endpoints = {
    sns: str('AWS_ENDPOINT_URL_SNS'),
    sqs: str('AWS_ENDPOINT_URL_SQS'),
    dynamodb: str('AWS_ENDPOINT_URL_DYNAMODB'),
  };
  if (!endpoints.sqs) {
    throw new CliError(`${shown} has no AWS_ENDPOINT_URL_SQS: is it the local run's endpoints file?`, EXIT.UNREACHABLE);
  }
  const credentials = {
    accessKeyId: str('AWS_ACCESS_KEY_ID') ?? 'local',
    secretAccessKey: str('AWS_SECRET_ACCESS_KEY') ?? 'local',
  };
  const strings = Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === 'string');
  const named = fromVariables(Object.fromEntries(strings));
  return {
    kind: 'local',
    label: `the local run (${shown})`,
    region,
    ...named,
    sqsEndpoint: endpoints.sqs,
    logDir: join(dirname(path), 'logs'),
    clients: createClients({ region, credentials, endpoints }, io),
    errorContext: { local: true, endpoint: endpoints.sqs },
  };
}

async function stackTarget(stackName: string, regionOption: string | undefined, io: CliIO, withResources: boolean): Promise<Target> {
  const clients = createClients({ region: regionOption }, io);
  let region = regionOption;
  const context = (): ErrorContext => ({ local: false, stackName, region });
  try {
    region = await clients.cloudformation.config.region();
    const { Stacks = [] } = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [envName(o.OutputKey ?? ''), o.OutputValue ?? '']));
    const named = fromVariables(outputs);
    const resources = withResources ? await listableStackResources(clients.cloudformation, stackName) : undefined;
    return {
      kind: 'aws',
      label: `stack ${stackName} in ${region}`,
      region,
      stackName,
      ...named,
      ...(resources && { consumers: withUnlistedConsumers(named.consumers, resources), stackResources: resources }),
      clients,
      errorContext: context(),
    };
  } catch (error) {
    clients.destroy();
    throw explain(error, context());
  }
}

/** The stack's resources (ListStackResources, every page). */
export async function listStackResources(cloudformation: CloudFormationClient, stackName: string): Promise<StackResourceSummary[]> {
  const found: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const out = await cloudformation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
    found.push(...(out?.StackResourceSummaries ?? []));
    token = out?.NextToken;
  } while (token);
  return found;
}

/** The stack's resources, or undefined without cloudformation:ListStackResources: then the outputs alone name the consumers. */
async function listableStackResources(cloudformation: CloudFormationClient, stackName: string): Promise<StackResourceSummary[] | undefined> {
  try {
    return await listStackResources(cloudformation, stackName);
  } catch (error) {
    if (/AccessDenied/.test((error as Error).name)) return undefined;
    throw error;
  }
}

/** `OrdersAuditQueue1A2B3C4D` (or its `...DeadLetterQueue...`) -> `orders-audit`: the consumer a queue's logical id names. */
export function consumerName(logicalId: string): string {
  const base = logicalId.replace(/[0-9A-F]{8}$/, '').replace(/(DeadLetterQueue|Queue)$/, '');
  return envName(base).toLowerCase().replace(/_/g, '-');
}

/**
 * The consumers the outputs name, and those they do not: a consumer added with
 * `pipeline.addConsumer()` has no output, so its queue and dead-letter queue are found among the
 * stack's queues by their logical ids (`OrdersAuditQueue1A2B3C4D` and
 * `OrdersAuditDeadLetterQueue5E6F7A8B` are consumer `orders-audit`). A subscription's own
 * dead-letter queue (`...SubscriptionDeadLetterQueue...`) is not a consumer's queue.
 */
export function withUnlistedConsumers(listed: readonly ConsumerQueues[], resources: readonly StackResourceSummary[]): ConsumerQueues[] {
  const known = new Set(listed.flatMap((c) => [c.queueUrl, c.deadLetterQueueUrl]).filter((u): u is string => !!u));
  const added = new Map<string, { name: string; queueUrl?: string; deadLetterQueueUrl?: string }>();
  for (const queue of resources) {
    const url = queue.PhysicalResourceId;
    const id = (queue.LogicalResourceId ?? '').replace(/[0-9A-F]{8}$/, '');
    if (queue.ResourceType !== 'AWS::SQS::Queue' || !url || known.has(url) || /SubscriptionDeadLetterQueue$/.test(id)) continue;
    const kind = /DeadLetterQueue$/.test(id) ? 'deadLetterQueueUrl' : /Queue$/.test(id) ? 'queueUrl' : undefined;
    if (!kind) continue;
    const name = consumerName(id);
    const entry = added.get(name) ?? { name };
    entry[kind] = url;
    added.set(name, entry);
  }
  return [...listed, ...[...added.values()].filter((c) => c.queueUrl)].sort((a, b) => a.name.localeCompare(b.name));
}

/** The pipeline's names from environment-style variables (the local run's file, or converted stack outputs). */
export function fromVariables(
  vars: Readonly<Record<string, string>>,
): Pick<Target, 'topicArn' | 'topics' | 'eventsApiUrl' | 'eventsApiKey' | 'consumers' | 'tables'> {
  const consumers = new Map<string, { name: string; queueUrl?: string; deadLetterQueueUrl?: string }>();
  const consumer = (key: string) => {
    const name = key.toLowerCase().replace(/_/g, '-');
    const found = consumers.get(name) ?? { name };
    consumers.set(name, found);
    return found;
  };
  const tables: Record<string, string> = {};
  const topics: TopicRef[] = [];
  for (const [key, value] of Object.entries(vars)) {
    let m: RegExpExecArray | null;
    if (/^(.+_)?TOPIC_ARN$/.test(key) && value) topics.push({ name: topicShortName(key), variable: key, arn: value });
    else if ((m = /^(.+)_DEAD_LETTER_QUEUE_URL$/.exec(key))) consumer(m[1]).deadLetterQueueUrl = value;
    else if ((m = /^(.+)_QUEUE_URL$/.exec(key))) consumer(m[1]).queueUrl = value;
    else if ((m = /^(.+)_TABLE_NAME$/.exec(key))) tables[m[1].toLowerCase().replace(/_/g, '-')] = value;
  }
  // TOPIC_ARN repeats the topic of the demo when the stack has several: one entry per topic, under its own name.
  const distinct = topics
    .sort((a, b) => Number(a.variable === 'TOPIC_ARN') - Number(b.variable === 'TOPIC_ARN') || a.name.localeCompare(b.name))
    .filter((t, i, all) => all.findIndex((o) => o.arn === t.arn) === i);
  return {
    topicArn: vars.TOPIC_ARN,
    topics: distinct,
    ...(vars.EVENTS_API_URL ? { eventsApiUrl: vars.EVENTS_API_URL } : {}),
    ...(vars.EVENTS_API_KEY ? { eventsApiKey: vars.EVENTS_API_KEY } : {}),
    consumers: [...consumers.values()].sort((a, b) => a.name.localeCompare(b.name)),
    tables,
  };
}

/** `EventsTableName` -> `EVENTS_TABLE_NAME`, as the local run names its variables; a trailing CDK hash is dropped. */
export function envName(logicalId: string): string {
  return logicalId
    .replace(/[0-9A-F]{8}$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toUpperCase();
}

/** `ORDERS_TOPIC_ARN` -> `orders`, `TOPIC_ARN` -> `topic`: how `--topic` names a topic. */
export function topicShortName(variable: string): string {
  const base = variable.replace(/_?TOPIC_ARN$/, '') || 'TOPIC';
  return base.toLowerCase().replace(/_/g, '-');
}

/**
 * The topic to publish to: the one `--topic` names (its short name, variable, ARN or topic name,
 * `.fifo` optional), else the only one. A usage error lists the topics when none or several match.
 */
export function chooseTopic(target: Target, given: string | undefined, output = 'TopicArn'): TopicRef {
  const list = () => target.topics.map((t) => `${t.name} (${t.variable}, ${t.arn.slice(t.arn.lastIndexOf(':') + 1)})`).join(', ');
  if (given === undefined) {
    if (target.topics.length === 1) return target.topics[0];
    if (target.topics.length === 0) required(undefined, output, target);
    throw new CliError(`--topic is needed: ${target.label} has ${target.topics.length} topics: ${list()}; say which with --topic NAME`, EXIT.USAGE);
  }
  const wanted = given.trim();
  const key = envName(wanted.replace(/\.fifo$/, ''));
  const found = target.topics.filter((t) => {
    const topicName = t.arn.slice(t.arn.lastIndexOf(':') + 1);
    return (
      [t.name, t.variable, t.arn, topicName, topicName.replace(/\.fifo$/, '')].includes(wanted) ||
      [envName(t.name), t.variable.replace(/_ARN$/, ''), t.variable.replace(/_TOPIC_ARN$/, '')].includes(key)
    );
  });
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new CliError(`--topic ${JSON.stringify(given)}: no such topic in ${target.label}; it has ${list() || 'no topic'}`, EXIT.USAGE);
  }
  throw new CliError(`--topic ${JSON.stringify(given)} names ${found.length} topics of ${target.label}: ${found.map((t) => t.name).join(', ')}; give one of these names`, EXIT.USAGE);
}

/** The consumer named `name`, or a usage error listing the known ones. */
export function findConsumer(target: Target, name: string): ConsumerQueues {
  const wanted = name.replace(/-(dlq|dead-letter-queue)$/, '');
  const found = target.consumers.find((c) => c.name === wanted);
  if (!found) {
    const known = target.consumers.map((c) => c.name).join(', ') || 'no queue outputs';
    throw new CliError(`unknown queue ${JSON.stringify(name)}: ${target.label} has ${known}`, EXIT.USAGE);
  }
  return found;
}

/** A resource the command needs, or an error naming the missing output. */
export function required(value: string | undefined, output: string, target: Target): string {
  if (value === undefined || value === '') {
    throw new CliError(`${target.label} has no ${output} output (variable ${envName(output)})`, EXIT.UNREACHABLE);
  }
  return value;
}

export function isFifoUrl(url: string): boolean {
  return url.endsWith('.fifo');
}

/** The last path segment of a queue URL. */
export function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

function createClients(config: ClientConfig, io: CliIO): Clients {
  const made: { destroy(): void }[] = [];
  const base = { region: config.region, ...(config.credentials ? { credentials: config.credentials } : {}) };
  const lazy = <T extends { destroy(): void; middlewareStack: unknown }>(create: () => T) => {
    let client: T | undefined;
    return () => {
      if (!client) {
        client = create();
        made.push(client);
        io.onClient?.(client);
      }
      return client;
    };
  };
  const dynamodb = lazy(() => new DynamoDBClient({ ...base, endpoint: config.endpoints?.dynamodb }));
  const clients = {
    sns: lazy(() => new SNSClient({ ...base, endpoint: config.endpoints?.sns })),
    sqs: lazy(() => new SQSClient({ ...base, endpoint: config.endpoints?.sqs })),
    dynamodb,
    documents: lazy(() =>
      DynamoDBDocumentClient.from(dynamodb(), { marshallOptions: { removeUndefinedValues: true } }),
    ),
    cloudwatch: lazy(() => new CloudWatchClient(base)),
    cloudformation: lazy(() => new CloudFormationClient(base)),
  };
  return {
    get sns() {
      return clients.sns();
    },
    get sqs() {
      return clients.sqs();
    },
    get dynamodb() {
      return clients.dynamodb();
    },
    get documents() {
      return clients.documents();
    },
    get cloudwatch() {
      return clients.cloudwatch();
    },
    get cloudformation() {
      return clients.cloudformation();
    },
    destroy: () => made.forEach((c) => c.destroy()),
  };
}
