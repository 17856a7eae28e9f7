/**
 * The endpoints and resource names a running local stack exposes, as environment variables for
 * the AWS CLI, an SDK or the project's publisher.
 */
import { envName } from '../cli/resources';
import { eventsApiOf } from './api-publisher';
import type { LocalRestApi } from './apigateway';
import type { Emulators } from './emulators';
import type { StackPlan } from './template';

/** `EventsTableName` -> `EVENTS_TABLE_NAME`: the CLI's naming, so the CLI reads what the local run writes. */
export { envName } from '../cli/resources';

/**
 * Variables in a stable order: endpoints, region, topic, the Events API (`EVENTS_API_URL`, its stage
 * URL without a trailing slash, and `EVENTS_API_KEY`, the key to send as `x-api-key`), then tables
 * and queues.
 */
export function exportedVariables(plan: StackPlan, emulators: Emulators, apis: readonly LocalRestApi[] = []): Record<string, string> {
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
  if (plan.topics.length > 0) vars.TOPIC_ARN = plan.topics[0].arn;
  // Before the outputs: the template's EventsApiUrl output holds the AWS URL, not the local one.
  const api = eventsApiOf(apis);
  if (api) vars.EVENTS_API_URL = api.url;
  if (api?.apiKey) vars.EVENTS_API_KEY = api.apiKey;
  const named = new Set(Object.values(vars));
  const add = (name: string, value: string) => {
    if (named.has(value) || name in vars) return;
    vars[name] = value;
    named.add(value);
  };
  const outputFor = (value: string) => plan.outputs.find((o) => o.value === value);
  const resources = [
    ...plan.topics.map((t) => ({ logicalId: t.logicalId, value: t.arn, suffix: '_ARN' })),
    ...plan.tables.map((t) => ({ logicalId: t.logicalId, value: t.name, suffix: '_NAME' })),
    ...plan.queues.map((q) => ({ logicalId: q.logicalId, value: q.url, suffix: '_URL' })),
  ];
  for (const { logicalId, value, suffix } of resources) {
    const output = outputFor(value);
    add(output ? envName(output.logicalId) : withSuffix(envName(logicalId), suffix), value);
  }
  for (const output of plan.outputs) add(envName(output.logicalId), output.value);
  return vars;
}

function withSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name : `${name}${suffix}`;
}

/** `export NAME=value` lines, quoted for a POSIX shell where needed. */
export function exportLines(vars: Record<string, string>): string[] {
  return Object.entries(vars).map(([k, v]) => `export ${k}=${/^[\w./:@%+,-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`}`);
}
