/**
 * The CLI as a process, the way `npm run cli --` runs it: signals, exit codes and what reaches stderr.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_VARIABLES, cloudEvent } from './helpers';

const PROJECT_DIR = join(__dirname, '..', '..');
const TSX = join(PROJECT_DIR, 'node_modules', 'tsx', 'dist', 'cli.mjs');

jest.setTimeout(60_000);

interface Child {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function runCli(args: string[], cwd: string): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const child = spawn(process.execPath, [TSX, '--tsconfig', join(PROJECT_DIR, 'tsconfig.json'), join(PROJECT_DIR, 'packages', 'tools', 'src', 'cli', 'index.ts'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { stdout: () => stdout, stderr: () => stderr, exit, kill: (signal) => child.kill(signal) };
}

function workDir(endpoint: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-process-'));
  mkdirSync(join(dir, '.local'));
  writeFileSync(
    join(dir, '.local', 'endpoints.json'),
    JSON.stringify({ ...LOCAL_VARIABLES, AWS_ENDPOINT_URL_SNS: endpoint, AWS_ENDPOINT_URL_SQS: endpoint, AWS_ENDPOINT_URL_DYNAMODB: endpoint }),
  );
  return dir;
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

/** A PublishBatch answer in the SNS query protocol: every entry published. */
function publishBatchAnswer(body: string): string {
  const ids = [...new URLSearchParams(body).entries()].filter(([k]) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(k)).map(([, v]) => v);
  const members = ids.map((id) => `<member><Id>${id}</Id><MessageId>m-${id}</MessageId><SequenceNumber>1</SequenceNumber></member>`).join('');
  return `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>`;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Runs `publish` on 200 events against an endpoint that holds each answer
 * until Ctrl-C was sent (once the first request is in flight), and answers at once after it.
 */
async function publishInterrupted(
  target: (url: string) => string[],
  answerFor: (body: string) => { status: number; type: string; body: string },
): Promise<{ code: number | null; requests: number; child: Child; url: string }> {
  let requests = 0;
  let interrupted = false;
  const held: (() => void)[] = [];
  const { server, url } = await listen((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests++;
      const answer = () => {
        const { status, type, body: text } = answerFor(body);
        res.writeHead(status, { 'content-type': type }).end(text);
      };
      if (interrupted) answer();
      else held.push(answer);
    });
  });
  const dir = workDir(url);
  dirs.push(dir);
  const events = Array.from({ length: 200 }, (_, i) => JSON.stringify(cloudEvent({ id: `evt-${i}`, subject: `order-${i}` })));
  writeFileSync(join(dir, 'events.ndjson'), `${events.join('\n')}\n`);

  const child = runCli(['publish', 'events.ndjson', ...target(url)], dir);
  while (requests === 0) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  while (!child.stderr().includes('interrupted: finishing the calls in flight')) await new Promise((r) => setTimeout(r, 20));
  interrupted = true;
  held.splice(0).forEach((answer) => answer());
  const code = await child.exit;
  server.close();
  return { code, requests, child, url };
}

describe('event-pipeline as a process', () => {
  test('Ctrl-C during publish: the calls in flight end, nothing more is sent, the summary is printed and the exit code is 130', async () => {
    // GIVEN an SNS endpoint that holds each answer until Ctrl-C was sent, and answers at once after it
    const answer = (body: string) => ({ status: 200, type: 'text/xml', body: publishBatchAnswer(body) });

    // WHEN Ctrl-C once the first call is in flight, then the endpoint answers
    const { code, requests, child } = await publishInterrupted(() => ['--local'], answer);

    // THEN only the calls in flight, one per lane at most (--concurrency 4), of the 20 the file needs
    expect(code).toBe(130);
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(requests).toBeLessThanOrEqual(4);
    const published = requests * 10;
    expect(child.stdout()).toMatch(new RegExp(`^Published ${published} of 200 events `));
    expect(child.stdout()).toContain(`Interrupted: ${published} published, ${200 - published} not sent, 0 unknown. To resume, publish again the lines not sent and unknown: `);
    expect(child.stderr()).toContain('event-pipeline: interrupted: finishing the calls in flight (Ctrl-C again to quit at once)\n');
    expect(child.stderr()).not.toMatch(/NodeVersionSupportWarning/);
  });

  test('Ctrl-C during publish --api: the requests in flight end, nothing more is sent, and the exit code is 130', async () => {
    // GIVEN an Events API that holds each answer until Ctrl-C was sent
    const answer = (body: string) => {
      const receipts = (JSON.parse(body) as { id: string }[]).map((e, index) => ({ index, messageId: `m-${e.id}`, sequenceNumber: '1' }));
      return { status: 202, type: 'application/json', body: JSON.stringify({ receipts, failed: [] }) };
    };

    // WHEN
    const { code, requests, child, url } = await publishInterrupted((api) => ['--api', `${api}/v1`, '--api-key', 'k'], answer);

    // THEN
    expect(code).toBe(130);
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(requests).toBeLessThanOrEqual(4);
    const published = requests * 10;
    expect(child.stdout()).toMatch(new RegExp(`^Published ${published} of 200 events to the Events API at ${url}/v1 `));
    expect(child.stdout()).toContain(`Interrupted: ${published} published, ${200 - published} not sent, 0 unknown. To resume, publish again the lines not sent and unknown: `);
  });

  test('redrive --local with the local run stopped says so in one line, exit 3, without the SDK\'s Node.js warning', async () => {
    // GIVEN a port nothing listens on
    const { server, url } = await listen(() => undefined);
    await new Promise((r) => server.close(r));
    const dir = workDir(url);
    dirs.push(dir);

    // WHEN
    const child = runCli(['redrive', '--queue', 'event-log', '--local'], dir);
    const code = await child.exit;

    // THEN
    expect(code).toBe(3);
    expect(child.stderr()).toBe(
      `event-pipeline redrive: the local run does not answer at ${url} (ECONNREFUSED): it is not running. ` +
        'Start it in another terminal with `npm start -- --keep` (or point --endpoints at the endpoints file of one that runs)\n',
    );
  });
});
