import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { findTemplates, lintTemplates } from '../helpers/cfn-lint';
import {
  BUNDLED_HANDLERS,
  childEnv,
  directoryBytes,
  compileConsumerApp,
  createConsumerProject,
  installConsumerProject,
  PackResult,
  packLibrary,
  packWorkspaces,
  ROOT,
  run,
  synthConsumerApp,
} from './consumer-project';
import { ConsumerStack, expectAssetsStaged, expectResourceCounts, IMPORTED_TOPIC_ARN, only } from './consumer-stack';

// The package as a user gets it: packed, installed into a fresh project with
// its peer dependencies, imported by name, synthesized with plain node.
jest.setTimeout(180_000);

// The budget grows with the public API: the jsii assembly (.jsii) carries every prop and its docs.
// 0.2.0 before the throughput props packed to 201,577 bytes; with them, 208,327.
const MAX_PACKED_BYTES = 216 * 1024;

let work: string;
let consumer: string;
let pack: PackResult;
let stack: ConsumerStack;
let template: Template;
let outdir: string;

beforeAll(() => {
  // GIVEN the packed library, installed into a consumer project outside this one
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-event-pipeline-consumer-'));
  expect(path.relative(ROOT, work).startsWith('..')).toBe(true);
  pack = packLibrary(work);
  consumer = path.join(work, 'consumer');
  createConsumerProject(consumer, pack);
  installConsumerProject(consumer);

  // WHEN the consumer type-checks, compiles and synthesizes its app
  compileConsumerApp(consumer);
  outdir = path.join(consumer, 'cdk.out');
  synthConsumerApp(consumer, outdir);
  stack = ConsumerStack.read(outdir);
  template = stack.template;
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const resourcesOf = (type: string) => stack.resources(type);
const idsOf = (type: string, prefix: string) => stack.ids(type, prefix);
const fn = (prefix: string) => stack.fn(prefix);
const stagedCodeOf = (prefix: string) => stack.stagedCodeOf(prefix);
const wiringOf = (prefix: string) => stack.wiringOf(prefix);

describe('the tarball', () => {
  test('holds the compiled library, its declarations, the jsii assembly, the bundled handlers and the README', () => {
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', '.jsii']) {
      expect(pack.files).toContain(file);
    }
    for (const name of BUNDLED_HANDLERS) expect(pack.files).toContain(`assets/${name}/index.js`);
  });

  test('holds no sources, tests, benches, scripts or test source maps', () => {
    const unwanted = pack.files.filter(
      (file) =>
        /^(lib|lambda|local|test|bench|bin|scripts|docs|cdk\.out|node_modules)\//.test(file) ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        (file.endsWith('.map') && !file.startsWith('assets/')) ||
        /^(tsconfig.*|jest\.config\.js|cdk\.json|package-lock\.json)$/.test(file),
    );
    expect(unwanted).toEqual([]);
  });

  test("holds the constructs only: nothing of the publisher, the CLI or the handlers' shared code", () => {
    expect(pack.files.filter((file) => file.startsWith('dist/') && !file.startsWith('dist/lib/'))).toEqual([]);
  });

  test(`stays under ${MAX_PACKED_BYTES / 1024} KiB`, () => {
    expect(pack.size).toBeLessThan(MAX_PACKED_BYTES);
  });

  test('has no dependencies: aws-cdk-lib and constructs are its peers', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', 'cdk-event-pipeline', 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });

  test("leaves no AWS SDK, signer or schema library in the consumer's node_modules: only the peers and what they bring", () => {
    const installed = fs.readdirSync(path.join(consumer, 'node_modules'));
    expect(installed.filter((name) => ['@aws-sdk', '@smithy', 'valibot', 'fauxqs', 'dynalite'].includes(name))).toEqual([]);
    const lock = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', '.package-lock.json'), 'utf8'));
    const top = Object.keys(lock.packages).filter((key) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) && !lock.packages[key].dev);
    expect(top.map((key) => key.slice('node_modules/'.length)).sort()).toEqual(['aws-cdk-lib', 'cdk-event-pipeline', 'constructs'].concat(
      // aws-cdk-lib's own dependencies that it does not bundle
      top.map((key) => key.slice('node_modules/'.length)).filter((name) => name.startsWith('@aws-cdk/')),
    ).sort());
  });

  test('is tested against aws-cdk-lib at the floor of its peer range', () => {
    const cdk = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'));
    expect(cdk.version).toBe('2.263.0');
    const manifest = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', 'cdk-event-pipeline', 'package.json'), 'utf8'));
    expect(manifest.peerDependencies['aws-cdk-lib']).toBe(`^${cdk.version}`);
  });
});

describe("the consumer's stack", () => {
  test('two pipelines side by side: a key, four queues, two functions and two tables each', () => {
    expectResourceCounts(stack);
  });

  test('the imported topic is subscribed to, not created; the second pipeline creates its own', () => {
    const topic = only(Object.values(resourcesOf('AWS::SNS::Topic')));
    expect(topic.Properties).toMatchObject({ FifoTopic: true, TopicName: expect.stringMatching(/^.*Parcels.*\.fifo$/) });
    expect(wiringOf('OrdersEventLog').subscription.TopicArn).toBe(IMPORTED_TOPIC_ARN);
    expect(wiringOf('OrdersStateProjector').subscription.TopicArn).toBe(IMPORTED_TOPIC_ARN);
    expect(wiringOf('ParcelsEventLog').subscription.TopicArn).toEqual({ Ref: only(idsOf('AWS::SNS::Topic', 'Parcels')) });
  });

  test("the imported topic may use the Orders key: SNS gets it on the topic's ARN", () => {
    const keyId = only(idsOf('AWS::KMS::Key', 'Orders'));
    const statements = resourcesOf('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'sns.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': IMPORTED_TOPIC_ARN } },
      }),
    );
  });

  test('filter policies: event types for the event log, a full policy for the state projector, none by default', () => {
    expect(wiringOf('OrdersEventLog').subscription.FilterPolicy).toEqual({ type: ['order.created', 'order.paid'] });
    expect(wiringOf('OrdersStateProjector').subscription.FilterPolicy).toEqual({ type: ['order.paid', 'order.cancelled'] });
    expect(wiringOf('ParcelsEventLog').subscription.FilterPolicy).toBeUndefined();
    expect(wiringOf('ParcelsStateProjector').subscription.FilterPolicy).toBeUndefined();
  });

  test('batch sizes and windows: custom for Orders, the defaults for Parcels', () => {
    expect(wiringOf('OrdersEventLog').mapping).toMatchObject({ BatchSize: 200, MaximumBatchingWindowInSeconds: 5 });
    expect(wiringOf('OrdersStateProjector').mapping).toMatchObject({ BatchSize: 5 });
    expect(wiringOf('ParcelsEventLog').mapping).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1 });
    expect(wiringOf('ParcelsStateProjector').mapping).toMatchObject({ BatchSize: 10 });
    for (const prefix of ['OrdersEventLog', 'OrdersStateProjector', 'ParcelsEventLog', 'ParcelsStateProjector']) {
      expect(wiringOf(prefix).mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  test('provisioned pollers on aws-cdk-lib 2.263.0: for the Orders event log only', () => {
    expect(wiringOf('OrdersEventLog').mapping.ProvisionedPollerConfig).toEqual({ MinimumPollers: 2, MaximumPollers: 20 });
    for (const prefix of ['OrdersStateProjector', 'ParcelsEventLog', 'ParcelsStateProjector']) {
      expect(wiringOf(prefix).mapping.ProvisionedPollerConfig).toBeUndefined();
    }
  });

  test('event source metrics on aws-cdk-lib 2.263.0: EventCount on every mapping, the default', () => {
    for (const prefix of ['OrdersEventLog', 'OrdersStateProjector', 'ParcelsEventLog', 'ParcelsStateProjector']) {
      expect(wiringOf(prefix).mapping.MetricsConfig).toEqual({ Metrics: ['EventCount'] });
    }
  });

  test('retention: 90 days of events and one week of logs for Orders, the defaults for Parcels', () => {
    expect(fn('OrdersEventLog').Properties.Environment.Variables.EVENT_RETENTION_DAYS).toBe('90');
    expect(fn('ParcelsEventLog').Properties.Environment.Variables.EVENT_RETENTION_DAYS).toBe('30');
    const retention = (prefix: string) => resourcesOf('AWS::Logs::LogGroup')[only(idsOf('AWS::Logs::LogGroup', prefix))].Properties.RetentionInDays;
    expect(retention('OrdersEventLog')).toBe(7);
    expect(retention('OrdersStateProjector')).toBe(7);
    expect(retention('ParcelsEventLog')).toBe(30);
  });

  test("the consumer's own state projector: its code, its settings, the table grant", () => {
    const projector = fn('OrdersStateProjector').Properties;
    expect(projector).toMatchObject({ Handler: 'index.handler', Timeout: 10 });
    expect(projector.Environment.Variables).toMatchObject({
      PROJECTION: 'orders',
      TABLE_NAME: { Ref: only(idsOf('AWS::DynamoDB::Table', 'OrdersStateTable')) },
    });
    const staged = stagedCodeOf('OrdersStateProjector');
    expect(fs.readFileSync(path.join(staged, 'index.js'), 'utf8')).toBe(
      fs.readFileSync(path.join(consumer, 'handlers', 'order-projector', 'index.js'), 'utf8'),
    );
  });

  test('every asset the asset manifest lists is in cdk.out', () => {
    expectAssetsStaged(stack);
  });

  test('the default handlers come from the bundles inside node_modules/cdk-event-pipeline/assets', () => {
    const shipped = (name: string) =>
      fs.readFileSync(path.join(consumer, 'node_modules', 'cdk-event-pipeline', 'assets', name, 'index.js'), 'utf8');
    const stagedCode = (prefix: string) => fs.readFileSync(path.join(stagedCodeOf(prefix), 'index.js'), 'utf8');
    expect(stagedCode('OrdersEventLog')).toBe(shipped('event-log'));
    expect(stagedCode('ParcelsEventLog')).toBe(shipped('event-log'));
    expect(stagedCode('ParcelsStateProjector')).toBe(shipped('state-projector'));
    expect(stagedCode('OrdersStateProjector')).not.toBe(shipped('state-projector'));
  });

  test('every function runs on arm64 Node.js with a Lambda-ready zip asset, no Docker image', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: Match.stringLikeRegexp('^nodejs'),
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'ConsumerStack.assets.json'), 'utf8'));
    expect(manifest.dockerImages ?? {}).toEqual({});
  });

  test("cfn-lint finds no error and no warning in the consumer's template", async () => {
    const templates = findTemplates(outdir);
    expect(templates.map((t) => path.basename(t))).toEqual(['ConsumerStack.template.json']);
    const report = await lintTemplates(templates);
    expect(report.errors.concat(report.warnings)).toEqual([]);
    // aws-cdk-lib 2.263 renders an ARN with a literal account (the consumer's stack has an env) as
    // Fn::Join with an empty delimiter; cfn-lint would prefer Fn::Sub. That is its only remark.
    expect([...new Set(report.informational.map((f) => f.rule))]).toEqual(report.informational.length ? ['I1022'] : []);
  });
});

/** A process of the installed `event-pipeline`, with what it printed so far. */
function startTools(args: string[], cwd: string) {
  const child = spawn(path.join(cwd, 'node_modules', '.bin', 'event-pipeline'), args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout: () => stdout, stderr: () => stderr, stop: () => child.kill('SIGINT') };
}

const tools = (args: string[], cwd: string) => run(path.join(cwd, 'node_modules', '.bin', 'event-pipeline'), args, cwd);

describe('the tools, installed in the consumer project, run its own app locally', () => {
  let withTools: number;
  beforeAll(() => {
    // GIVEN the same project with the tools (and so the publisher) as a devDependency
    const constructsOnly = directoryBytes(path.join(consumer, 'node_modules'));
    const packs = packWorkspaces(work);
    createConsumerProject(consumer, pack, packs);
    installConsumerProject(consumer);
    withTools = directoryBytes(path.join(consumer, 'node_modules'));
    // Sizes for the record, the constructs alone and with the tools.
    console.log(`consumer node_modules: ${constructsOnly} bytes with the constructs, ${withTools} with the tools too`);
  });

  test('the tools bring the SDK clients and the emulators, as their own dependencies', () => {
    for (const name of ['cdk-event-pipeline-tools', 'cdk-event-pipeline-publisher', 'fauxqs', 'dynalite', '@aws-sdk/client-sqs']) {
      expect(fs.existsSync(path.join(consumer, 'node_modules', name, 'package.json'))).toBe(true);
    }
    expect(fs.existsSync(path.join(consumer, 'node_modules', '.bin', 'event-pipeline'))).toBe(true);
  });

  test('event-pipeline local --cdk-out cdk.out --keep runs both pipelines: publish to each, read their tables', async () => {
    const events = (prefix: string, types: string[]) =>
      ['1', '2']
        .flatMap((n) => types.map((type, i) => JSON.stringify({ specversion: '1.0', id: `${prefix}-${n}-${i + 1}`, source: 'urn:consumer', type, subject: `${prefix}-${n}`, sequence: i + 1 })))
        .join('\n');
    fs.writeFileSync(path.join(consumer, 'orders.ndjson'), events('order', ['order.created', 'order.paid', 'order.cancelled']));
    fs.writeFileSync(path.join(consumer, 'parcels.ndjson'), events('parcel', ['parcel.picked-up', 'parcel.delivered']));
    // WHEN the consumer runs its synthesized app on the emulators, with the demo on Parcels' topic, and keeps it running
    const local = startTools(['local', '--cdk-out', 'cdk.out', '--stack', 'ConsumerStack', '--topic', 'Parcels', '--keep', '--events', '40', '--subjects', '4', '--quiet'], consumer);
    let ended = false;
    void local.code.finally(() => (ended = true));
    try {
      const endpoints = path.join(consumer, '.local', 'endpoints.json');
      while (!fs.existsSync(endpoints) && !ended) await new Promise((r) => setTimeout(r, 200));
      expect({ ended, stderr: local.stderr() }).toEqual({ ended: false, stderr: '' });
      // The demo's 40 events, all in Parcels' tables; none reach Orders' topic
      expect(local.stdout()).toMatch(/ParcelsEventsTable\w+ +40 items/);
      expect(local.stdout()).toMatch(/OrdersEventsTable\w+ +0 items/);
      const vars = JSON.parse(fs.readFileSync(endpoints, 'utf8')) as Record<string, string>;
      // The imported orders topic is created locally by its name; Parcels' topic is the stack's own.
      expect(Object.keys(vars).filter((k) => k.endsWith('_TOPIC_ARN')).sort()).toEqual(['ORDERS_TOPIC_ARN', 'PARCELS_TOPIC_ARN']);

      // AND publishes to each pipeline with the installed CLI
      for (const [file, topic, count] of [['orders.ndjson', 'orders', 6], ['parcels.ndjson', 'parcels', 4]] as const) {
        const published = JSON.parse(tools(['publish', file, '--local', '--topic', topic, '--json'], consumer));
        expect(published).toMatchObject({ published: count, failed: 0, invalid: 0 });
      }

      // THEN the tables show what each pipeline's consumers wrote: Orders' event log keeps two of the
      // three types (its filter policy), Parcels' event log and state projector everything
      const wanted = { 'order-1-1': true, 'order-1-2': true, 'order-1-3': false, 'parcel-2-2': true };
      const get = (table: string, key: Record<string, string>) =>
        JSON.parse(
          run(process.execPath, ['-e', `
            const { DynamoDBClient, GetItemCommand } = require('@aws-sdk/client-dynamodb');
            const c = new DynamoDBClient({ region: process.env.R, endpoint: process.env.E, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
            c.send(new GetItemCommand({ TableName: process.env.T, Key: JSON.parse(process.env.K) })).then((r) => console.log(JSON.stringify(r.Item ?? null)));
          `], consumer, childEnv({ R: vars.AWS_REGION, E: vars.AWS_ENDPOINT_URL_DYNAMODB, T: table, K: JSON.stringify(Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }]))) })),
        );
      let found: Record<string, boolean> = {};
      for (let i = 0; i < 100; i++) {
        found = {
          'order-1-1': get(vars.ORDERS_EVENTS_TABLE_NAME, { id: 'order-1-1' }) !== null,
          'order-1-2': get(vars.ORDERS_EVENTS_TABLE_NAME, { id: 'order-1-2' }) !== null,
          'order-1-3': get(vars.ORDERS_EVENTS_TABLE_NAME, { id: 'order-1-3' }) !== null,
          'parcel-2-2': get(vars.PARCELS_EVENTS_TABLE_NAME, { id: 'parcel-2-2' }) !== null,
        };
        if (JSON.stringify(found) === JSON.stringify(wanted)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(found).toEqual(wanted);
      expect(get(vars.PARCELS_STATE_TABLE_NAME, { subject: 'parcel-2' })).toMatchObject({ subject: { S: 'parcel-2' }, sequence: { N: '2' }, type: { S: 'parcel.delivered' } });
      const status = JSON.parse(tools(['status', '--local', '--json'], consumer)) as { tables: { role: string }[] };
      expect(status.tables.map((t) => t.role).sort()).toEqual(['orders-events', 'orders-state', 'parcels-events', 'parcels-state']);
    } finally {
      local.stop();
    }
    expect(await local.code).toBe(0);
  });
});
