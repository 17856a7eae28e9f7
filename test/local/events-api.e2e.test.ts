/**
 * The EventsApi end to end through the local run, with the templates as deployed: a stack with
 * `EventPipeline`'s `api` prop (an API key to publish, SigV4 to read, which the local run does
 * not enforce) is synthesized here and served by LocalPipeline. Every route is called over HTTP;
 * what the API sent is read back where it lands: a FIFO queue of the test's own, subscribed to the
 * topic with raw delivery and polled by nobody, holds each message as SNS delivered it, and the
 * events and state tables hold what both consumers made of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EventPipeline, EventsApiAuthorization } from '../../lib';
import { EVENT_RULES } from '../../lib/events-api-model';
import { LocalPipeline } from '../../packages/tools/src/local/pipeline';
import { ROWS } from '../helpers/event-rows';

const PROJECT_DIR = join(__dirname, '..', '..');
const PARTNER = 'partner-e2e';
const BATCH = 'application/cloudevents-batch+json';
jest.setTimeout(180_000);

/** Values that would change the form body or the JSON sent, were they not encoded. */
const HOSTILE_SUBJECT = 'a&TopicArn=arn:aws:sns:us-east-1:111111111111:other';
const HOSTILE_ID = `evt-'q"#set($stageVariables.topicArn="arn:aws:sns:us-east-1:111111111111:other")`;
const HOSTILE_TEXT = 'line\nbreak "quoted" \'single\' #set($x = 1) ${input.body} & Action=DeleteTopic Besançon ✓ 包裹 😀';

let dir: string;
let pipeline: LocalPipeline;
let url: string;
let apiKey: string;
let tapUrl: string;
let tables: { events: string; state: string };
/** Every message the tap queue has held, by MessageDeduplicationId. */
const tapped = new Map<string, Message[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'events-api-e2e-'));
  const app = new App({ outdir: join(dir, 'cdk.out') });
  const stack = new Stack(app, 'EventsApiE2e');
  const pipelineConstruct = new EventPipeline(stack, 'Pipeline', {
    api: {
      publishAuthorization: EventsApiAuthorization.API_KEY,
      readAuthorization: EventsApiAuthorization.IAM,
      partners: [{ name: PARTNER, rateLimit: 1000, burstLimit: 1000 }],
      throttlingRateLimit: 1000,
      throttlingBurstLimit: 1000,
    },
  });
  const tap = new sqs.Queue(stack, 'Tap', { fifo: true });
  pipelineConstruct.topic.addSubscription(new subs.SqsSubscription(tap, { rawMessageDelivery: true }));
  app.synth();
  pipeline = await LocalPipeline.start({ projectDir: PROJECT_DIR, cdkOut: join(dir, 'cdk.out'), synth: false, timeScale: 0.01, logDir: join(dir, 'logs') });
  const [api] = pipeline.apis;
  url = api.stages.find((s) => s.name === 'v1')!.url;
  apiKey = api.apiKeys.find((k) => k.name.endsWith(`-${PARTNER}`))!.value;
  tapUrl = pipeline.plan.queues.find((q) => q.logicalId.startsWith('Tap'))!.url;
  const table = (prefix: string) => pipeline.plan.tables.find((t) => t.logicalId.startsWith(prefix))!.name;
  tables = { events: table('PipelineEventsTable'), state: table('PipelineStateTable') };
});

afterAll(async () => {
  await pipeline?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function post(body: string, contentType = 'application/cloudevents+json', headers: Record<string, string> = { 'x-api-key': apiKey }): Promise<Response> {
  return fetch(`${url}/events`, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });
}

/** An answer's JSON body. */
const json = (res: Response): Promise<any> => res.json();

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: await json(res) };
}

async function drained(): Promise<void> {
  expect(await pipeline.waitForDrain(60_000)).toBe(true);
}

/** Receives (and deletes, so that its FIFO groups move on) everything the tap queue has. */
async function readTap(): Promise<void> {
  for (;;) {
    const { Messages = [] } = await pipeline.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: tapUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 3600,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return;
    for (const m of Messages) {
      const id = m.Attributes!.MessageDeduplicationId!;
      tapped.set(id, [...(tapped.get(id) ?? []), m]);
    }
    await pipeline.clients.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: tapUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
}

/** What the tap queue received for an event id: its body, group, deduplication id and attributes. */
async function delivered(id: string): Promise<unknown[]> {
  await readTap();
  return (tapped.get(id) ?? []).map((m) => ({
    body: m.Body,
    group: m.Attributes?.MessageGroupId,
    deduplicationId: m.Attributes?.MessageDeduplicationId,
    attributes: m.MessageAttributes,
  }));
}

async function item(table: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  const { Item } = await DynamoDBDocumentClient.from(pipeline.clients.dynamodb).send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return Item;
}

const typeAttribute = (type: string) => ({ type: { DataType: 'String', StringValue: type } });

describe('POST /events, one event, with hostile values, and its receipt', () => {
  const event = {
    specversion: '1.0',
    id: HOSTILE_ID,
    source: `src/${HOSTILE_TEXT}`,
    type: `parcel.picked-up&MessageAttributes.entry.2.Name=x ${HOSTILE_TEXT}`,
    subject: HOSTILE_SUBJECT,
    sequence: 7,
    time: '2026-01-01T10:00:00Z',
    data: { note: HOSTILE_TEXT, nested: { list: [1, 2.5, 'é', true, null] } },
  };
  // Sent as the client wrote it, whitespace included: the message must be these bytes.
  const body = JSON.stringify(event, null, 2);
  const path = `/events/${encodeURIComponent(event.id)}`;
  let receipt: { status: number; body: any };

  beforeAll(async () => {
    // GIVEN the event is not stored yet
    expect(await get(path)).toEqual({ status: 404, body: { error: 'NotFound', message: 'no event with this id is stored (yet)' } });
    expect((await get(`/subjects/${encodeURIComponent(event.subject)}`)).status).toBe(404);
    // WHEN it is posted with the partner's key
    const res = await post(body);
    receipt = { status: res.status, body: await json(res) };
    await drained();
  });

  test('is answered 202 with the topic receipt (fauxqs gives no SequenceNumber, listed in the differences)', () => {
    expect(receipt.status).toBe(202);
    expect(Object.keys(receipt.body).sort()).toEqual(['messageId', 'sequenceNumber']);
    expect(receipt.body.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(receipt.body.sequenceNumber).toBe('');
  });

  test('reaches the topic as the body sent, byte for byte, with group = subject, deduplication id = id and only the type attribute', async () => {
    expect(await delivered(event.id)).toEqual([{ body, group: event.subject, deduplicationId: event.id, attributes: typeAttribute(event.type) }]);
  });

  test('is stored by the event log, field by field', async () => {
    const stored = await item(tables.events, { id: event.id });
    expect(stored).toEqual({ ...event, receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), expiresAt: expect.any(Number) });
  });

  test('GET /events/{id} then answers 200 with the stored event, as it was published', async () => {
    expect(await get(path)).toEqual({ status: 200, body: event });
  });

  test('GET /subjects/{subject} answers 200 with the state the projector wrote', async () => {
    const state = await get(`/subjects/${encodeURIComponent(event.subject)}`);
    const stored = await item(tables.state, { subject: event.subject });
    expect(stored).toEqual(expect.objectContaining({ subject: event.subject, sequence: 7, eventId: event.id }));
    expect(state).toEqual({
      status: 200,
      body: {
        subject: event.subject,
        sequence: 7,
        eventId: event.id,
        type: event.type,
        source: event.source,
        time: event.time,
        updatedAt: stored!.updatedAt,
        data: event.data,
      },
    });
  });

  test('as application/json too: the same Publish', async () => {
    const plain = { ...event, id: 'evt-plain-json', sequence: 8 };
    const res = await post(JSON.stringify(plain), 'application/json');
    expect(res.status).toBe(202);
    expect(await delivered(plain.id)).toEqual([{ body: JSON.stringify(plain), group: plain.subject, deduplicationId: plain.id, attributes: typeAttribute(plain.type) }]);
  });
});

describe('POST /events, a batch', () => {
  const events = [0, 1, 2].map((i) => ({
    specversion: '1.0',
    id: `${HOSTILE_ID}-${i}`,
    source: 'src/batch',
    type: `parcel.in-transit ${HOSTILE_TEXT}`,
    subject: `${HOSTILE_SUBJECT}-batch`,
    sequence: String(i + 1),
    data: { i, text: HOSTILE_TEXT },
  }));
  let receipt: { status: number; body: any };

  beforeAll(async () => {
    const res = await post(JSON.stringify(events, null, 2), BATCH);
    receipt = { status: res.status, body: await json(res) };
    await drained();
  });

  test('is answered 202 with a receipt per event, by its index in the request, and no failures', () => {
    expect(receipt.status).toBe(202);
    expect(receipt.body.failed).toEqual([]);
    expect(receipt.body.receipts.map((r: { index: number }) => r.index)).toEqual([0, 1, 2]);
    for (const r of receipt.body.receipts) expect(r).toEqual({ index: r.index, messageId: expect.stringMatching(/^[0-9a-f-]{36}$/), sequenceNumber: '' });
  });

  test('each event reaches the topic re-serialized, with its own group, deduplication id and type', async () => {
    for (const e of events) {
      expect(await delivered(e.id)).toEqual([{ body: JSON.stringify(e), group: e.subject, deduplicationId: e.id, attributes: typeAttribute(e.type) }]);
    }
  });

  test('each is stored, and the subject state is the last of them', async () => {
    for (const e of events) expect(await get(`/events/${encodeURIComponent(e.id)}`)).toEqual({ status: 200, body: { ...e, sequence: Number(e.sequence) } });
    const state = await get(`/subjects/${encodeURIComponent(events[0].subject)}`);
    expect([state.status, state.body.eventId, state.body.sequence]).toEqual([200, events[2].id, 3]);
  });

  test('the same id twice in one batch: two receipts, one message delivered, stored once', async () => {
    const twice = { specversion: '1.0', id: 'evt-twice', source: 's', type: 't', subject: 'parcel-twice', sequence: 1 };
    const res = await post(JSON.stringify([twice, { ...twice, source: 'second' }]), BATCH);
    const answer = await json(res);
    expect([res.status, answer.receipts.map((r: { index: number }) => r.index), answer.failed]).toEqual([202, [0, 1], []]);
    await drained();
    expect((await delivered(twice.id)).map((d: any) => d.body)).toEqual([JSON.stringify(twice)]);
    expect(await get('/events/evt-twice')).toEqual({ status: 200, body: twice });
  });

  test('an entry over the message limit is a failed entry, with its code, and the others are published (fauxqs: see the differences)', async () => {
    const small = { specversion: '1.0', id: 'evt-small', source: 's', type: 't', subject: 'parcel-big', sequence: 1 };
    const big = { ...small, id: 'evt-big', sequence: 2, data: 'x'.repeat(EVENT_RULES.maxMessageBytes) };
    const res = await post(JSON.stringify([small, big]), BATCH);
    const answer = await json(res);
    expect(res.status).toBe(202);
    expect(answer.receipts.map((r: { index: number }) => r.index)).toEqual([0]);
    expect(answer.failed).toEqual([{ index: 1, code: 'InvalidParameter', senderFault: true }]);
    expect(JSON.stringify(answer)).not.toMatch(/arn:|too long/i);
    expect(await delivered('evt-big')).toEqual([]);
  });
});

describe('GET /subjects/{subject}/events', () => {
  const subject = `${HOSTILE_SUBJECT}-list`;
  const events = [1, 2, 3, 4, 5].map((sequence) => ({ specversion: '1.0', id: `evt-list-${sequence}`, source: 's', type: 't', subject, sequence }));
  const list = (query: string) => get(`/subjects/${encodeURIComponent(subject)}/events${query}`);

  beforeAll(async () => {
    // Published out of order: the answer is in sequence order all the same
    const res = await post(JSON.stringify([events[3], events[0], events[4], events[2], events[1]]), BATCH);
    expect(res.status).toBe(202);
    await drained();
  });

  test('pages through the events in sequence order with limit and the next cursor, passed as after', async () => {
    const first = await list('?limit=2');
    expect(first).toEqual({ status: 200, body: { events: events.slice(0, 2), next: '2' } });
    const second = await list(`?limit=2&after=${first.body.next}`);
    expect(second).toEqual({ status: 200, body: { events: events.slice(2, 4), next: '4' } });
    const last = await list(`?limit=2&after=${second.body.next}`);
    expect(last).toEqual({ status: 200, body: { events: events.slice(4) } });
  });

  test('without limit, up to 25: all five, and no next', async () => {
    expect(await list('')).toEqual({ status: 200, body: { events } });
    expect(await list('?after=3')).toEqual({ status: 200, body: { events: events.slice(3) } });
  });

  test('a subject with no events: an empty list', async () => {
    expect(await get('/subjects/nobody/events')).toEqual({ status: 200, body: { events: [] } });
  });

  test.each([['limit=0'], ['limit=101'], ['limit=2.5'], ['after=abc']])('%s is answered 400, naming after and limit', async (query) => {
    expect(await list(`?${query}`)).toEqual({
      status: 400,
      body: { error: 'BadRequest', message: 'after must be a number (a sequence, or the next cursor) and limit a whole number from 1 to 100' },
    });
  });
});

describe('the request model, on the shared table of good and bad events', () => {
  const good = ROWS.filter((r) => r.expected === 'ok');
  const bad = ROWS.filter((r) => r.expected !== 'ok');

  test.each(good.map((r) => [r.name, r]))('%s: accepted, 202', async (_name, row) => {
    const res = await post(JSON.stringify(row.event), 'application/json');
    expect([res.status, Object.keys(await json(res)).sort()]).toEqual([202, ['messageId', 'sequenceNumber']]);
  });

  test.each(bad.map((r) => [r.name, r]))('%s: refused, 400, with the validator\'s message, nothing published', async (_name, row) => {
    const res = await post(JSON.stringify(row.event), 'application/json');
    const answer = await json(res);
    expect([res.status, answer.error]).toEqual([400, 'BadRequest']);
    expect(answer.message).toMatch(/^\[[\s\S]+\]$/);
    // API Gateway's validator names a missing property; for a broken one it names the rule
    // and quotes a string value, without the field's path (see docs/local-run.md).
    const event = row.event as object;
    const missing = typeof event === 'object' && !Array.isArray(event) && !(row.expected in event);
    if (missing) expect(answer.message).toBe(`[object has missing required properties (["${row.expected}"])]`);
    const id = (row.event as { id?: unknown }).id;
    if (typeof id === 'string' && id !== 'evt-1') expect(await delivered(id)).toEqual([]);
  });

  test('a batch with one bad event is refused whole, 400', async () => {
    const ok = { specversion: '1.0', id: 'evt-batch-ok', source: 's', type: 't', subject: 'parcel-model', sequence: 1 };
    const res = await post(JSON.stringify([ok, { ...ok, id: 'evt-batch-bad', sequence: -1 }]), BATCH);
    expect([res.status, (await json(res)).error]).toEqual([400, 'BadRequest']);
    expect([await delivered(ok.id), await delivered('evt-batch-bad')]).toEqual([[], []]);
  });

  test.each([
    ['empty', []],
    ['of 11 events', Array.from({ length: 11 }, (_, i) => ({ specversion: '1.0', id: `evt-11-${i}`, source: 's', type: 't', subject: 'parcel-11', sequence: i }))],
  ])('a batch %s is refused, 400', async (_name, batch) => {
    const res = await post(JSON.stringify(batch), BATCH);
    expect([res.status, (await json(res)).error]).toEqual([400, 'BadRequest']);
  });

  test('a refused value with a newline is quoted in a JSON answer', async () => {
    const id = 'evt-line\nbreak';
    const res = await post(JSON.stringify({ specversion: '1.0', id, source: 's', type: 't', subject: 'parcel-model', sequence: 1 }), 'application/json');
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({ error: 'BadRequest', message: `[ECMA 262 regex "^[!-~]{1,128}$" does not match input string "${id}"]` });
  });

  test('a body that is not JSON is refused, 400', async () => {
    const res = await post('{"id": ', 'application/json');
    expect([res.status, (await json(res)).error]).toEqual([400, 'BadRequest']);
  });
});

describe('refusals before anything is published', () => {
  const event = { specversion: '1.0', id: 'evt-refused', source: 's', type: 't', subject: 'parcel-refused', sequence: 1 };

  test('a content type with no template: 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await post(JSON.stringify(event), type);
      expect([type, res.status, (await json(res)).error]).toEqual([type, 415, 'UnsupportedMediaType']);
    }
  });

  test('an event over the topic limit of 256 KiB: 413, without what SNS said', async () => {
    const big = { ...event, id: 'evt-too-big', data: 'x'.repeat(EVENT_RULES.maxMessageBytes) };
    const res = await post(JSON.stringify(big));
    const answer = await json(res);
    expect([res.status, answer]).toEqual([413, { error: 'PayloadTooLarge', message: "an event, or a batch, is over the topic's 256 KiB message limit" }]);
    expect(await delivered(big.id)).toEqual([]);
  });

  test('an event of exactly 256 KiB is published', async () => {
    const base = JSON.stringify({ ...event, id: 'evt-256k', data: '' });
    const exact = { ...event, id: 'evt-256k', data: 'x'.repeat(EVENT_RULES.maxMessageBytes - Buffer.byteLength(base)) };
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(EVENT_RULES.maxMessageBytes);
    expect((await post(JSON.stringify(exact))).status).toBe(202);
  });

  test('no API key, or a wrong one: 403', async () => {
    for (const headers of [{} as Record<string, string>, { 'x-api-key': 'not-a-key' }, { 'x-api-key': apiKey.toLowerCase() }]) {
      const res = await post(JSON.stringify(event), 'application/cloudevents+json', headers);
      expect([res.status, await json(res)]).toEqual([403, { error: 'INVALID_API_KEY', message: 'Forbidden' }]);
    }
    expect(await delivered(event.id)).toEqual([]);
  });
});

test('GET routes with a hostile key ask for exactly that key: nothing is found, nothing breaks', async () => {
  for (const value of [HOSTILE_TEXT, '"}}, "TableName": "other', '%26Action%3DDeleteTopic']) {
    expect((await get(`/events/${encodeURIComponent(value)}`)).status).toBe(404);
    expect((await get(`/subjects/${encodeURIComponent(value)}`)).status).toBe(404);
    expect(await get(`/subjects/${encodeURIComponent(value)}/events`)).toEqual({ status: 200, body: { events: [] } });
  }
});
