/**
 * The publisher through the Events API, against a real HTTP server that
 * answers as the API does: what is sent, and what each answer means for each event.
 */
import { createServer } from 'node:net';
import { type CloudEventInput, EventPublisher, type EventPublisherOptions, type NotPublishedResult } from '../../packages/publisher/src';
import { regionOfApiHost } from '../../packages/publisher/src/sigv4';
import { VALID_EVENT } from '../helpers/cloud-event';
import { type ApiAnswer, type ApiRequest, type FakeEventsApi, accepted, signatureVerifies, startFakeEventsApi } from './fake-events-api';

function event(overrides: Partial<CloudEventInput> & Record<string, unknown> = {}): CloudEventInput {
  return { ...VALID_EVENT, data: { ...VALID_EVENT.data }, ...overrides };
}

function events(count: number, subjects = count): CloudEventInput[] {
  return Array.from({ length: count }, (_, i) => event({ id: `evt-${i}`, subject: `order-${i % subjects}`, sequence: Math.floor(i / subjects) + 1 }));
}

let api: FakeEventsApi | undefined;
const publishers: EventPublisher[] = [];
const sleeps: number[] = [];

async function serve(answer?: (request: ApiRequest, n: number) => ApiAnswer): Promise<FakeEventsApi> {
  api = await startFakeEventsApi(answer);
  return api;
}

function publisher(options: Partial<EventPublisherOptions> & { api: EventPublisherOptions['api'] }): EventPublisher {
  const made = new EventPublisher({
    concurrency: 1,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...options,
  });
  publishers.push(made);
  return made;
}

beforeEach(() => (sleeps.length = 0));
afterEach(async () => {
  publishers.splice(0).forEach((p) => p.destroy());
  await api?.close();
  api = undefined;
});

describe('EventPublisher through the Events API', () => {
  test('POSTs batches of 10 as application/cloudevents-batch+json with the API key, and reads the receipts by index', async () => {
    // GIVEN
    const { url, requests } = await serve();
    const input = events(21);

    // WHEN
    const report = await publisher({ api: { url: `${url}/`, apiKey: 'key-acme', headers: { Authorization: 'Bearer t', 'Content-Type': 'text/plain' } } }).publish(input);

    // THEN three requests, the last one a single event in structured mode
    expect(report).toMatchObject({ published: 21, failed: 0, unknown: 0, notSent: 0, invalid: 0, calls: 3 });
    expect(requests.map((r) => [r.method, r.path, r.headers['content-type'], r.events.length])).toEqual([
      ['POST', '/v1/events', 'application/cloudevents-batch+json', 10],
      ['POST', '/v1/events', 'application/cloudevents-batch+json', 10],
      ['POST', '/v1/events', 'application/cloudevents+json', 1],
    ]);
    // headers of one's own go too, but never replace the request's own
    expect(requests.every((r) => r.headers['x-api-key'] === 'key-acme' && r.headers.authorization === 'Bearer t')).toBe(true);
    // each event byte for byte as given, the batch a JSON array of them
    expect(requests[0].body).toBe(`[${input.slice(0, 10).map((e) => JSON.stringify(e)).join(',')}]`);
    expect(requests[2].body).toBe(JSON.stringify(input[20]));
    expect(report.results[3]).toMatchObject({ status: 'published', id: 'evt-3', messageId: 'm-evt-3', sequenceNumber: '4', attempts: 1 });
    expect(report.results[20]).toMatchObject({ status: 'published', id: 'evt-20', messageId: 'm-evt-20', sequenceNumber: '1' });
  });

  test('keeps each request within the topic limit in bytes', async () => {
    const { requests } = await serve();
    const big = 'x'.repeat(60_000);
    const input = Array.from({ length: 9 }, (_, i) => event({ id: `big-${i}`, subject: `order-${i}`, data: { big } }));

    const report = await publisher({ api: { url: api!.url } }).publish(input);

    expect(report.published).toBe(9);
    expect(requests.map((r) => r.events.length)).toEqual([4, 4, 1]);
    expect(Math.max(...requests.map((r) => Buffer.byteLength(r.body)))).toBeLessThanOrEqual(262_144);
  });

  test('entries a 202 says the topic refused are failed with their code; those that may pass are retried alone', async () => {
    // GIVEN the first answer refuses entry 1 (a server fault) and entry 2 (the sender's fault)
    const { requests } = await serve((request, n) => {
      if (n > 1) return accepted(request);
      return {
        status: 202,
        body: {
          receipts: [0, 3].map((index) => ({ index, messageId: `m-${request.events[index].id}`, sequenceNumber: '' })),
          failed: [
            { index: 1, code: 'InternalError', senderFault: false },
            { index: 2, code: 'InvalidParameter', senderFault: true },
          ],
        },
      };
    });

    // WHEN
    const report = await publisher({ api: { url: api!.url } }).publish(events(4));

    // THEN
    expect(requests.map((r) => r.events.map((e) => e.id))).toEqual([['evt-0', 'evt-1', 'evt-2', 'evt-3'], ['evt-1']]);
    expect(report).toMatchObject({ published: 3, failed: 1, calls: 2 });
    expect(report.results[0]).toEqual(expect.objectContaining({ status: 'published', messageId: 'm-evt-0' }));
    expect(report.results[0]).not.toHaveProperty('sequenceNumber');
    expect(report.results[1]).toMatchObject({ status: 'published', attempts: 2 });
    expect(report.results[2]).toMatchObject({
      status: 'failed',
      attempts: 1,
      failure: { code: 'InvalidParameter', retryable: false, status: 202, message: 'the topic refused the event' },
    });
  });

  test('a 400 fails the events of its request, not retryable, with the message naming the field; other requests still go', async () => {
    const { requests } = await serve((request, n) =>
      n === 1
        ? { status: 400, body: { error: 'BadRequest', message: '[instance.sequence: does not match the pattern]' } }
        : accepted(request),
    );

    const report = await publisher({ api: { url: api!.url } }).publish(events(12));

    expect(requests).toHaveLength(2);
    expect(report).toMatchObject({ published: 2, failed: 10, unknown: 0, notSent: 0 });
    expect(report.stoppedBy).toBeUndefined();
    expect(report.results[0]).toEqual({
      status: 'failed',
      index: 0,
      id: 'evt-0',
      subject: 'order-0',
      attempts: 1,
      failure: { code: 'BadRequest', message: '400: [instance.sequence: does not match the pattern]', retryable: false, status: 400 },
    });
  });

  test.each([
    [413, 'PayloadTooLarge'],
    [415, 'UnsupportedMediaType'],
  ])('a %i is failed, not retried', async (status, error) => {
    const { requests } = await serve(() => ({ status, body: { error, message: 'no' } }));

    const report = await publisher({ api: { url: api!.url } }).publish(events(1));

    expect(requests).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ status: 'failed', failure: { code: error, retryable: false, status } });
  });

  test('a 429 is retried after its Retry-After, then published', async () => {
    const { requests } = await serve((request, n) =>
      n === 1
        ? { status: 429, headers: { 'retry-after': '2' }, body: { error: 'Throttled', message: 'too many requests', retryAfterSeconds: 1 } }
        : accepted(request),
    );

    const report = await publisher({ api: { url: api!.url } }).publish(events(3));

    expect(requests).toHaveLength(2);
    expect(requests[1].body).toBe(requests[0].body);
    expect(report).toMatchObject({ published: 3, calls: 2 });
    expect(report.results[0]).toMatchObject({ status: 'published', attempts: 2 });
    // the header's wait, longer than the backoff (50 ms at random 0.5)
    expect(sleeps).toEqual([2000]);
  });

  test('a 429 until the attempts run out is failed, retryable: the API did not take the events', async () => {
    const { requests } = await serve(() => ({ status: 429, body: { error: 'Throttled', message: 'too many requests', retryAfterSeconds: 1 } }));

    const report = await publisher({ api: { url: api!.url }, maxAttempts: 3 }).publish(events(2, 1));

    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([1000, 1000]);
    expect(report).toMatchObject({ published: 0, failed: 2, unknown: 0 });
    expect(report.results[1]).toMatchObject({ status: 'failed', attempts: 3, failure: { code: 'Throttled', retryable: true, status: 429 } });
  });

  test('a 503 (the topic failed behind the API) is retried; if it never passes the events are unknown: they may be stored', async () => {
    const { requests } = await serve(() => ({ status: 503, headers: { 'retry-after': '1' }, body: { error: 'ServiceUnavailable', message: 'unavailable' } }));

    const report = await publisher({ api: { url: api!.url }, maxAttempts: 2 }).publish(events(1));

    expect(requests).toHaveLength(2);
    expect(report.results[0]).toMatchObject({ status: 'unknown', attempts: 2, failure: { code: 'ServiceUnavailable', retryable: true, status: 503 } });
  });

  test('a connection dropped after the request was read is unknown, retryable; a retry that gets a 202 publishes', async () => {
    // GIVEN the API reads each request of subject order-0 and resets the connection; the first request of the others too
    const { requests } = await serve((request, n) => (n === 1 || request.events[0].subject === 'order-0' ? 'drop' : accepted(request)));
    const input = [event({ id: 'evt-0', subject: 'order-0' }), event({ id: 'evt-b', subject: 'order-0', sequence: 2 })];

    // WHEN
    const retried = await publisher({ api: { url: api!.url } }).publish([event({ id: 'evt-1', subject: 'order-1' })]);
    const lost = await publisher({ api: { url: api!.url }, maxAttempts: 3 }).publish(input);

    // THEN the first event was published on its retry; the others may have been stored
    expect(retried.results[0]).toMatchObject({ status: 'published', attempts: 2 });
    expect(lost).toMatchObject({ published: 0, unknown: 2, failed: 0, notSent: 0 });
    expect(lost.results[0]).toMatchObject({ status: 'unknown', attempts: 3, failure: { code: 'ECONNRESET', retryable: true } });
    expect(requests.map((r) => r.events.map((e) => e.id))).toEqual([['evt-1'], ['evt-1'], ['evt-0', 'evt-b'], ['evt-0', 'evt-b'], ['evt-0', 'evt-b']]);
  });

  test('a connection refused sent nothing: not-sent, retryable, and the run stops', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));

    const report = await publisher({ api: { url: `http://127.0.0.1:${port}/v1` } }).publish(events(12));

    expect(report).toMatchObject({ published: 0, unknown: 0, notSent: 12, calls: 1 });
    expect(report.results[0]).toMatchObject({ status: 'not-sent', attempts: 1, failure: { code: 'ECONNREFUSED', retryable: true } });
    expect(report.results[11]).toMatchObject({ status: 'not-sent', attempts: 0, failure: { code: 'NotSent' } });
    expect(report.stoppedBy).toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a 403 is failed, not retryable, and stops the run: no later request would pass', async () => {
    const { requests } = await serve(() => ({ status: 403, body: { error: 'INVALID_API_KEY', message: 'Forbidden' } }));

    const report = await publisher({ api: { url: api!.url, apiKey: 'wrong' } }).publish(events(25));

    expect(requests).toHaveLength(1);
    expect(report).toMatchObject({ failed: 10, notSent: 15, stoppedBy: { code: 'INVALID_API_KEY', message: '403: Forbidden', retryable: false, status: 403 } });
    expect((report.results[0] as NotPublishedResult).failure).toEqual({ code: 'INVALID_API_KEY', message: '403: Forbidden', retryable: false, status: 403 });
    expect(report.results[24]).toMatchObject({ status: 'not-sent', failure: { code: 'NotSent', message: 'publishing stopped after INVALID_API_KEY: 403: Forbidden' } });
  });

  test('a 202 without a receipt for an event leaves it unknown', async () => {
    await serve(() => ({ status: 202, body: { receipts: [{ index: 0, messageId: 'm-0' }], failed: [] } }));

    const report = await publisher({ api: { url: api!.url }, maxAttempts: 1 }).publish(events(2));

    expect(report.results[1]).toMatchObject({ status: 'unknown', failure: { code: 'NoReceipt', retryable: true } });
  });

  test('signs each request with SigV4 for execute-api, a signature the API can verify', async () => {
    // GIVEN fixed credentials (temporary ones, with a session token) and a fixed clock
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token-1' };
    const { requests } = await serve();
    const now = () => new Date('2025-03-01T12:34:56.789Z');

    // WHEN
    const report = await publisher({ api: { url: api!.url, apiKey: 'key-acme', sigv4: { region: 'eu-west-1', credentials } }, now }).publish(events(11));

    // THEN
    expect(report.published).toBe(11);
    for (const request of requests) {
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20250301\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9-]+;)*[a-z0-9-]+, Signature=[0-9a-f]{64}$/,
      );
      expect(request.headers['x-amz-date']).toBe('20250301T123456Z');
      expect(request.headers['x-amz-security-token']).toBe('token-1');
      expect(/SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))![1].split(';')).toEqual(
        expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-api-key']),
      );
      await expect(signatureVerifies(request, credentials, 'eu-west-1')).resolves.toBe(true);
    }
    // the check itself refuses another key, region or body
    await expect(signatureVerifies(requests[0], { ...credentials, secretAccessKey: 'other' }, 'eu-west-1')).resolves.toBe(false);
    await expect(signatureVerifies(requests[0], credentials, 'us-east-1')).resolves.toBe(false);
    await expect(signatureVerifies({ ...requests[0], body: requests[1].body }, credentials, 'eu-west-1')).resolves.toBe(false);
  });

  test('takes SigV4 credentials from a provider function, called for each request', async () => {
    const { requests } = await serve();
    let calls = 0;
    const credentials = async () => ({ accessKeyId: `AKID${++calls}`, secretAccessKey: 'secret' });

    await publisher({ api: { url: api!.url, sigv4: { region: 'eu-west-1', credentials } } }).publish(events(20));

    expect(requests.map((r) => /Credential=(\w+)\//.exec(String(r.headers.authorization))?.[1])).toEqual(['AKID1', 'AKID2']);
    await expect(signatureVerifies(requests[1], { accessKeyId: 'AKID2', secretAccessKey: 'secret' }, 'eu-west-1')).resolves.toBe(true);
  });

  test('without credentials to sign with, nothing is sent: not-sent, and the run stops', async () => {
    const { requests } = await serve();
    const credentials = () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    const report = await publisher({ api: { url: api!.url, sigv4: { region: 'eu-west-1', credentials } } }).publish(events(12));

    expect(requests).toHaveLength(0);
    expect(report).toMatchObject({ notSent: 12, stoppedBy: { code: 'CredentialsProviderError' } });
    expect(report.results[0]).toMatchObject({ status: 'not-sent', failure: { code: 'CredentialsProviderError', retryable: true } });
  });

  test('finds the region in an execute-api host name', () => {
    expect(regionOfApiHost('a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionOfApiHost('a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionOfApiHost('events.example.com')).toBeUndefined();
  });

  test('an abort stops at the next request: the request in flight is awaited, the rest is not-sent Interrupted', async () => {
    const controller = new AbortController();
    const { requests } = await serve((request, n) => {
      if (n === 2) controller.abort();
      return accepted(request);
    });

    const report = await publisher({ api: { url: api!.url } }).publish(events(50), { signal: controller.signal });

    expect(requests).toHaveLength(2);
    expect(report).toMatchObject({ published: 20, notSent: 30, interrupted: true });
    expect(report.results[20]).toMatchObject({ status: 'not-sent', failure: { code: 'Interrupted' } });
  });

  test('refuses before sending an event whose subject or id the API could not give the topic as they are', async () => {
    const { requests } = await serve();
    const input = [event({ id: 'evt-1' }), event({ id: 'evt-2', subject: 'order 2' }), event({ id: 'é'.repeat(3), subject: 'order-3' })];

    const report = await publisher({ api: { url: api!.url } }).publish(input);
    const validated = new EventPublisher({ topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders.fifo' }).validate(input);

    expect(requests.map((r) => r.events.map((e) => e.id))).toEqual([['evt-1']]);
    expect(report).toMatchObject({ published: 1, invalid: 2 });
    expect(report.results[1]).toMatchObject({ status: 'invalid', error: { field: 'subject' } });
    expect(report.results[2]).toMatchObject({ status: 'invalid', error: { field: 'id' } });
    expect(String((report.results[1] as { error: Error }).error.message)).toMatch(/^subject: must be 1 to 128 printable ASCII characters without spaces through the Events API/);
    // the SNS publisher hashes them instead
    expect(validated.invalid).toEqual([]);
  });

  test('refuses options that do not fit the Events API, naming each', () => {
    expect(
      () =>
        new EventPublisher({
          topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders.fifo',
          api: { url: 'ftp://example.com/v1', timeoutMs: 0 },
          deduplicationId: (e) => e.id,
        }),
    ).toThrow(
      'EventPublisher: give topicArn or api, not both; deduplicationId does not apply to api: the Events API deduplicates by the event id; ' +
        'api.url must be an http(s) URL (got "ftp://example.com/v1"); api.timeoutMs must be a whole number between 1 and 600000 (got 0)',
    );
    expect(() => new EventPublisher({})).toThrow('topicArn must be an SNS topic ARN (got undefined)');
  });
});
