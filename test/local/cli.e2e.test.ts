/**
 * The `npm start` entry point, run as a child process the way package.json runs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const PROJECT_DIR = join(__dirname, '..', '..');
const TSX = join(PROJECT_DIR, 'node_modules', 'tsx', 'dist', 'cli.mjs');

jest.setTimeout(180_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The arguments of the `start` script after `tsx`, e.g. ['packages/tools/src/local/cli.ts', '--time-scale', '0.01']. */
function startScriptArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [tool, ...args] = pkg.scripts.start.split(/\s+/);
  expect(tool).toBe('tsx');
  return args;
}

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [TSX, ...args], {
    cwd: PROJECT_DIR,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('with its defaults, synthesizes the app, runs the demo, prints the summary and exits 0', async () => {
    // WHEN
    const cli = run([...startScriptArgs(), '--cdk-out', join(dir, 'cdk.out')]);
    const code = await cli.exit;
    // THEN
    expect({ code, stderr: code === 0 ? '' : cli.stderr() }).toEqual({ code: 0, stderr: '' });
    const out = cli.stdout();
    expect(out).toMatch(/^Summary: stack \S+ \(us-east-1\), synthesized just now$/m);
    expect(out).toMatch(/time scale 0\.01/);
    expect(out).toMatch(/published 1000 events \(10 malformed, \d+ out of order\) \+ 50 duplicate deliveries/);
    expect(out).toMatch(/dead-letter queue \S+: 10 messages/);
    // 30% of the parcels without a malformed event go through the Events API, with three invalid requests on top.
    expect(out).toMatch(/= 1050 publishes \((\d+) through SNS PublishBatch, (\d+) through the Events API\)/);
    const [, viaSns, viaApi] = /\((\d+) through SNS PublishBatch, (\d+) through the Events API\)/.exec(out)!.map(Number);
    expect(viaSns + viaApi).toBe(1050);
    expect(viaApi).toBeGreaterThan(0);
    expect(out).toMatch(/^Events API \S+, stage http:\/\/127\.0\.0\.1:\d+\/v1, key \S+-vendor-acme as x-api-key:$/m);
    expect(out).toMatch(new RegExp(`^  12 subjects, every publish of each: ${viaApi} publishes accepted \\(202\\) in \\d+ batch requests and \\d+ single-event requests`, 'm'));
    expect(out).toMatch(/-> 400, .* -> 400, .* -> 415, as expected$/m);
    expect(out).toMatch(/^ {2}requests by status: 202 x \d+, 400 x 2, 415 x 1/m);
    expect(out).toMatch(/^ {2}request time p50 \d+ ms, p99 \d+ ms \(measured by the local API Gateway/m);
    expect(out).toMatch(/End-to-end latency over all queues: p50 \d+ ms, p99 \d+ ms/);
    expect(out).toMatch(/Final state of some subjects:\n\s+parcel-\S+\s+sequence\s+\d+\s+parcel\.delivered/);
    expect(cli.stderr()).toMatch(/Skipped \d+ resources that do not matter locally/);
  });

  test('--keep prints export lines, serves the SDK until SIGINT, then exits 0', async () => {
    // GIVEN the assembly synthesized by the previous test
    const cli = run([
      'packages/tools/src/local/cli.ts', '--keep', '--quiet', '--no-synth', '--cdk-out', join(dir, 'cdk.out'), '--events', '20', '--subjects', '2',
    ]);
    // A failing expectation must not leave the run (and this test file) waiting for a signal.
    try {
      await keptRunServes(cli);
    } finally {
      cli.child.kill('SIGINT');
    }
    expect(await cli.exit).toBe(0);
  });

  async function keptRunServes(cli: Run): Promise<void> {
    await waitFor(() => /^export STATE_TABLE_NAME=.*$/m.test(cli.stdout()), 90_000);
    const vars = Object.fromEntries([...cli.stdout().matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(vars)).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_SNS', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'TOPIC_ARN', 'EVENTS_TABLE_NAME',
        'EVENTS_API_URL', 'EVENTS_API_KEY',
      ]),
    );
    expect(vars.EVENTS_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(JSON.parse(readFileSync(join(PROJECT_DIR, '.local', 'endpoints.json'), 'utf8'))).toEqual(vars);

    // WHEN a client publishes an event through the printed endpoints
    const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
    const sns = new SNSClient({ region: vars.AWS_REGION, endpoint: vars.AWS_ENDPOINT_URL_SNS, credentials });
    const dynamodb = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: vars.AWS_REGION, endpoint: vars.AWS_ENDPOINT_URL_DYNAMODB, credentials }),
    );
    const event = { specversion: '1.0', id: 'kept-1', source: 'test', type: 'parcel.picked-up', subject: 'parcel-kept', sequence: 1 };
    await sns.send(
      new PublishCommand({
        TopicArn: vars.TOPIC_ARN,
        Message: JSON.stringify(event),
        MessageGroupId: event.subject,
        MessageDeduplicationId: event.id,
        MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
      }),
    );
    // THEN the running functions store it
    let stored: unknown;
    // Polls until stored; the bound only keeps a broken run from hanging the suite (60 s, for a loaded machine).
    for (let i = 0; i < 600 && !stored; i++) {
      stored = (await dynamodb.send(new GetCommand({ TableName: vars.EVENTS_TABLE_NAME, Key: { id: 'kept-1' } }))).Item;
      if (!stored) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stored).toMatchObject({ id: 'kept-1', subject: 'parcel-kept' });
    sns.destroy();
    dynamodb.destroy();

    // WHEN a partner publishes an event through the Events API, as the README's curl does
    const apiEvent = { ...event, id: 'kept-api-1', subject: 'parcel-kept-api' };
    const posted = await fetch(`${vars.EVENTS_API_URL}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': vars.EVENTS_API_KEY },
      body: JSON.stringify(apiEvent),
    });
    expect(posted.status).toBe(202);
    // THEN its receipt answers 200 with the event once it is stored
    let receipt: Response | undefined;
    for (let i = 0; i < 100 && receipt?.status !== 200; i++) {
      if (receipt) await new Promise((r) => setTimeout(r, 100));
      receipt = await fetch(`${vars.EVENTS_API_URL}/events/kept-api-1`);
    }
    expect({ status: receipt!.status, body: await receipt!.json() }).toEqual({ status: 200, body: apiEvent });
  }

  test('--help documents the flags', async () => {
    const cli = run(['packages/tools/src/local/cli.ts', '--help']);
    expect(await cli.exit).toBe(0);
    for (const flag of ['--events', '--subjects', '--quiet', '--keep', '--time-scale', '--api-share', '--no-api']) expect(cli.stdout()).toContain(flag);
  });
});
