import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link ConsumerAlarms}. */
export interface ConsumerAlarmsProps {
  /** The queue the function consumes. */
  readonly queue: sqs.IQueue;
  /** The queue's dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The consuming function. */
  readonly function: lambda.IFunction;
  /**
   * Alarm when the oldest message in the queue is older than this.
   * @default Duration.minutes(5)
   */
  readonly maxMessageAge?: Duration;
  /**
   * Topic that receives alarm and OK notifications.
   * @default - no alarm actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The alarms an operator needs for one queue consumer: dead letters waiting,
 * a queue falling behind, function errors and throttles.
 */
export class ConsumerAlarms extends Construct {
  /** Fires when the dead-letter queue holds at least one message. */
  public readonly deadLetters: cloudwatch.IAlarm;
  /** Fires when the oldest message in the queue is older than `maxMessageAge`. */
  public readonly oldestMessageAge: cloudwatch.IAlarm;
  /** Fires when the function reports an error. */
  public readonly functionErrors: cloudwatch.IAlarm;
  /** Fires when the function is throttled. */
  public readonly functionThrottles: cloudwatch.IAlarm;
  /** Every alarm above, in the order listed. */
  public readonly alarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: ConsumerAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const maxAge = props.maxMessageAge ?? Duration.minutes(5);

    const deadLetters = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription: 'Messages are waiting in the dead-letter queue: inspect and redrive them.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const oldestMessageAge = new cloudwatch.Alarm(this, 'OldestMessageAge', {
      alarmDescription: `The oldest message in the queue is older than ${maxAge.toHumanString()}: the consumer is falling behind.`,
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: maxAge.toSeconds(),
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const functionErrors = new cloudwatch.Alarm(this, 'FunctionErrors', {
      alarmDescription: 'The consumer function failed a whole batch.',
      metric: props.function.metricErrors({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const functionThrottles = new cloudwatch.Alarm(this, 'FunctionThrottles', {
      alarmDescription: 'The consumer function is throttled: raise its concurrency or lower the event source maxConcurrency.',
      metric: props.function.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.deadLetters = deadLetters;
    this.oldestMessageAge = oldestMessageAge;
    this.functionErrors = functionErrors;
    this.functionThrottles = functionThrottles;
    this.alarms = [deadLetters, oldestMessageAge, functionErrors, functionThrottles];

    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      for (const alarm of [deadLetters, oldestMessageAge, functionErrors, functionThrottles]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}
