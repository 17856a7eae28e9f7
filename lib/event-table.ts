import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link EventTable}. */
export interface EventTableProps {
  /** The table's partition key. */
  readonly partitionKey: dynamodb.Attribute;
  /**
   * The table's sort key.
   * @default - none
   */
  readonly sortKey?: dynamodb.Attribute;
  /**
   * Attribute holding each item's expiry time, in epoch seconds.
   * @default - items never expire
   */
  readonly timeToLiveAttribute?: string;
  /**
   * Global secondary indexes, all projecting every attribute.
   * @default - none
   */
  readonly globalSecondaryIndexes?: dynamodb.GlobalSecondaryIndexProps[];
  /**
   * Key that encrypts the table.
   * @default - the AWS-managed DynamoDB key (alias/aws/dynamodb)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An on-demand DynamoDB table with point-in-time recovery and encryption at
 * rest, for events or projected state.
 */
export class EventTable extends Construct {
  /** The table, with id `Table`. */
  public readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: EventTableProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: props.partitionKey,
      sortKey: props.sortKey,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      timeToLiveAttribute: props.timeToLiveAttribute,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });
    for (const index of props.globalSecondaryIndexes ?? []) table.addGlobalSecondaryIndex(index);
    this.table = table;
  }
}
