import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EventPipeline, EventPipelineStack, Stage } from '../../lib';
import { fromVariables } from '../../packages/tools/src/cli/resources';
import { LocalRestApi } from '../../packages/tools/src/local/apigateway';
import type { AwsServices } from '../../packages/tools/src/local/apigateway/aws-services';
import { readAssembly } from '../../packages/tools/src/local/cloud-assembly';
import type { Emulators } from '../../packages/tools/src/local/emulators';
import { envName, exportLines, exportedVariables, resourceVariables } from '../../packages/tools/src/local/exports';
import { type CfnTemplate, planStack } from '../../packages/tools/src/local/template';
import { chooseTopic } from '../../packages/tools/src/local/topic-choice';

describe('envName', () => {
  test.each([
    ['EventsTableName', 'EVENTS_TABLE_NAME'],
    ['TopicArn', 'TOPIC_ARN'],
    ['PipelineEventLogDeadLetterQueueUrl0C1D2E3F', 'PIPELINE_EVENT_LOG_DEAD_LETTER_QUEUE_URL'],
    ['SQSQueueUrl', 'SQS_QUEUE_URL'],
  ])('%s -> %s', (id, name) => expect(envName(id)).toBe(name));
});

describe('exportedVariables', () => {
  test('endpoints, region, topic, then every table and queue under its output or logical id', () => {
    // GIVEN
    const [stack] = readAssembly(join(__dirname, 'fixtures', 'assembly'));
    const queueUrl = (name: string) => `http://sqs.us-east-1.localhost:4566/000000000000/${name}`;
    const plan = planStack(stack.template, { stackName: stack.stackName, region: 'us-east-1', accountId: '000000000000', queueUrl });
    const emulators = { snsSqsEndpoint: 'http://127.0.0.1:4566', dynamodbEndpoint: 'http://127.0.0.1:8000' } as Emulators;
    // WHEN
    const vars = exportedVariables(plan, emulators);
    // THEN
    expect(vars).toMatchObject({
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_REGION: 'us-east-1',
      TOPIC_ARN: plan.topics[0].arn,
      EVENTS_TABLE_NAME: 'ParcelPipeline-PipelineEventsTable9F0A1B2C',
      STATE_TABLE_NAME: 'ParcelPipeline-PipelineStateTable3D4E5F6A',
      PIPELINE_EVENT_LOG_DEAD_LETTER_QUEUE_URL: queueUrl('ParcelPipeline-PipelineEventLogDeadLetterQueue7D8E9F0A'),
      PIPELINE_EVENT_LOG_QUEUE_URL: queueUrl('ParcelPipeline-PipelineEventLogQueueB2C3D4E5'),
      PIPELINE_STATE_QUEUE_URL: queueUrl('ParcelPipeline-PipelineStateQueue4E5F6A7B.fifo'),
    });
    const resources = Object.entries(vars).filter(([k]) => !k.startsWith('AWS_'));
    expect(new Set(resources.map(([, v]) => v)).size).toBe(resources.length);
  });
});

describe('exportedVariables with the sample stack and its Events API', () => {
  const emulators = { snsSqsEndpoint: 'http://127.0.0.1:4566', dynamodbEndpoint: 'http://127.0.0.1:8000' } as Emulators;
  const queueUrl = (name: string) => `http://sqs.us-east-1.localhost:4566/000000000000/${name}`;
  const env = { stackName: 'EventPipeline-local', region: 'us-east-1', accountId: '000000000000', queueUrl };
  const template = Template.fromStack(new EventPipelineStack(new App(), 'EventPipeline-local', { stage: Stage.SANDBOX })).toJSON() as CfnTemplate;
  const plan = planStack(template, env);
  // The API as the run serves it (not started: its port is 0), with the keys it made up.
  const api = new LocalRestApi(plan.apis[0], {} as AwsServices, env);

  test('EVENTS_API_URL is the stage URL without a trailing slash, EVENTS_API_KEY the partner key sent as x-api-key', () => {
    // WHEN
    const vars = exportedVariables(plan, emulators, [api]);
    // THEN
    const partner = api.apiKeys.find((k) => k.name.endsWith('vendor-acme'))!;
    expect(partner.value).toMatch(/^\w{40}$/);
    expect({ url: vars.EVENTS_API_URL, key: vars.EVENTS_API_KEY }).toEqual({ url: 'http://127.0.0.1:0/v1', key: partner.value });
    // The stack's EventsApiUrl output names the AWS URL, which the local one replaces.
    expect(Object.values(vars).filter((v) => v.includes('execute-api'))).toEqual([]);
    expect(Object.keys(vars).slice(0, 10)).toEqual([
      'AWS_ENDPOINT_URL_SNS', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_DEFAULT_REGION',
      'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'TOPIC_ARN', 'EVENTS_API_URL', 'EVENTS_API_KEY',
    ]);
  });

  test('a stack without an API exports neither', () => {
    const vars = exportedVariables({ ...plan, apis: [], outputs: [] }, emulators, []);
    expect(Object.keys(vars).filter((k) => k.startsWith('EVENTS_API'))).toEqual([]);
  });
});

describe('exportedVariables with two pipelines in one stack and plain resources', () => {
  const emulators = { snsSqsEndpoint: 'http://127.0.0.1:4566', dynamodbEndpoint: 'http://127.0.0.1:8000' } as Emulators;
  const queueUrl = (name: string) => `http://sqs.us-east-1.localhost:4566/000000000000/${name}`;
  // GIVEN two pipelines, a queue with a dead-letter queue of another name, a table and a topic with no subscription
  const stack = new Stack(new App(), 'Two');
  new EventPipeline(stack, 'Orders');
  new EventPipeline(stack, 'Parcels');
  new sqs.Queue(stack, 'Inbox', { deadLetterQueue: { queue: new sqs.Queue(stack, 'Rejected'), maxReceiveCount: 3 } });
  new dynamodb.Table(stack, 'Audit', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  new sns.Topic(stack, 'Alerts');
  const plan = planStack(Template.fromStack(stack).toJSON() as CfnTemplate, { stackName: 'Two', region: 'us-east-1', accountId: '000000000000', queueUrl });

  test('every topic has a variable of its own, TOPIC_ARN none unless one is chosen, and each queue pairs with its dead-letter queue', () => {
    // WHEN
    const vars = exportedVariables(plan, emulators);
    // THEN
    expect(vars.TOPIC_ARN).toBeUndefined();
    expect(Object.keys(vars).filter((k) => /TOPIC|INBOX|REJECTED|AUDIT/.test(k))).toEqual([
      'ORDERS_TOPIC_ARN', 'PARCELS_TOPIC_ARN', 'ALERTS_TOPIC_ARN', 'AUDIT_TABLE_NAME', 'INBOX_DEAD_LETTER_QUEUE_URL', 'INBOX_QUEUE_URL',
    ]);
    const found = fromVariables(vars);
    expect(found.topics.map((t) => t.name)).toEqual(['alerts', 'orders', 'parcels']);
    expect(found.consumers.map((c) => [c.name, Boolean(c.queueUrl), Boolean(c.deadLetterQueueUrl)])).toEqual([
      ['inbox', true, true],
      ['orders-event-log', true, true],
      ['orders-state-projector', true, true],
      ['parcels-event-log', true, true],
      ['parcels-state-projector', true, true],
    ]);
    expect(Object.keys(found.tables).sort()).toEqual(['audit', 'orders-events', 'orders-state', 'parcels-events', 'parcels-state']);
  });

  test('TOPIC_ARN names the chosen topic, which keeps its own variable too', () => {
    const parcels = plan.topics.find((t) => t.logicalId.startsWith('ParcelsTopic'))!;
    const vars = exportedVariables(plan, emulators, [], { topic: parcels });
    expect({ default: vars.TOPIC_ARN, own: vars.PARCELS_TOPIC_ARN }).toEqual({ default: parcels.arn, own: parcels.arn });
    expect(resourceVariables(plan).get(parcels.logicalId)).toBe('PARCELS_TOPIC_ARN');
  });

  test("the demo's topic: by short name, logical id, topic name or a part of the construct path, and never a guess", () => {
    const orders = plan.topics.find((t) => t.logicalId.startsWith('OrdersTopic'))!;
    // CDK's own synth in a test writes no path metadata: the path comes from cdk synth, or the local run's.
    const withPaths = { ...plan, topics: plan.topics.map((t) => ({ ...t, path: `Two/${t.logicalId.startsWith('Orders') ? 'Orders/Topic/Topic' : t.logicalId.startsWith('Parcels') ? 'Parcels/Topic/Topic' : 'Alerts'}/Resource` })) };
    for (const given of ['orders', 'Orders', orders.logicalId, orders.name, orders.name.replace(/\.fifo$/, ''), 'Two/Orders/Topic/Topic', 'Orders/Topic/Topic']) {
      expect(chooseTopic(withPaths, given).logicalId).toBe(orders.logicalId);
    }
    expect(() => chooseTopic(withPaths, undefined)).toThrow(/^--topic is needed: stack Two has 2 topics with SQS subscriptions, and the demo publishes to one: orders \(OrdersTopic\w+, Two\/Orders\/Topic\/Topic\), parcels/);
    expect(() => chooseTopic(withPaths, 'Topic')).toThrow(/^--topic "Topic" matches 2 topics of stack Two: orders .*, parcels .*; give one of their names$/);
    expect(() => chooseTopic(withPaths, 'alerts')).toThrow(/^--topic "alerts": topic Alerts\w+ has no SQS subscription, so nothing would get the demo's events/);
  });
});

describe('exportLines', () => {
  test('one export per line, quoted only when the shell needs it', () => {
    expect(exportLines({ A: 'http://127.0.0.1:1/x', B: "it's" })).toEqual([
      'export A=http://127.0.0.1:1/x',
      `export B='it'\\''s'`,
    ]);
  });
});
