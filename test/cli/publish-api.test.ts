/**
 * `publish --api`: the CLI through the Events API, against a local HTTP server that answers as the API does.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { PublishSummary } from '../../packages/tools/src/cli/publish';
import { type ApiAnswer, type ApiRequest, type FakeEventsApi, accepted, signatureVerifies, startFakeEventsApi } from '../publisher/fake-events-api';
import { LOCAL_VARIABLES, cli, cloudEvent, localDir } from './helpers';

let api: FakeEventsApi | undefined;

async function serve(answer?: (request: ApiRequest, n: number) => ApiAnswer): Promise<FakeEventsApi> {
  api = await startFakeEventsApi(answer);
  return api;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
});

function writeEvents(dir: string, count: number, overrides: (i: number) => Record<string, unknown> = () => ({})): void {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify(cloudEvent({ id: `evt-${i}`, subject: `order-${i}`, ...overrides(i) })));
  writeFileSync(join(dir, 'events.ndjson'), `${lines.join('\n')}\n`);
}

describe('publish --api', () => {
  test('--local --api takes the URL and the key from the endpoints file, and sends nothing to SNS', async () => {
    // GIVEN a local run whose endpoints file names the API; its SNS endpoint answers nothing
    const { url, requests } = await serve();
    const dir = localDir({ ...LOCAL_VARIABLES, AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9', EVENTS_API_URL: url, EVENTS_API_KEY: 'local-key' });
    writeEvents(dir, 12);

    // WHEN
    const run = await cli(['publish', 'events.ndjson', '--local', '--api', '--concurrency', '1'], { cwd: dir });
    const json = await cli(['publish', 'events.ndjson', '--api', '--local', '--json', '--concurrency', '1'], { cwd: dir });

    // THEN
    expect(run.stderr).toMatch(/publishing 12\/12/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Published 12 of 12 events to the Events API of the local run \(\.local\/endpoints\.json\) in \d+\.\d\d s \([\d,]+ events\/s, 2 API requests\)\.\n$/,
    );
    expect(requests.map((r) => [r.path, r.headers['x-api-key'], r.events.length])).toEqual([
      ['/v1/events', 'local-key', 10],
      ['/v1/events', 'local-key', 2],
      ['/v1/events', 'local-key', 10],
      ['/v1/events', 'local-key', 2],
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({ via: 'events-api', published: 12, apiRequests: 2, publishBatchCalls: 0, snsRequests: 0 });
  });

  test('--local --api without EVENTS_API_URL in the endpoints file says so, and exits 3', async () => {
    const dir = localDir();
    writeEvents(dir, 1);

    const run = await cli(['publish', 'events.ndjson', '--local', '--api'], { cwd: dir });

    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'event-pipeline publish: the local run (.local/endpoints.json) has no EVENTS_API_URL: it serves no Events API (the app has none, or the run predates it). ' +
        'Start one that does with `npm start -- --keep`\n',
    );
  });

  test('--api URL reports each event the API did not take, by line, with its code, and exits 1', async () => {
    // GIVEN the first request is refused (400 naming the field), the second is read and its connection dropped
    await serve((request, n) =>
      n === 1 ? { status: 400, body: { error: 'BadRequest', message: '[instance.subject: does not match the pattern]' } } : n === 2 ? 'drop' : accepted(request),
    );
    const dir = localDir();
    writeEvents(dir, 13, (i) => (i === 12 ? { subject: 'order 12' } : {}));

    // WHEN
    const run = await cli(['publish', 'events.ndjson', '--api', api!.url, '--api-key', 'k', '--concurrency', '1', '--json'], { cwd: dir });

    // THEN
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as PublishSummary;
    expect(summary).toMatchObject({ target: `the Events API at ${api!.url}`, published: 2, failed: 10, unknown: 0, invalid: 1, apiRequests: 3 });
    expect(summary.problems[0]).toEqual({
      line: 1,
      id: 'evt-0',
      status: 'failed',
      code: 'BadRequest',
      attempts: 1,
      retryable: false,
      message: '400: [instance.subject: does not match the pattern]',
    });
    expect(summary.problems[10]).toMatchObject({ line: 13, status: 'invalid', field: 'subject' });
  });

  test('a connection dropped on every attempt leaves the events unknown, and the summary says they are safe to publish again', async () => {
    await serve(() => 'drop');
    const dir = localDir();
    writeEvents(dir, 2);

    const run = await cli(['publish', 'events.ndjson', '--api', api!.url], { cwd: dir });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('line 1 (evt-0): unknown, may have been published: ECONNRESET after 6 attempts: ');
    expect(run.stdout).toContain('Unknown: 2 events may or may not have been published');
  });

  test.each([
    [{ error: 'INVALID_API_KEY', message: 'Forbidden' }, ['--api-key', 'wrong'], 'the Events API refused the API key (403 INVALID_API_KEY; the key from --api-key): pass the partner\'s key with --api-key KEY'],
    [
      { error: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token' },
      [],
      "the Events API asks for credentials (403 MISSING_AUTHENTICATION_TOKEN): pass --sigv4 (IAM) or --api-key KEY, as its publish authorization needs; or the URL is not the API's stage URL",
    ],
  ])('a 403 stops at the first request, says what to pass, and exits 3 (%j)', async (body, args, message) => {
    const { requests } = await serve(() => ({ status: 403, body }));
    const dir = localDir();
    writeEvents(dir, 30);

    const run = await cli(['publish', 'events.ndjson', '--api', api!.url, ...args, '--concurrency', '1'], { cwd: dir });

    expect(run.code).toBe(3);
    expect(requests).toHaveLength(1);
    expect(run.stdout).toContain(`Not published: 30 (10 ${body.error}, 20 NotSent):`);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('event-pipeline'))).toEqual([`event-pipeline publish: ${message}`]);
  });

  test('an API that does not answer is unreachable: exit 3', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const dir = localDir();
    writeEvents(dir, 1);

    const run = await cli(['publish', 'events.ndjson', '--api', `http://127.0.0.1:${port}/v1`], { cwd: dir });

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`\nevent-pipeline publish: the Events API does not answer at http://127\\.0\\.0\\.1:${port}/v1 \\(ECONNREFUSED\\): check --api\n$`));
  });

  test('--sigv4 signs with the SDK\'s credentials for the region given, a signature the API can verify', async () => {
    // GIVEN credentials in the environment, where the SDK's default chain finds them
    const { url, requests } = await serve();
    const dir = localDir();
    writeEvents(dir, 3);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, profile: process.env.AWS_PROFILE };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDCLI', AWS_SECRET_ACCESS_KEY: 'cli-secret' });
    delete process.env.AWS_PROFILE;
    let run;
    try {
      // WHEN
      run = await cli(['publish', 'events.ndjson', '--api', url, '--sigv4', '--region', 'eu-central-1', '--concurrency', '1'], { cwd: dir });
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_PROFILE', saved.profile]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }

    // THEN
    expect(run.code).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCLI\/\d{8}\/eu-central-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    expect(requests[0].headers['x-api-key']).toBeUndefined();
    await expect(signatureVerifies(requests[0], { accessKeyId: 'AKIDCLI', secretAccessKey: 'cli-secret' }, 'eu-central-1')).resolves.toBe(true);
  });

  test('Ctrl-C stops at the next request, waits for the one in flight, says what to publish again, and exits 130', async () => {
    const controller = new AbortController();
    await serve((request, n) => {
      if (n === 2) controller.abort();
      return accepted(request);
    });
    const dir = localDir();
    writeEvents(dir, 50);

    const run = await cli(['publish', 'events.ndjson', '--api', api!.url, '--concurrency', '1'], { cwd: dir, signal: controller.signal });

    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/^Published 20 of 50 events to the Events API at /);
    expect(run.stdout).toContain('Interrupted: 20 published, 30 not sent, 0 unknown. To resume, publish again the lines not sent and unknown: 21-50.\n');
  });

  test('--dry-run --api validates as the API takes events: a subject with a space is refused', async () => {
    const dir = localDir();
    writeEvents(dir, 2, (i) => (i === 1 ? { subject: 'order 1' } : {}));

    const dry = await cli(['publish', 'events.ndjson', '--dry-run', '--api', 'https://example.com/v1'], { cwd: dir });
    const sns = await cli(['publish', 'events.ndjson', '--dry-run'], { cwd: dir });

    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('line 2: subject: must be 1 to 128 printable ASCII characters without spaces through the Events API');
    expect(sns.code).toBe(0);
  });

  test.each([
    [['--api'], "--api needs the API's stage URL (https://…/v1), or --stack NAME or --local to take it from"],
    [['--local', '--api', 'http://127.0.0.1:1/v1'], '--api URL is a target of its own: give it without --stack or --local, or give a bare --api to use the API of the stack or the local run'],
    [['--local', '--api-key', 'k'], '--api-key and --sigv4 apply to --api only'],
    [['--api', 'https://events.example.com/v1', '--sigv4'], "--sigv4 needs the API's region, and https://events.example.com/v1 names none (a custom domain): pass --region"],
    [['--api', 'https://events.example.com/v1', '--region', 'eu-west-1'], '--region applies to --stack, or to --api with --sigv4'],
  ])('usage errors: %j', async (args, message) => {
    const dir = localDir();
    writeEvents(dir, 1);

    const run = await cli(['publish', 'events.ndjson', ...args], { cwd: dir });

    expect(run.stderr).toBe(`event-pipeline publish: ${message}\n`);
    expect(run.code).toBe(2);
  });

  test('a bare --api before the file leaves the file a positional', async () => {
    const { url, requests } = await serve();
    const dir = localDir({ ...LOCAL_VARIABLES, EVENTS_API_URL: url, EVENTS_API_KEY: 'local-key' });
    writeEvents(dir, 1);

    const run = await cli(['publish', '--local', '--api', 'events.ndjson'], { cwd: dir });

    expect(run.code).toBe(0);
    expect(requests).toHaveLength(1);
  });
});
