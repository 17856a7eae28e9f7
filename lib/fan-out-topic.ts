import { Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { deliveryFailuresAlarm } from './alarms';
import { checkArchive } from './rules';
import { PropsValidator } from './validation';

/** Props of {@link FanOutTopic}. */
export interface FanOutTopicProps {
  /**
   * Key that encrypts the topic. Subscribed queues must be able to use it too.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Principals allowed to publish to the topic. The topic's resource policy
   * allows only these (and always denies non-TLS requests).
   * @default - the stack's account
   */
  readonly publisherPrincipals?: iam.IPrincipal[];
  /**
   * Physical topic name. A `.fifo` suffix is added when missing.
   * @default - a unique name derived from the construct path
   */
  readonly topicName?: string;
  /**
   * Topic that receives the notifications of the delivery-failures alarm.
   * @default - no alarm actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Archive every message the topic accepts for this many days, 1 to 365
   * (SNS FIFO message archiving, the topic's `ArchivePolicy`), so that a
   * subscription can replay a time window of them (its `ReplayPolicy`, as
   * `event-pipeline replay --since` sets it). A token is not range-checked.
   * @default - no archive
   */
  readonly messageRetentionPeriodInDays?: number;

  /**
   * The topic's throughput and deduplication scope. `MESSAGE_GROUP` is the
   * high-throughput mode: the topic takes up to the region's FIFO publish
   * quota instead of 3,000 messages/s, and deduplicates within each message
   * group only, so a message whose deduplication id was already published in
   * another group is delivered again. AWS does not let a topic go back from
   * `MESSAGE_GROUP` to `TOPIC`: choose when the topic is created.
   * @default - SNS's default, `TOPIC`: deduplication across the whole topic
   */
  readonly fifoThroughputScope?: sns.FifoThroughputScope;
}

/**
 * An SNS FIFO topic for fan-out, encrypted with a customer-managed key, that
 * refuses plaintext (non-TLS) access. FIFO queues can only subscribe to a FIFO
 * topic, and a FIFO topic keeps per-subject ordering and deduplication. An
 * alarm fires when SNS fails to deliver to a subscription.
 */
export class FanOutTopic extends Construct {
  /** The FIFO topic. */
  public readonly topic: sns.ITopic;
  /** The key that encrypts the topic: `props.encryptionKey` or a new one. */
  public readonly encryptionKey: kms.IKey;
  /**
   * Fires when SNS gave up delivering a message to a subscription: the
   * topic's `NumberOfNotificationsFailed` (Sum over 1 minute) is above 0.
   */
  public readonly deliveryFailures: cloudwatch.IAlarm;
  /** The topic's throughput and deduplication scope, when one was given. */
  public readonly fifoThroughputScope?: sns.FifoThroughputScope;

  constructor(scope: Construct, id: string, props: FanOutTopicProps = {}) {
    super(scope, id);
    const v = new PropsValidator(this, `FanOutTopic (${this.node.path})`);
    checkArchive(v, props.messageRetentionPeriodInDays, true);
    v.throwIfInvalid();

    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        enableKeyRotation: true,
        description: `Encrypts the ${this.node.path} topic`,
      });

    // A literal name (rather than the one CloudFormation would generate) lets
    // key policies name the topic's ARN without a Ref back to the topic.
    const baseName = props.topicName ?? Names.uniqueResourceName(this, { maxLength: 251, separator: '-' });
    const topicName = baseName.endsWith('.fifo') ? baseName : `${baseName}.fifo`;
    const topic = new sns.Topic(this, 'Topic', {
      fifo: true,
      topicName,
      masterKey: this.encryptionKey,
      enforceSSL: true,
      messageRetentionPeriodInDays: props.messageRetentionPeriodInDays,
      fifoThroughputScope: props.fifoThroughputScope,
    });

    const principals = props.publisherPrincipals ?? [new iam.AccountPrincipal(Stack.of(this).account)];
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowPublishers',
        actions: ['sns:Publish'],
        principals,
        resources: [topic.topicArn],
      }),
    );
    this.topic = topic;
    this.fifoThroughputScope = props.fifoThroughputScope;
    this.deliveryFailures = deliveryFailuresAlarm(this, 'DeliveryFailures', topic, props.alarmTopic);
  }
}
