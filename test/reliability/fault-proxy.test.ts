/**
 * The fault proxy in front of a stand-in DynamoDB: each fault reaches the AWS SDK as the error
 * DynamoDB would send (and the handlers retry it), and the write log knows which writes landed.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isRetryableError } from '../../lambda/shared/backoff';
import { CRASH_HEADER, FaultProxy, type FaultRule } from '../../reliability/fault-proxy';

interface Received {
  readonly target: string;
  readonly body: Record<string, any>;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let upstream: Server;
let received: Received[];
let proxy: FaultProxy;
let documents: DynamoDBDocumentClient;
let lastHeaders: Record<string, string>;

beforeAll(async () => {
  // GIVEN a stand-in DynamoDB that accepts every write, except a stale state write for subject "old"
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']).split('.').pop()!;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      received.push({ target, body });
      const stale = target === 'PutItem' && body.Item.subject.S === 'old';
      res.writeHead(stale ? 400 : 200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify(
          stale
            ? { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' }
            : target === 'BatchWriteItem'
              ? { UnprocessedItems: {} }
              : {},
        ),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await FaultProxy.start({ target, seed: 42 });
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      lastHeaders = (out.response as { headers: Record<string, string> }).headers;
      return out;
    },
    { step: 'deserialize', name: 'captureHeaders' },
  );
  documents = DynamoDBDocumentClient.from(client);
});

beforeEach(() => {
  received = [];
  proxy.setRules([]);
});

afterAll(async () => {
  documents.destroy();
  await proxy.stop();
  await new Promise((resolve) => upstream.close(resolve));
});

const items = (n: number, subject = 's') => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, subject, sequence: i }));
const batchWrite = (list: Record<string, unknown>[]) =>
  documents.send(new BatchWriteCommand({ RequestItems: { events: list.map((Item) => ({ PutRequest: { Item } })) } }));
const put = (subject: string, sequence: number, eventId: string) =>
  documents.send(new PutCommand({ TableName: 'state', Item: { subject, sequence, eventId } }));
const always = (rule: Omit<FaultRule, 'rate'>): FaultRule[] => [{ ...rule, rate: 1 }];

test('without rules, writes pass through and the log records what landed', async () => {
  const putsBefore = proxy.writes.applications.length;
  await batchWrite(items(3));
  await put('s', 7, 'e7');
  await expect(put('old', 1, 'e1')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  expect(received.map((r) => r.target)).toEqual(['BatchWriteItem', 'PutItem', 'PutItem']);
  expect(proxy.writes.batchPuts.get('e1')).toEqual({ subject: 's', count: 1 });
  expect(proxy.writes.applications.slice(putsBefore)).toEqual([expect.objectContaining({ subject: 's', sequence: 7, eventId: 'e7' })]);
  expect(proxy.writes.stale.get('old')).toBe(1);
});

test.each([
  ['throughput', 'ProvisionedThroughputExceededException', 400],
  ['throttling', 'ThrottlingException', 400],
  ['server-error', 'InternalServerError', 500],
] as const)('%s reaches the SDK as %s, which the handlers retry', async (kind, name, status) => {
  proxy.setRules(always({ kind }));
  const error = await put('s', 1, 'e1').catch((e: unknown) => e);
  expect(error).toMatchObject({ name, $metadata: { httpStatusCode: status } });
  expect(isRetryableError(error)).toBe(true);
  expect(received).toEqual([]);
});

test('unprocessed forwards some items and returns the rest as UnprocessedItems', async () => {
  proxy.setRules(always({ kind: 'unprocessed' }));
  const out = await batchWrite(items(10, 'u'));
  const unprocessed = out.UnprocessedItems!.events.map((r) => r.PutRequest!.Item!.id as string);
  const forwarded = received[0].body.RequestItems.events.map((r: any) => r.PutRequest.Item.id.S as string);
  expect(unprocessed.length).toBeGreaterThan(0);
  expect([...unprocessed, ...forwarded].sort()).toEqual(items(10).map((i) => i.id).sort());
  expect(forwarded.every((id: string) => proxy.writes.batchPuts.has(id))).toBe(true);
});

test('unprocessed with a single item: DynamoDB processed nothing, and nothing reaches it', async () => {
  proxy.setRules(always({ kind: 'unprocessed' }));
  const out = await batchWrite(items(1, 'single'));
  expect(out.UnprocessedItems!.events.map((r) => r.PutRequest!.Item!.id)).toEqual(['e0']);
  expect(received).toEqual([]);
});

test('a lost response: the write lands, the caller gets a 500', async () => {
  proxy.setRules(always({ kind: 'lost-response' }));
  await expect(put('lost', 3, 'e3')).rejects.toMatchObject({ name: 'InternalServerError' });
  expect(received).toHaveLength(1);
  expect(proxy.writes.applications.at(-1)).toMatchObject({ subject: 'lost', eventId: 'e3' });
});

test.each([
  ['crash-exit', 'exit'],
  ['crash-throw', 'throw'],
] as const)('%s lets the write land and asks the environment to %s', async (kind, value) => {
  proxy.setRules(always({ kind }));
  await put('s', 1, 'e1');
  expect(received).toHaveLength(1);
  expect(lastHeaders[CRASH_HEADER]).toBe(value);
});

test('slow delays the answer', async () => {
  proxy.setRules(always({ kind: 'slow', delayMs: 100 }));
  const started = Date.now();
  await put('s', 1, 'e1');
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
});

test('rules can be limited to some operations and subjects, and to a number of injections', async () => {
  proxy.setRules([{ kind: 'throttling', rate: 1, operations: ['PutItem'], subject: (s) => s === 'only', limit: proxy.injected.get('throttling')! + 1 }]);
  await batchWrite(items(2, 'only'));
  await put('other', 1, 'e1');
  await expect(put('only', 1, 'e1')).rejects.toMatchObject({ name: 'ThrottlingException' });
  await put('only', 2, 'e2');
  expect(received.map((r) => r.target)).toEqual(['BatchWriteItem', 'PutItem', 'PutItem']);
});

test('swallow answers success without storing anything', async () => {
  proxy.setRules(always({ kind: 'swallow', operations: ['BatchWriteItem'] }));
  const out = await batchWrite(items(2, 'gone'));
  expect(out.UnprocessedItems).toEqual({});
  expect(received).toEqual([]);
  expect(proxy.swallowed).toEqual(new Set(['e0', 'e1']));
});

test('the schedule is the same for the same seed', async () => {
  const decisions = async () => {
    const p = await FaultProxy.start({ target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, seed: 7 });
    p.setRules([{ kind: 'server-error', rate: 0.5 }]);
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: p.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, maxAttempts: 1 }),
    );
    const out: boolean[] = [];
    for (let i = 0; i < 20; i++) out.push(await client.send(new PutCommand({ TableName: 't', Item: { subject: 's', sequence: i } })).then(() => true, () => false));
    client.destroy();
    await p.stop();
    return out;
  };
  const first = await decisions();
  expect(first).toContain(true);
  expect(first).toContain(false);
  expect(await decisions()).toEqual(first);
});

test('while DynamoDB is down, the caller sees a reset connection, which the handlers retry', async () => {
  const p = await FaultProxy.start({ target: 'http://127.0.0.1:9', seed: 1 });
  const client = new DynamoDBClient({ endpoint: p.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, maxAttempts: 1 });
  try {
    const error = await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: 't', Item: { subject: 's' } })).catch((e: unknown) => e);
    expect(String(error)).toMatch(/TimeoutError: socket hang up/);
    expect(p.upstreamErrors).toBe(1);
    // Outside jest's sandbox the SDK throws Node's error itself: a TimeoutError with code ECONNRESET.
    expect(isRetryableError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }))).toBe(true);
  } finally {
    client.destroy();
    await p.stop();
  }
});
