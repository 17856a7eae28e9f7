// A CDK app as a user of the package writes it: it imports the package by
// name, brings its own handler for the FIFO consumer, subscribes to a topic
// that already exists, and puts two pipelines in one stack.
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline } from 'cdk-event-pipeline';

const app = new App();
const stack = new Stack(app, 'ConsumerStack', { env: { account: '123456789012', region: 'eu-west-1' } });

// The orders topic belongs to another team's stack. The CDK knows it is FIFO
// from the `.fifo` at the end of its ARN.
const ordersTopic = sns.Topic.fromTopicAttributes(stack, 'OrdersTopic', {
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders.fifo',
});

new EventPipeline(stack, 'Orders', {
  topic: ordersTopic,
  eventRetention: Duration.days(90),
  logRetention: logs.RetentionDays.ONE_WEEK,
  removalPolicy: RemovalPolicy.DESTROY,
  eventLog: {
    eventTypes: ['order.created', 'order.paid'],
    batchSize: 200,
    maxBatchingWindow: Duration.seconds(5),
    // Provisioned mode, which aws-cdk-lib has from 2.263.0 on (the TypeScript app alone sets it).
    provisionedPollers: { minimumPollers: 2, maximumPollers: 20 },
  },
  stateProjector: {
    code: lambda.Code.fromAsset(path.join(__dirname, '..', 'handlers', 'order-projector')),
    filterPolicy: { type: sns.SubscriptionFilter.stringFilter({ allowlist: ['order.paid', 'order.cancelled'] }) },
    batchSize: 5,
    timeout: Duration.seconds(10),
    environment: { PROJECTION: 'orders' },
  },
});

// A second pipeline in the same stack, with its own topic and the defaults.
new EventPipeline(stack, 'Parcels');

app.synth();
