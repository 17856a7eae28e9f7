/**
 * The endpoints and resource names a running local stack exposes, as environment variables for
 * the AWS CLI, an SDK or the project's publisher.
 */
import { envName } from '../cli/resources';
import { eventsApiOf } from './api-publisher';
import type { LocalRestApi } from './apigateway';
import type { Emulators } from './emulators';
import type { StackPlan, TopicPlan } from './template';

/** `EventsTableName` -> `EVENTS_TABLE_NAME`: the CLI's naming, so the CLI reads what the local run writes. */
export { envName, topicShortName } from '../cli/resources';

export interface ExportOptions {
  /**
   * The topic `TOPIC_ARN` names: the one the demo publishes to. `null` for none (several topics
   * and none chosen). @default the stack's only topic, else its only topic with an SQS subscription
   */
  readonly topic?: TopicPlan | null;
}

/**
 * Variables in a stable order: endpoints, region, topic, the Events API (`EVENTS_API_URL`, its stage
 * URL without a trailing slash, and `EVENTS_API_KEY`, the key to send as `x-api-key`), then topics,
 * tables and queues (see resourceVariables), then the other outputs.
 *
 * With one topic, `TOPIC_ARN` names it. With several, each has its own `<NAME>_TOPIC_ARN` as well,
 * which `event-pipeline publish --local --topic NAME` chooses from, and `TOPIC_ARN` names the
 * demo's topic, if any.
 */
export function exportedVariables(
  plan: StackPlan,
  emulators: Emulators,
  apis: readonly LocalRestApi[] = [],
  options: ExportOptions = {},
): Record<string, string> {
  const vars: Record<string, string> = {
    AWS_ENDPOINT_URL_SNS: emulators.snsSqsEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.snsSqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    AWS_REGION: plan.region,
    // The AWS CLI v1 reads the region from AWS_DEFAULT_REGION only.
    AWS_DEFAULT_REGION: plan.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  const topic = options.topic === undefined ? defaultTopic(plan) : options.topic;
  if (topic) vars.TOPIC_ARN = topic.arn;
  // Before the outputs: the template's EventsApiUrl output holds the AWS URL, not the local one.
  const api = eventsApiOf(apis, topic?.arn);
  if (api) vars.EVENTS_API_URL = api.url;
  if (api?.apiKey) vars.EVENTS_API_KEY = api.apiKey;
  const named = new Set(Object.values(vars));
  const add = (name: string, value: string, again = false) => {
    if ((named.has(value) && !again) || name in vars) return;
    vars[name] = value;
    named.add(value);
  };
  const names = resourceVariables(plan);
  const several = plan.topics.length > 1;
  for (const t of plan.topics) add(names.get(t.logicalId)!, t.arn, several);
  for (const t of plan.tables) add(names.get(t.logicalId)!, t.name);
  for (const q of plan.queues) add(names.get(q.logicalId)!, q.url);
  for (const output of plan.outputs) add(envName(output.logicalId), output.value);
  return vars;
}

/** The stack's only topic, else its only topic with an SQS subscription, else none. */
export function defaultTopic(plan: StackPlan): TopicPlan | undefined {
  if (plan.topics.length === 1) return plan.topics[0];
  const subscribed = plan.topics.filter((t) => plan.subscriptions.some((s) => s.topic === t.logicalId));
  return subscribed.length === 1 ? subscribed[0] : undefined;
}

/**
 * The variable each topic, table and queue is exported under, by logical id: the name of the
 * stack output that holds it (`EventsTableName` -> `EVENTS_TABLE_NAME`), else its logical id
 * without the CDK hash and with the kind's suffix: `<NAME>_TOPIC_ARN`, `<NAME>_TABLE_NAME`,
 * `<NAME>_QUEUE_URL` (`OrdersEventLogQueue1A2B3C4D` -> `ORDERS_EVENT_LOG_QUEUE_URL`). A dead-letter
 * queue is named after the queue whose redrive policy names it, `<NAME>_DEAD_LETTER_QUEUE_URL`, so
 * that the CLI pairs the two as one consumer.
 */
export function resourceVariables(plan: StackPlan): Map<string, string> {
  const output = (value: string) => {
    const found = plan.outputs.find((o) => o.value === value);
    return found && envName(found.logicalId);
  };
  const suffixed = (logicalId: string, kind: string, suffix: string) => {
    const base = envName(logicalId);
    return new RegExp(`(^|_)${kind}$`).test(base) ? `${base}_${suffix}` : `${base}_${kind}_${suffix}`;
  };
  const names = new Map<string, string>();
  for (const t of plan.topics) {
    // With several topics, TOPIC_ARN is the demo's: an output of that name does not name another one.
    const named = output(t.arn);
    names.set(t.logicalId, named && !(plan.topics.length > 1 && named === 'TOPIC_ARN') ? named : suffixed(t.logicalId, 'TOPIC', 'ARN'));
  }
  for (const t of plan.tables) names.set(t.logicalId, output(t.name) ?? suffixed(t.logicalId, 'TABLE', 'NAME'));
  for (const q of plan.queues) names.set(q.logicalId, output(q.url) ?? suffixed(q.logicalId, 'QUEUE', 'URL'));
  for (const q of plan.queues) {
    if (!q.deadLetterQueue || output(plan.queues.find((d) => d.logicalId === q.deadLetterQueue)!.url)) continue;
    const consumer = /^(.+)_QUEUE_URL$/.exec(names.get(q.logicalId)!)?.[1];
    if (consumer && !plan.queues.some((other) => other !== q && other.deadLetterQueue === q.deadLetterQueue && isBefore(plan, other, q))) {
      names.set(q.deadLetterQueue, `${consumer}_DEAD_LETTER_QUEUE_URL`);
    }
  }
  return names;
}

/** Whether queue `a` comes before `b` in the template: a dead-letter queue shared by several is named after the first. */
function isBefore(plan: StackPlan, a: { logicalId: string }, b: { logicalId: string }): boolean {
  return plan.queues.findIndex((q) => q.logicalId === a.logicalId) < plan.queues.findIndex((q) => q.logicalId === b.logicalId);
}

/** `export NAME=value` lines, quoted for a POSIX shell where needed. */
export function exportLines(vars: Record<string, string>): string[] {
  return Object.entries(vars).map(([k, v]) => `export ${k}=${/^[\w./:@%+,-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`}`);
}
