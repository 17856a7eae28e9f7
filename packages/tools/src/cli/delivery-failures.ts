/**
 * SNS notifications the local run's topics could not deliver: a subscription whose queue does not
 * exist. On AWS that is the topic's NumberOfNotificationsFailed metric (and the delivery-failures
 * alarm); locally the emulator's SNS patch (local/runtime/fauxqs-archive.cjs) counts them and
 * answers them in GetTopicAttributes, in attributes of its own.
 */
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface SubscriptionDeliveryFailures {
  readonly subscriptionArn: string;
  readonly queueArn: string;
  readonly failed: number;
}

export interface TopicDeliveryFailures {
  readonly topicArn: string;
  /** Notifications not delivered, the local NumberOfNotificationsFailed. */
  readonly failed: number;
  readonly subscriptions: readonly SubscriptionDeliveryFailures[];
}

/** The local run's delivery failures of each topic, read from the emulator. */
export async function readDeliveryFailures(sns: SNSClient, topicArns: readonly string[]): Promise<TopicDeliveryFailures[]> {
  return Promise.all(
    topicArns.map(async (topicArn) => {
      const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
      const bySubscription = JSON.parse(Attributes.LocalNotificationsFailedBySubscription ?? '{}') as Record<string, { queueArn: string; failed: number }>;
      return {
        topicArn,
        failed: Number(Attributes.LocalNotificationsFailed ?? 0),
        subscriptions: Object.entries(bySubscription).map(([subscriptionArn, f]) => ({ subscriptionArn, queueArn: f.queueArn, failed: f.failed })),
      };
    }),
  );
}

/** Lines for the summary and `status --local`; none when nothing failed. */
export function formatDeliveryFailures(topics: readonly TopicDeliveryFailures[]): string[] {
  const failing = topics.filter((t) => t.failed > 0);
  if (failing.length === 0) return [];
  const lines = ['', 'SNS DELIVERY FAILURES (NumberOfNotificationsFailed; on AWS the topic\'s delivery-failures alarm fires):'];
  for (const t of failing) {
    lines.push(`  ${t.topicArn.slice(t.topicArn.lastIndexOf(':') + 1)}: ${t.failed} notifications not delivered`);
    for (const s of t.subscriptions) {
      lines.push(`    ${s.failed} to ${s.queueArn.slice(s.queueArn.lastIndexOf(':') + 1)}, which does not exist (subscription ${s.subscriptionArn.slice(s.subscriptionArn.lastIndexOf(':') + 1)})`);
    }
  }
  return lines;
}
