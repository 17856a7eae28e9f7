/**
 * `event-pipeline local` on a user's own CDK app (test/local/fixtures/two-pipelines), through the
 * CLI's main(): two EventPipelines in one stack (one with a filter policy and batch settings of its
 * own, one with its own FIFO consumer code), a Python function the local run lists and does not
 * run, and a second stack. The demo run synthesizes the app with its own cdk.json; the other runs
 * read the assembly it wrote.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { main } from '../../packages/tools/src/cli/index';
import type { CliIO } from '../../packages/tools/src/cli/io';
import type { PublishSummary } from '../../packages/tools/src/cli/publish';
import type { StatusReport } from '../../packages/tools/src/cli/status';
import { generateScenario } from '../../packages/tools/src/local/scenario';
import type { RunSummary } from '../../packages/tools/src/local/summary';
import { cli } from './helpers';

const FIXTURE = join(__dirname, '..', 'local', 'fixtures', 'two-pipelines');

jest.setTimeout(120_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface Started {
  readonly code: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Ctrl-C, as the CLI's process turns it into its abort signal. */
  stop(): void;
}

/** Runs the CLI in-process, with its output readable while it runs. */
function start(argv: string[], cwd: string): Started {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const io: CliIO = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(['']),
    env: {},
    cwd,
    signal: controller.signal,
  };
  return { code: main(argv, io), stdout: () => stdout, stderr: () => stderr, stop: () => controller.abort() };
}

const byPrefix = <T extends { logicalId: string }>(list: readonly T[], prefix: string): T => {
  const found = list.filter((x) => x.logicalId.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0];
};

let dir: string;
let assembly: string;
// The demo's own scenario: --events 200 --subjects 10, seed 1.
const scenario = generateScenario({ events: 200, subjects: 10, seed: 1 });
let demo: { code: number; stdout: string; stderr: string; summary: RunSummary };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-command-'));
  assembly = join(dir, 'cdk.out');
  // GIVEN the user's app, with two stacks and two topics in the one it runs
  // WHEN it is run with its own synth, the demo going to the Parcels pipeline
  const run = start(
    ['local', '--app', FIXTURE, '--cdk-out', assembly, '--stack', 'TwoPipelines', '--topic', 'parcels', '--events', '200', '--subjects', '10', '--json', 'summary.json', '--quiet'],
    dir,
  );
  const code = await run.code;
  demo = { code, stdout: run.stdout(), stderr: run.stderr(), summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a demo run of a user app with two pipelines and a Python function', () => {
  test('synthesizes the app with its own cdk.json command, publishes to the chosen topic, drains and exits 0', () => {
    // THEN
    expect({ code: demo.code, stderr: demo.stderr }).toEqual({
      code: 0,
      // The one line --quiet keeps: part of the stack does not run.
      stderr: expect.stringMatching(/^Not run locally: function Reporter\w+ \(python3\.12\): only Node\.js functions run locally; its queue ReportsQueue\w+ is not consumed\n$/),
    });
    expect(demo.stdout).toMatch(/^Summary: stack TwoPipelines \(us-east-1\), synthesized just now$/m);
    expect(demo.stdout).toMatch(/^ {2}the demo published to topic ParcelsTopic\w+ \(\S+\.fifo\), one of 2 topics with SQS subscriptions$/m);
    expect(demo.summary).toMatchObject({ drained: true, topic: { logicalId: expect.stringMatching(/^ParcelsTopic/), topics: 2 } });
  });

  test("fills the Parcels pipeline's tables, through its filter policy and its own FIFO consumer, and leaves the Orders pipeline's empty", () => {
    const items = (prefix: string) => byPrefix(demo.summary.tables, prefix).items;
    const ends = scenario.events.filter((e) => e.type === 'parcel.picked-up' || e.type === 'parcel.delivered');
    expect({
      ordersEvents: items('OrdersEventsTable'),
      ordersState: items('OrdersStateTable'),
      parcelsEvents: items('ParcelsEventsTable'),
      parcelsState: items('ParcelsStateTable'),
    }).toEqual({ ordersEvents: 0, ordersState: 0, parcelsEvents: ends.length, parcelsState: 10 });
    // The state projector's sample applies to a state projector's table only: the fixture's consumer writes its own items.
    expect(demo.summary.states).toEqual([]);
  });

  test("runs each event source with its own batch settings; the other pipeline's queues are polled too", () => {
    const queue = (prefix: string) => demo.summary.queues.find((q) => q.queue.startsWith(`TwoPipelines-${prefix}`))!;
    const eventLog = queue('ParcelsEventLogQueue');
    // 2 s window, at the factor that keeps the 30 s function timeout at 1 s.
    expect(eventLog).toMatchObject({ batchSize: 20, reportBatchItemFailures: true, remaining: 0, failedAttempts: 0 });
    expect(eventLog.batchingWindowMs).toBeCloseTo((2_000 * 1) / 30, 3);
    const projector = queue('ParcelsStateProjectorQueue');
    expect(projector).toMatchObject({ batchSize: 5, fifo: true, received: scenario.entries.length - scenario.duplicates, remaining: 0, failedAttempts: 0 });
    expect(projector.meanBatchSize).toBeLessThanOrEqual(5);
    expect(queue('OrdersEventLogQueue')).toMatchObject({ batchSize: 100, received: 0 });
    expect(queue('OrdersStateProjectorQueue')).toMatchObject({ batchSize: 10, received: 0 });
    expect(demo.summary.queues).toHaveLength(4);
  });

  test('reports the Python function by name and runtime as not run, with what waits in its queue', () => {
    expect(demo.summary.notRun).toEqual([
      {
        function: expect.stringMatching(/^TwoPipelines-Reporter/),
        logicalId: expect.stringMatching(/^Reporter/),
        runtime: 'python3.12',
        reason: 'only Node.js functions run locally',
        // A FIFO queue: every distinct message the demo published, none consumed.
        queues: [{ queue: expect.stringMatching(/\.fifo$/), logicalId: expect.stringMatching(/^ReportsQueue/), messages: scenario.entries.length - scenario.duplicates }],
      },
    ]);
    expect(demo.stdout).toMatch(/^Not run locally \(only Node\.js functions run; .*\n {2}Reporter\w+ \(python3\.12\), function TwoPipelines-Reporter\w+\n {4}would consume ReportsQueue\w+ \(\S+\): 200 messages waiting$/m);
    expect(demo.stdout).toContain('every valid event processed by every function that runs locally after');
  });
});

describe('usage errors name the option, the value and what is allowed', () => {
  test.each([
    ['several topics and no --topic', ['--stack', 'TwoPipelines'], /^event-pipeline local: --topic is needed: stack TwoPipelines has 2 topics with SQS subscriptions, and the demo publishes to one: orders \(OrdersTopic\w+, TwoPipelines\/Orders\/Topic\/Topic\), parcels \(ParcelsTopic\w+, TwoPipelines\/Parcels\/Topic\/Topic\)\. Give --topic/],
    ['a --topic that matches both', ['--stack', 'TwoPipelines', '--topic', 'Topic'], /^event-pipeline local: --topic "Topic" matches 2 topics of stack TwoPipelines: orders \(.*\), parcels \(.*\); give one of their names/],
    ['an unknown --topic', ['--stack', 'TwoPipelines', '--topic', 'invoices'], /^event-pipeline local: --topic "invoices": no such topic in stack TwoPipelines; the demo can publish to orders \(.*\), parcels \(.*\)\n/],
    ['an unknown --stack', ['--stack', 'Nope'], /^event-pipeline local: --stack "Nope": no such stack in \S+cdk\.out; it has TwoPipelines, Alerts\n/],
    ['several stacks and no --stack', [], /^event-pipeline local: --stack is needed: \S+cdk\.out has 2 stacks \(TwoPipelines, Alerts\): pick one with --stack NAME\n/],
  ])('%s', async (_case, args, message) => {
    // WHEN
    const run = await cli(['local', '--cdk-out', assembly, '--quiet', ...args], { cwd: dir });
    // THEN nothing was started: the usage error comes before the emulators
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('See `event-pipeline local --help`.');
  });

  test('--app on a folder without cdk.json', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-app-'));
    try {
      const run = await cli(['local', '--app', empty], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`event-pipeline local: --app "${empty}": ${empty} has no cdk.json; give the folder of a CDK app (where its cdk.json is), or --cdk-out DIR`);
      // Neither option, in a folder without cdk.json
      const bare = await cli(['local'], { cwd: empty });
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain(`event-pipeline local: --app or --cdk-out is needed: the current folder ${empty} has no cdk.json`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('--help shows the options of its own and the shared ones', async () => {
    const run = await cli(['local', '--help']);
    expect(run.code).toBe(0);
    for (const option of ['--app DIR', '--cdk-out DIR', '--topic NAME', '--no-demo', '--keep', '--events N', '--time-scale X']) expect(run.stdout).toContain(option);
    expect(run.stdout).toContain('(default 0.01)');
  });
});

describe('--no-demo', () => {
  const events = (prefix: string) =>
    ['1', '2']
      .flatMap((n) =>
        ['parcel.picked-up', 'parcel.in-transit', 'parcel.delivered'].map((type, i) =>
          JSON.stringify({ specversion: '1.0', id: `${prefix}-${n}-${i + 1}`, source: 'urn:e2e', type, subject: `${prefix}-${n}`, sequence: i + 1 }),
        ),
      )
      .join('\n');

  test('serves both pipelines to publish --local --topic and status --local, until Ctrl-C', async () => {
    // GIVEN a run serving the stack, in a folder of its own (the endpoints file and the logs go to its .local/)
    const cwd = mkdtempSync(join(tmpdir(), 'local-serve-'));
    writeFileSync(join(cwd, 'orders.ndjson'), events('order'));
    writeFileSync(join(cwd, 'parcels.ndjson'), events('parcel'));
    const run = start(['local', '--cdk-out', assembly, '--stack', 'TwoPipelines', '--no-demo', '--quiet'], cwd);
    let ended = false;
    void run.code.finally(() => (ended = true));
    try {
      const endpoints = join(cwd, '.local', 'endpoints.json');
      while (!existsSync(endpoints) && !ended) await new Promise((r) => setTimeout(r, 100));
      expect({ ended, stderr: run.stderr() }).toEqual({ ended: false, stderr: expect.stringMatching(/^Not run locally: function Reporter/) });
      const vars = JSON.parse(readFileSync(endpoints, 'utf8')) as Record<string, string>;
      // No default topic with two and none chosen: each under its own name.
      expect(vars.TOPIC_ARN).toBeUndefined();
      expect(Object.keys(vars).filter((k) => k.endsWith('_TOPIC_ARN'))).toEqual(['ORDERS_TOPIC_ARN', 'PARCELS_TOPIC_ARN']);
      expect(run.stdout()).toContain(`export PARCELS_TOPIC_ARN=${vars.PARCELS_TOPIC_ARN}\n`);

      // WHEN events are published without saying to which topic
      const unsure = await cli(['publish', 'orders.ndjson', '--local'], { cwd });
      // THEN it is refused, with the choices
      expect(unsure.code).toBe(2);
      expect(unsure.stderr).toMatch(
        /^event-pipeline publish: --topic is needed: the local run \(\.local\/endpoints\.json\) has 2 topics: orders \(ORDERS_TOPIC_ARN, \S+\.fifo\), parcels \(PARCELS_TOPIC_ARN, \S+\.fifo\); say which with --topic NAME\n$/,
      );

      // WHEN each pipeline gets its file
      for (const [file, topic] of [['orders.ndjson', 'orders'], ['parcels.ndjson', 'parcels']]) {
        const published = await cli(['publish', file, '--local', '--topic', topic, '--json'], { cwd });
        expect(published.code).toBe(0);
        expect(JSON.parse(published.stdout) as PublishSummary).toMatchObject({ target: `the local run (.local/endpoints.json), topic ${topic}`, published: 6 });
      }

      // THEN status shows every queue and table, and both pipelines store their events (Parcels' event log: two types only)
      const wanted = 'orders-events 6, orders-state 2, parcels-events 4, parcels-state 2';
      let report: StatusReport | undefined;
      const tables = (r: StatusReport) => r.tables.map((t) => `${t.role} ${t.items}`).join(', ');
      for (let i = 0; i < 200 && (!report || tables(report) !== wanted); i++) {
        if (report) await new Promise((r) => setTimeout(r, 100));
        report = JSON.parse((await cli(['status', '--local', '--json'], { cwd })).stdout) as StatusReport;
      }
      expect(tables(report!)).toBe(wanted);
      expect(report!.queues.map((q) => `${q.consumer} ${q.role}`)).toEqual([
        'orders-event-log queue', 'orders-event-log dead-letter queue', 'orders-state-projector queue', 'orders-state-projector dead-letter queue',
        'parcels-event-log queue', 'parcels-event-log dead-letter queue', 'parcels-state-projector queue', 'parcels-state-projector dead-letter queue',
        'reports queue',
      ]);
      // The Python function's queue keeps what the Parcels topic delivered to it.
      expect(report!.queues.find((q) => q.consumer === 'reports')).toMatchObject({ fifo: true, visible: 6 });

      // AND each pipeline's consumers wrote their own way: the default projector, and the fixture's own
      const documents = DynamoDBDocumentClient.from(
        new DynamoDBClient({ region: vars.AWS_REGION, endpoint: vars.AWS_ENDPOINT_URL_DYNAMODB, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
      );
      try {
        const order = await documents.send(new GetCommand({ TableName: vars.ORDERS_STATE_TABLE_NAME, Key: { subject: 'order-1' } }));
        expect(order.Item).toMatchObject({ subject: 'order-1', sequence: 3, type: 'parcel.delivered', eventId: 'order-1-3' });
        const parcels = await documents.send(new ScanCommand({ TableName: vars.PARCELS_STATE_TABLE_NAME }));
        expect(parcels.Items?.sort((a, b) => String(a.subject).localeCompare(String(b.subject)))).toEqual([
          { subject: 'parcel-1', sequences: new Set([1, 2, 3]), handledBy: 'sequence-set-handler' },
          { subject: 'parcel-2', sequences: new Set([1, 2, 3]), handledBy: 'sequence-set-handler' },
        ]);
      } finally {
        documents.destroy();
      }
    } finally {
      // WHEN Ctrl-C
      run.stop();
    }
    // THEN it stops and exits 0
    expect(await run.code).toBe(0);
    rmSync(cwd, { recursive: true, force: true });
  });
});
