// The one way the constructs make an alarm, shared by ConsumerAlarms, FanOutTopic
// and EventPipeline. Internal: not exported from index.ts.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** What an alarm watches and when it fires. */
export interface AlarmSpec {
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly evaluationPeriods?: number;
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** Receives alarm and OK notifications; none when absent. */
  readonly alarmTopic?: sns.ITopic;
}

/** An alarm treating missing data as not breaching, notifying `alarmTopic` of alarm and OK. */
export function newAlarm(scope: Construct, id: string, spec: AlarmSpec): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: spec.description,
    metric: spec.metric,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods ?? 1,
    comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (spec.alarmTopic) {
    const action = new actions.SnsAction(spec.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return alarm;
}

/**
 * Fires when SNS gave up delivering a message from `topic` to a subscription
 * (AWS/SNS NumberOfNotificationsFailed, Sum over 1 minute, above 0). For an SQS
 * endpoint SNS counts a message once, when it stops trying.
 */
export function deliveryFailuresAlarm(scope: Construct, id: string, topic: sns.ITopic, alarmTopic?: sns.ITopic): cloudwatch.Alarm {
  return newAlarm(scope, id, {
    description:
      'SNS failed to deliver messages from the topic to a subscribed queue (a deleted queue, or a queue or key policy that refuses SNS): ' +
      'they are lost unless the subscription has a dead-letter queue.',
    metric: topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(1), statistic: 'Sum' }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    alarmTopic,
  });
}
