import { join } from 'node:path';
import { readAssembly } from '../../local/cloud-assembly';
import type { Emulators } from '../../local/emulators';
import { envName, exportLines, exportedVariables } from '../../local/exports';
import { planStack } from '../../local/template';

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

describe('exportLines', () => {
  test('one export per line, quoted only when the shell needs it', () => {
    expect(exportLines({ A: 'http://127.0.0.1:1/x', B: "it's" })).toEqual([
      'export A=http://127.0.0.1:1/x',
      `export B='it'\\''s'`,
    ]);
  });
});
