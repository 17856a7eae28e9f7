import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The pipeline's topology written the way the usual examples are: a FIFO
 * topic, a standard and a FIFO queue with dead-letter queues, two tables and
 * two NodejsFunctions that write one item per record.
 */
export class BaselineStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const topic = new sns.Topic(this, 'EventsTopic', { fifo: true });

    const eventsTable = new dynamodb.Table(this, 'EventsTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    eventsTable.addGlobalSecondaryIndex({
      indexName: 'bySubject',
      partitionKey: { name: 'subject', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sequence', type: dynamodb.AttributeType.NUMBER },
    });
    const stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'subject', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    // Event log: a standard queue, every event to the events table.
    const eventLogDlq = new sqs.Queue(this, 'EventLogDeadLetterQueue', {
      retentionPeriod: cdk.Duration.days(14),
    });
    const eventLogQueue = new sqs.Queue(this, 'EventLogQueue', {
      visibilityTimeout: cdk.Duration.seconds(180),
      deadLetterQueue: { queue: eventLogDlq, maxReceiveCount: 5 },
    });
    topic.addSubscription(new subscriptions.SqsSubscription(eventLogQueue, { rawMessageDelivery: true }));
    const eventLogFunction = new NodejsFunction(this, 'EventLogFunction', {
      entry: path.join(__dirname, '../lambda/event-log.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: cdk.Duration.seconds(30),
      environment: { TABLE_NAME: eventsTable.tableName },
    });
    eventsTable.grantWriteData(eventLogFunction);
    eventLogFunction.addEventSource(new SqsEventSource(eventLogQueue));

    // State projector: a FIFO queue, each subject's latest event to the state table.
    const stateDlq = new sqs.Queue(this, 'StateProjectorDeadLetterQueue', {
      fifo: true,
      retentionPeriod: cdk.Duration.days(14),
    });
    const stateQueue = new sqs.Queue(this, 'StateProjectorQueue', {
      fifo: true,
      visibilityTimeout: cdk.Duration.seconds(180),
      deadLetterQueue: { queue: stateDlq, maxReceiveCount: 5 },
    });
    topic.addSubscription(new subscriptions.SqsSubscription(stateQueue, { rawMessageDelivery: true }));
    const stateFunction = new NodejsFunction(this, 'StateProjectorFunction', {
      entry: path.join(__dirname, '../lambda/state-projector.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: cdk.Duration.seconds(30),
      environment: { TABLE_NAME: stateTable.tableName },
    });
    stateTable.grantWriteData(stateFunction);
    stateFunction.addEventSource(new SqsEventSource(stateQueue));

    new cdk.CfnOutput(this, 'TopicArn', { value: topic.topicArn });
  }
}
