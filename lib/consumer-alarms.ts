import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { newAlarm } from './alarms';

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
  /**
   * The subscription's dead-letter queue, where SNS puts messages it could not
   * deliver to the queue. Alarmed like `deadLetterQueue`.
   * @default - no subscription dead-letter queue, no alarm on it
   */
  readonly subscriptionDeadLetterQueue?: sqs.IQueue;
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
  /**
   * Fires when the subscription's dead-letter queue holds at least one
   * message: SNS could not deliver it to the queue. Only with `subscriptionDeadLetterQueue`.
   */
  public readonly subscriptionDeadLetters?: cloudwatch.IAlarm;
  /** Every alarm above, in the order listed. */
  public readonly alarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: ConsumerAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const maxAge = props.maxMessageAge ?? Duration.minutes(5);

    const alarm = (
      alarmId: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      evaluationPeriods = 1,
      comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ): cloudwatch.Alarm =>
      newAlarm(this, alarmId, { description, metric, threshold, evaluationPeriods, comparisonOperator, alarmTopic: props.alarmTopic });

    this.deadLetters = alarm(
      'DeadLetters',
      'Messages are waiting in the dead-letter queue: inspect and redrive them.',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
    );
    this.oldestMessageAge = alarm(
      'OldestMessageAge',
      `The oldest message in the queue is older than ${maxAge.toHumanString()}: the consumer is falling behind.`,
      props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      maxAge.toSeconds({ integral: false }),
      3,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    this.functionErrors = alarm(
      'FunctionErrors',
      'The consumer function failed an invocation (it threw, crashed or timed out): its whole batch is retried.',
      props.function.metricErrors({ period, statistic: 'Sum' }),
      1,
    );
    this.functionThrottles = alarm(
      'FunctionThrottles',
      'The consumer function is throttled: raise its concurrency or lower the event source maxConcurrency.',
      props.function.metricThrottles({ period, statistic: 'Sum' }),
      1,
    );
    this.alarms = [this.deadLetters, this.oldestMessageAge, this.functionErrors, this.functionThrottles];
    if (props.subscriptionDeadLetterQueue) {
      this.subscriptionDeadLetters = alarm(
        'SubscriptionDeadLetters',
        'SNS could not deliver messages to the queue and put them in the subscription dead-letter queue: fix the queue or key policy, then move them to the queue.',
        props.subscriptionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
      );
      this.alarms.push(this.subscriptionDeadLetters);
    }
  }
}
