import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionHost, type FunctionHostOptions } from '../../packages/tools/src/local/lambda-host';

const NODE_MODULES = join(__dirname, '..', '..', 'node_modules');

/** Stand-in bundles, written as a bundler would leave them: one directory per function. */
const BUNDLES: Record<string, [file: string, source: string]> = {
  echo: [
    'index.js',
    `const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
     exports.handler = async (event, context) => {
       console.log(JSON.stringify({ level: 'ERROR', message: 'Record failed', messageId: 'm-1', reason: 'demo', eventId: 'e-1' }));
       return {
         table: process.env.TABLE_NAME,
         sdk: typeof DynamoDBClient,
         records: event.Records.length,
         functionName: context.functionName,
         remaining: context.getRemainingTimeInMillis(),
       };
     };`,
  ],
  slow: [
    'index.js',
    `exports.handler = async (event) => {
       if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
       return 'done';
     };`,
  ],
  gate: [
    'index.js',
    `const { existsSync, writeFileSync } = require('node:fs');
     exports.handler = async (event) => {
       writeFileSync(event.started, '');
       while (!existsSync(event.gate)) await new Promise((r) => setTimeout(r, 5));
       return 'done';
     };`,
  ],
  rejects: [
    'index.js',
    `exports.handler = async () => {
       Promise.reject(new Error('forgotten'));
       await new Promise((r) => setTimeout(r, 200));
       return 'done';
     };`,
  ],
  throws: ['index.js', `exports.handler = async () => { throw new TypeError('bad record'); };`],
  esm: [
    'index.mjs',
    `import { SQSClient } from '@aws-sdk/client-sqs';
     export const handler = async () => ({ sdk: typeof SQSClient });`,
  ],
  broken: ['index.js', `throw new Error('cannot start');`],
};

describe('FunctionHost', () => {
  let root: string;
  const hosts: FunctionHost[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'lambda-host-'));
    for (const [name, [file, source]] of Object.entries(BUNDLES)) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, file), source);
    }
  });

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  async function host(name: string, overrides: Partial<FunctionHostOptions> = {}): Promise<FunctionHost> {
    const h = new FunctionHost({
      functionName: `fn-${name}`,
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:fn-${name}`,
      memorySize: 128,
      taskRoot: join(root, name),
      handler: 'index.handler',
      env: { NODE_PATH: NODE_MODULES, TABLE_NAME: `table-${name}` },
      nodeModules: NODE_MODULES,
      concurrency: 1,
      timeoutMs: 5_000,
      ...overrides,
    });
    hosts.push(h);
    await h.start();
    return h;
  }

  test('runs the bundle with its own environment, the SDK from NODE_PATH and a Lambda context', async () => {
    // GIVEN two functions whose TABLE_NAME differ
    const a = await host('echo');
    const b = await host('echo', { env: { NODE_PATH: NODE_MODULES, TABLE_NAME: 'other' }, functionName: 'fn-other' });
    // WHEN both run at once
    const [ra, rb] = await Promise.all([a.invoke({ Records: [1, 2] }), b.invoke({ Records: [] })]);
    // THEN
    expect(ra).toMatchObject({ ok: true, result: { table: 'table-echo', sdk: 'function', records: 2, functionName: 'fn-echo' } });
    expect((ra.result as { remaining: number }).remaining).toBeGreaterThan(4_000);
    expect(rb).toMatchObject({ ok: true, result: { table: 'other', functionName: 'fn-other' } });
  });

  test('passes what the handler writes to stdout, line by line', async () => {
    const lines: string[] = [];
    const h = await host('echo', { onLog: (line) => lines.push(line) });
    await h.invoke({ Records: [] });
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.map((l) => JSON.parse(l) as { messageId: string })).toContainEqual(expect.objectContaining({ messageId: 'm-1' }));
  });

  test('a handler that runs past its timeout fails and its environment is replaced', async () => {
    // GIVEN
    const h = await host('slow', { timeoutMs: 300 });
    // WHEN
    const timedOut = await h.invoke({ sleep: 2_000 });
    const next = await h.invoke({});
    // THEN
    expect(timedOut).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.30 seconds' } });
    expect(next).toMatchObject({ ok: true, result: 'done' });
    expect(h.stats).toMatchObject({ invocations: 2, timeouts: 1, coldStarts: 2 });
  });

  test('an unhandled rejection fails the invocation and ends the environment, as the Node.js runtime does', async () => {
    // GIVEN a handler that leaves a rejected promise behind and would otherwise answer 'done'
    const h = await host('rejects');
    // WHEN
    const outcome = await h.invoke({});
    // THEN the invocation failed, its environment was replaced, and the next one runs in the new
    // environment (it fails the same way, not with the old environment's exit)
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'forgotten' } });
    expect(h.stats.coldStarts).toBe(2);
    expect(await h.invoke({})).toMatchObject({ ok: false, error: { errorType: 'Runtime.UnhandledPromiseRejection' } });
  });

  test('a thrown error is reported with its type and message', async () => {
    const h = await host('throws');
    expect(await h.invoke({})).toMatchObject({ ok: false, error: { errorType: 'TypeError', errorMessage: 'bad record' } });
  });

  test('an ES module bundle resolves the SDK from the project too', async () => {
    const h = await host('esm');
    expect(await h.invoke({})).toMatchObject({ ok: true, result: { sdk: 'function' } });
  });

  test('a bundle that throws while loading fails to start, naming the function', async () => {
    await expect(host('broken')).rejects.toThrow(/fn-broken failed to initialize: Error: cannot start/);
  });

  test('invocations beyond the concurrency wait for a free environment', async () => {
    // GIVEN two environments, and handlers that hold theirs until a gate file exists
    const h = await host('gate', { concurrency: 2 });
    const gate = join(root, 'gate-open');
    const started = [1, 2, 3].map((n) => join(root, `started-${n}`));
    // WHEN three invocations come in
    const outcomes = Promise.all(started.map((file) => h.invoke({ started: file, gate })));
    while (started.filter((f) => existsSync(f)).length < 2) await new Promise((r) => setTimeout(r, 5));
    // THEN only two run, in the two environments; the third runs once one is free
    expect(h.stats).toMatchObject({ invocations: 2, coldStarts: 2 });
    writeFileSync(gate, '');
    expect((await outcomes).map((o) => o.result)).toEqual(['done', 'done', 'done']);
    expect(h.stats).toMatchObject({ invocations: 3, coldStarts: 2 });
  });
});
