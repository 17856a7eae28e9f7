/**
 * The proxy that loses the Events API's answers drops exactly what it counts, only after the API
 * answered, and the ledger of accepted events is read from what the API answered 202.
 */
import { type IncomingMessage, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_CONTENT_TYPE, SINGLE_CONTENT_TYPE } from '../../packages/publisher/src';
import { acceptedMessages } from '../../reliability/api-client';
import { type ForwardedRequest, LosingProxy } from '../../reliability/api-proxy';

let upstream: Server;
/** Bodies the stub API received, in order. */
const received: string[] = [];
let proxy: LosingProxy;

beforeAll(async () => {
  // GIVEN a stub API: 202 for POST /v1/events, 400 for a body "bad", 200 for anything else
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push(body);
      const status = req.method === 'POST' && req.url === '/v1/events' ? (body === 'bad' ? 400 : 202) : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await LosingProxy.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, 1);
});

afterAll(async () => {
  await proxy.stop();
  await new Promise((resolve) => upstream.close(resolve));
});

beforeEach(() => proxy.lose(undefined));

function send(method: string, path: string, body = ''): Promise<number | 'reset'> {
  const url = new URL(proxy.origin);
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { 'content-type': SINGLE_CONTENT_TYPE } }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve('reset'));
    req.end(body);
  });
}

test('drops the first answers it is told to, after the API received and answered them, and counts each', async () => {
  // GIVEN
  proxy.lose({ rate: 0, first: 2 });
  const before = { dropped: proxy.dropped, received: received.length, forwarded: proxy.forwarded.length };

  // WHEN three events are posted one after the other
  const answers = [await send('POST', '/v1/events', 'a'), await send('POST', '/v1/events', 'b'), await send('POST', '/v1/events', 'c')];

  // THEN the API got all three; the client heard only the third
  expect(answers).toEqual(['reset', 'reset', 202]);
  expect(received.slice(before.received)).toEqual(['a', 'b', 'c']);
  expect(proxy.dropped - before.dropped).toBe(2);
  expect(proxy.forwarded.slice(before.forwarded).map((r) => [r.body, r.status, r.dropped])).toEqual([
    ['a', 202, true],
    ['b', 202, true],
    ['c', 202, false],
  ]);
});

test('never drops an answer other than a 202 to POST /events, nor more than its limit', async () => {
  // GIVEN every matching answer is to be dropped, two at most
  proxy.lose({ rate: 1, limit: proxy.dropped + 2 });

  // WHEN
  const answers = [
    await send('POST', '/v1/events', 'bad'),
    await send('GET', '/v1/events/x'),
    await send('POST', '/v1/other', 'x'),
    await send('POST', '/v1/events', 'd'),
    await send('POST', '/v1/events', 'e'),
    await send('POST', '/v1/events', 'f'),
  ];

  // THEN
  expect(answers).toEqual([400, 200, 200, 'reset', 'reset', 202]);
});

test('passes every answer on when told to lose none', async () => {
  proxy.lose(undefined);
  expect(await send('POST', '/v1/events', 'g')).toBe(202);
});

test('the accepted events are each event of each POST /events answered 202, a batch\'s failed entries left out', () => {
  const event = (id: string) => ({ specversion: '1.0', id, source: 's', type: 'parcel.in-transit', subject: 'p', sequence: Number(id.slice(1)), time: '2025-01-06T08:00:00.000Z', data: {} });
  const r = (o: Partial<ForwardedRequest>): ForwardedRequest => ({ method: 'POST', path: '/v1/events', contentType: SINGLE_CONTENT_TYPE, body: '', status: 202, answer: '{}', dropped: false, ...o });
  const forwarded = [
    r({ body: JSON.stringify(event('e1')), dropped: true }),
    r({ body: JSON.stringify(event('e1')) }),
    r({ contentType: BATCH_CONTENT_TYPE, body: JSON.stringify([event('e2'), event('e3'), event('e4')]), answer: JSON.stringify({ receipts: [], failed: [{ index: 1, code: 'x' }] }) }),
    r({ body: JSON.stringify(event('e5')), status: 400 }),
    r({ method: 'GET', body: JSON.stringify(event('e6')) }),
  ];
  expect(acceptedMessages(forwarded).map((m) => [m.event?.id, m.label])).toEqual([
    ['e1', 'its 202 lost'],
    ['e1', 'published again after a lost 202'],
    ['e2', 'event'],
    ['e4', 'event'],
  ]);
});
