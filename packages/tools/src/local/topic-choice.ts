/**
 * The topic the demo publishes to: the stack's only topic with an SQS subscription, or the one
 * `--topic` names. Pure: works on a plan, before anything is started.
 */
import { UsageError } from './args';
import { envName, resourceVariables, topicShortName } from './exports';
import type { StackPlan, TopicPlan } from './template';

/** Topics with at least one SQS subscription in the stack: those the demo can publish to. */
export function demoTopics(plan: StackPlan): TopicPlan[] {
  return plan.topics.filter((t) => plan.subscriptions.some((s) => s.topic === t.logicalId));
}

/** The name `--topic` takes, here and in `event-pipeline publish --local --topic`: `orders` for ORDERS_TOPIC_ARN. */
export function topicName(plan: StackPlan, topic: TopicPlan): string {
  return topicShortName(resourceVariables(plan).get(topic.logicalId)!);
}

/** `parcels (ParcelsTopic72517F50, TwoPipelines/Parcels/Topic/Topic)`. */
export function describeTopic(plan: StackPlan, topic: TopicPlan): string {
  return `${topicName(plan, topic)} (${[topic.logicalId, withoutResource(topic.path)].filter(Boolean).join(', ')})`;
}

/**
 * The topic `given` names, or the only candidate when none is given. `given` may be, in this
 * order of precedence: the logical id, the topic name (`.fifo` optional), the ARN, the construct
 * path (whole, or without the stack); then, if nothing matched exactly, the name `--topic` takes
 * (`parcels`), a trailing part of the construct path (`Parcels/Topic`, `Topic`) or one of its
 * parts (`Parcels`), in any case. A name matching several topics at the same level is refused,
 * with the topics it matches.
 */
export function chooseTopic(plan: StackPlan, given: string | undefined): TopicPlan {
  const candidates = demoTopics(plan);
  const list = (topics: TopicPlan[]) => topics.map((t) => describeTopic(plan, t)).join(', ');
  if (given === undefined) {
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) {
      throw new UsageError(`stack ${plan.stackName} has no topic with an SQS subscription for the demo to publish to; give --no-demo to run it without one`);
    }
    throw new UsageError(
      `--topic is needed: stack ${plan.stackName} has ${candidates.length} topics with SQS subscriptions, and the demo publishes to one: ` +
        `${list(candidates)}. Give --topic with one of these names (or its logical id, topic name or construct path), or --no-demo`,
    );
  }
  const wanted = given.trim();
  const exact = plan.topics.filter((t) => exactNames(t).includes(wanted));
  const key = wanted.toLowerCase().replace(/_/g, '-');
  const loose = exact.length > 0 ? exact : plan.topics.filter((t) => looseNames(plan, t).includes(key));
  if (loose.length === 0) {
    throw new UsageError(
      `--topic ${JSON.stringify(given)}: no such topic in stack ${plan.stackName}; the demo can publish to ${list(candidates) || 'none of its topics'}`,
    );
  }
  if (loose.length > 1) {
    throw new UsageError(`--topic ${JSON.stringify(given)} matches ${loose.length} topics of stack ${plan.stackName}: ${list(loose)}; give one of their names`);
  }
  const [topic] = loose;
  if (!candidates.includes(topic)) {
    throw new UsageError(
      `--topic ${JSON.stringify(given)}: topic ${topic.logicalId} has no SQS subscription, so nothing would get the demo's events; ` +
        `the demo can publish to ${list(candidates) || 'none of the topics'}`,
    );
  }
  return topic;
}

function exactNames(t: TopicPlan): string[] {
  const path = withoutResource(t.path);
  const names = [t.logicalId, t.name, t.name.replace(/\.fifo$/, ''), t.arn, ...(t.importedArn ? [t.importedArn] : [])];
  if (path) names.push(path, path.split('/').slice(1).join('/'));
  return names;
}

/** Lower case: the short name, the logical id without its hash, trailing parts and parts of the construct path. */
function looseNames(plan: StackPlan, t: TopicPlan): string[] {
  const base = envName(t.logicalId);
  const names = [topicName(plan, t), base, base.replace(/_?TOPIC$/, ''), envName(t.name.replace(/\.fifo$/, ''))].map((n) =>
    n.toLowerCase().replace(/_/g, '-'),
  );
  const parts = withoutResource(t.path)?.split('/').slice(1) ?? [];
  for (let i = 0; i < parts.length; i++) names.push(parts.slice(i).join('/').toLowerCase(), parts[i].toLowerCase());
  return names;
}

function withoutResource(path: string | undefined): string | undefined {
  return path?.replace(/\/Resource$/, '');
}
