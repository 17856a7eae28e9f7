/**
 * The high-throughput example (test/examples/high-throughput-stack.ts): each setting of the
 * docs/scaling.md table, as the template has it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HIGH_THROUGHPUT, HighThroughputStack } from './examples/high-throughput-stack';
import { lintTemplates } from './helpers/cfn-lint';

let template: Template;
let stack: HighThroughputStack;
beforeAll(() => {
  // GIVEN the example stack
  stack = new HighThroughputStack(new App({ builtinCloudFormationValidation: false }), 'HighThroughput');
  template = Template.fromStack(stack);
});

const ref = (construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as { ref: string }).ref);
const mappingOf = (name: 'eventLog' | 'stateProjector') => {
  const fn = ref(stack.pipeline[name].function);
  const found = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => m.Properties.FunctionName.Ref === fn.Ref);
  expect(found).toHaveLength(1);
  return found[0].Properties;
};
const functionOf = (name: 'eventLog' | 'stateProjector') => template.toJSON().Resources[ref(stack.pipeline[name].function).Ref].Properties;

test('the topic: FIFO, message-group throughput scope', () => {
  template.resourceCountIs('AWS::SNS::Topic', 1);
  template.hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, FifoThroughputScope: 'MessageGroup' });
});

test('the FIFO queue: high throughput, deduplication and throughput limit per message group', () => {
  template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId', RedrivePolicy: Match.anyValue() });
});

test('the event log: batches of 1,000 within 1 s, provisioned pollers 20 to 100, 1,769 MB', () => {
  const { eventLog } = HIGH_THROUGHPUT;
  expect(mappingOf('eventLog')).toMatchObject({
    BatchSize: 1_000,
    MaximumBatchingWindowInSeconds: 1,
    ProvisionedPollerConfig: { MinimumPollers: eventLog.minimumPollers, MaximumPollers: eventLog.maximumPollers },
    MetricsConfig: { Metrics: ['EventCount'] },
  });
  expect(mappingOf('eventLog').ScalingConfig).toBeUndefined();
  expect(functionOf('eventLog').MemorySize).toBe(1_769);
});

test('the state projector: batches of 10, provisioned pollers 20 to 200, 1,769 MB', () => {
  const { stateProjector } = HIGH_THROUGHPUT;
  expect(mappingOf('stateProjector')).toMatchObject({
    BatchSize: 10,
    ProvisionedPollerConfig: { MinimumPollers: stateProjector.minimumPollers, MaximumPollers: stateProjector.maximumPollers },
    MetricsConfig: { Metrics: ['EventCount'] },
  });
  expect(mappingOf('stateProjector').MaximumBatchingWindowInSeconds).toBeUndefined();
  expect(functionOf('stateProjector').MemorySize).toBe(1_769);
});

test('the tables: on demand, warm for 30,000 write units/s, the events table’s bySubject index too', () => {
  template.resourceCountIs('AWS::DynamoDB::Table', 2);
  const tableOf = (table: { node: { defaultChild?: unknown } } | undefined) => template.toJSON().Resources[ref(table!).Ref].Properties;
  const events = tableOf(stack.pipeline.eventsTable as never);
  const state = tableOf(stack.pipeline.stateTable as never);
  expect(events).toMatchObject({
    BillingMode: 'PAY_PER_REQUEST',
    WarmThroughput: { WriteUnitsPerSecond: 30_000 },
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    GlobalSecondaryIndexes: [expect.objectContaining({ IndexName: 'bySubject', WarmThroughput: { WriteUnitsPerSecond: 30_000 } })],
  });
  expect(state).toMatchObject({
    BillingMode: 'PAY_PER_REQUEST',
    WarmThroughput: { WriteUnitsPerSecond: 30_000 },
    KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
  });
});

test('the visibility timeouts follow the function timeout and window: 6 × 30 s + 1 s and 6 × 30 s', () => {
  const visibility = (name: 'eventLog' | 'stateProjector') => template.toJSON().Resources[ref(stack.pipeline[name].queue as never).Ref].Properties.VisibilityTimeout;
  expect([visibility('eventLog'), visibility('stateProjector')]).toEqual([181, 180]);
});

// Informational findings are not counted here: without cdk.json's feature flags, aws-cdk-lib writes
// some ARNs with Fn::Join (I1022), which the sample app, synthesized by the CLI, does not have.
test('cfn-lint finds no error and no warning in the template: warm throughput and provisioned pollers included', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'high-throughput-'));
  try {
    const file = path.join(dir, 'HighThroughput.template.json');
    fs.writeFileSync(file, JSON.stringify(template.toJSON()));
    const report = await lintTemplates([file]);
    expect(report.output.split('\n').filter((line) => !/ Informational /.test(line) && line !== '')).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('the settings table of docs/scaling.md gives the values of the stack', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'scaling.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## The settings for 30,000 events/s'), doc.indexOf('## Events per second and the settings'));
  const row = (setting: string) => {
    const line = section.split('\n').find((l) => l.startsWith(`| ${setting} |`));
    expect(line).toBeDefined();
    return line!.split('|')[2].trim();
  };
  const { eventLog, stateProjector, writeUnitsPerSecond, eventsPerSecond } = HIGH_THROUGHPUT;
  const n = (x: number) => x.toLocaleString('en-US');
  expect(section).toContain(`## The settings for ${n(eventsPerSecond)} events/s`);
  expect(row('topic')).toBe('`fifoThroughputScope: MESSAGE_GROUP`');
  expect(row('event log: `batchSize`, `maxBatchingWindow`')).toBe(`${n(eventLog.batchSize)} and ${eventLog.maxBatchingWindow.toSeconds()} s`);
  expect(row('event log: `provisionedPollers`')).toBe(`minimum ${eventLog.minimumPollers}, maximum ${eventLog.maximumPollers}`);
  expect(row('state projector: `batchSize`')).toMatch(new RegExp(`^${stateProjector.batchSize} `));
  expect(row('state projector: `provisionedPollers`')).toBe(`minimum ${stateProjector.minimumPollers}, maximum ${stateProjector.maximumPollers}`);
  expect(row('both functions: `memorySize`')).toBe(`${n(eventLog.memorySize)} MB`);
  expect(stateProjector.memorySize).toBe(eventLog.memorySize);
  expect(row('events table and its `bySubject` index')).toContain(`warm throughput ${n(writeUnitsPerSecond)} write units/s on the table and on the index`);
  expect(row('state table')).toContain(`warm throughput ${n(writeUnitsPerSecond)} write units/s`);
});
