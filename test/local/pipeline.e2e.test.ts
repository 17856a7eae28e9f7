/**
 * Runs the sample app's pipeline on the emulators, with its real handler bundles: 1,000 events
 * across 50 parcels, 5% duplicate deliveries, some out-of-order sequences and 1% malformed; 30% of
 * the parcels without a malformed event go through the Events API, the rest through SNS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { HANDLED_METRICS, readLogMetrics } from '../../packages/tools/src/cli/emf';
import { INVALID_REQUESTS, apiSubjects } from '../../packages/tools/src/local/api-publisher';
import { synthesize } from '../../packages/tools/src/local/cloud-assembly';
import { runDemo } from '../../packages/tools/src/local/demo-run';
import type { FunctionHost } from '../../packages/tools/src/local/lambda-host';
import { LocalPipeline } from '../../packages/tools/src/local/pipeline';
import { type Scenario, generateScenario } from '../../packages/tools/src/local/scenario';
import type { RunSummary } from '../../packages/tools/src/local/summary';
import type { QueuePlan } from '../../packages/tools/src/local/template';
import { pipelineTables, scanTable } from '../../reliability/read-outcome';

const PROJECT_DIR = join(__dirname, '..', '..');
// Function timeouts of 30 s would become 60 ms; they stay at the 1 s minimum instead, and each
// queue's visibility timeout (180 s) and batching window are scaled by the same 1/30, to about 6 s.
// Malformed messages are dead-lettered by the functions at once.
const TIME_SCALE = 0.002;
const API_SHARE = 0.3;

jest.setTimeout(120_000);

describe('the local pipeline, end to end', () => {
  let dir: string;
  let pipeline: LocalPipeline;
  let scenario: Scenario;
  let summary: RunSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-e2e-'));
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    await synthesize(PROJECT_DIR, join(dir, 'cdk.out'));
    // GIVEN the synthesized app running on the emulators
    pipeline = await LocalPipeline.start({
      projectDir: PROJECT_DIR,
      cdkOut: join(dir, 'cdk.out'),
      synth: false,
      timeScale: TIME_SCALE,
      logDir: join(dir, 'logs'),
    });
    scenario = generateScenario({ events: 1000, subjects: 50, seed: 2024 });
    watchFifoDeliveries(pipeline.sources.find((s) => s.queue.fifo)!.host);
    // WHEN the scenario is published and the queues drain
    summary = await runDemo(pipeline, scenario, { drainTimeoutMs: 60_000, apiShare: API_SHARE });
  });

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Per message group: SequenceNumbers in delivery order, and deliveries that overlapped. */
  const fifoDeliveries = new Map<string, string[]>();
  /** Per message group: the event ids in the order first delivered. */
  const fifoEventOrder = new Map<string, string[]>();
  let concurrentGroupDeliveries = 0;

  function watchFifoDeliveries(host: FunctionHost): void {
    const invoke = host.invoke.bind(host);
    const inFlight = new Set<string>();
    host.invoke = async (event) => {
      const records = (event as SQSEvent).Records;
      // A batch carries several messages of a group, as SQS returns them: a group counts once per batch.
      const groups = new Set(records.map((r) => r.attributes.MessageGroupId!));
      for (const group of groups) {
        if (inFlight.has(group)) concurrentGroupDeliveries++;
        inFlight.add(group);
      }
      for (const r of records) {
        const group = r.attributes.MessageGroupId!;
        fifoDeliveries.set(group, [...(fifoDeliveries.get(group) ?? []), r.attributes.SequenceNumber!]);
        const id = eventIdOf(r.body);
        const order = fifoEventOrder.get(group) ?? [];
        if (id !== undefined && !order.includes(id)) fifoEventOrder.set(group, [...order, id]);
      }
      try {
        return await invoke(event);
      } finally {
        groups.forEach((group) => inFlight.delete(group));
      }
    };
  }

  function eventIdOf(body: string): string | undefined {
    try {
      return (JSON.parse(body) as { id?: string }).id;
    } catch {
      return undefined;
    }
  }

  async function drainDeadLetters(queue: QueuePlan): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await pipeline.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) return messages;
      messages.push(...Messages);
      await pipeline.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  test('SNS delivered every notification: the summary reads the topic\'s delivery failures, and there are none', () => {
    expect(summary.deliveryFailures).toEqual(pipeline.plan.topics.map((t) => ({ topicArn: t.arn, failed: 0, subscriptions: [] })));
  });

  test('drains', () => {
    expect(summary.drained).toBe(true);
  });

  test('runs with the scaled times it prints, which keep visibility >= 6 x function timeout + window', () => {
    for (const q of summary.queues) {
      expect(q.functionTimeoutMs).toBe(1_000);
      expect(q.timeFactor).toBeCloseTo(1 / 30, 10);
      expect(q.visibilityTimeoutMs).toBeGreaterThanOrEqual(6 * q.functionTimeoutMs + q.batchingWindowMs);
    }
  });

  test('the default handlers break no FIFO ordering contract and no invocation outlived its visibility timeout', () => {
    expect(summary.orderingViolations).toEqual([]);
    expect(summary.queues.map((q) => [q.redeliveredInFlight, q.staleDeletes])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  test('FIFO message groups are delivered in order and never concurrently', () => {
    expect(concurrentGroupDeliveries).toBe(0);
    expect(fifoDeliveries.size).toBe(50);
    for (const sequenceNumbers of fifoDeliveries.values()) {
      // A redelivery repeats its SequenceNumber; nothing later in the group comes before it.
      expect(sequenceNumbers).toEqual([...sequenceNumbers].sort());
    }
  });

  test("each subject's events reach the FIFO queue in the order published, through the API as through SNS", () => {
    const viaApi = apiSubjects(scenario.entries, API_SHARE);
    const published = new Map<string, string[]>();
    for (const e of scenario.entries.filter((entry) => entry.kind === 'event')) published.set(e.subject, [...(published.get(e.subject) ?? []), e.id]);
    const delivered = (subject: string) => (fifoEventOrder.get(subject) ?? []).filter((id) => !scenario.malformedIds.includes(id));
    expect(viaApi.size).toBeGreaterThan(0);
    for (const [subject, ids] of published) expect({ subject, ids: delivered(subject) }).toEqual({ subject, ids });
  });

  test('the events table holds every valid event as published, and nothing else', async () => {
    const items = await scanTable(pipeline, pipelineTables(pipeline).events);
    const stored = new Map(items.map((i) => [i.id as string, { subject: i.subject, type: i.type, data: i.data }]));
    const published = new Map(scenario.events.map((e) => [e.id, { subject: e.subject, type: e.type, data: e.data }]));
    expect(stored).toEqual(published);
  });

  test("each subject's state is the in-order fold of its events", async () => {
    const items = await scanTable(pipeline, pipelineTables(pipeline).state);
    expect(items).toHaveLength(scenario.expectedState.size);
    for (const item of items) {
      const expected = scenario.expectedState.get(item.subject as string)!;
      expect({ sequence: Number(item.sequence), eventId: item.eventId, type: item.type, data: item.data }).toEqual({
        sequence: expected.sequence,
        eventId: expected.eventId,
        type: expected.type,
        data: expected.data,
      });
    }
  });

  test('every malformed message ends in each dead-letter queue, carrying failure.reason as a message attribute', async () => {
    const malformed = new Set(scenario.entries.filter((e) => e.kind === 'malformed').map((e) => e.body));
    for (const source of pipeline.sources) {
      // The summary read each reason from the message itself, not from the function's logs.
      const listed = summary.queues.find((q) => q.queue === source.queue.name)!.deadLetterQueue!.listed;
      expect(listed.map((d) => d.reasonSource)).toEqual(listed.map(() => 'message attribute'));
      const messages = await drainDeadLetters(source.deadLetterQueue!);
      expect(new Set(messages.map((m) => m.Body))).toEqual(malformed);
      for (const m of messages) {
        expect(m.MessageAttributes?.['failure.reason']).toEqual({ DataType: 'String', StringValue: expect.stringMatching(/\S/) });
      }
    }
  });

  test('nothing is lost: what reached each queue was stored or dead-lettered', () => {
    const malformed = scenario.malformedIds.length;
    for (const source of pipeline.sources) {
      // The FIFO queue deduplicates the duplicate deliveries; the standard queue receives them all.
      const delivered = source.queue.fifo ? scenario.entries.length - scenario.duplicates : scenario.entries.length;
      const q = summary.queues.find((s) => s.queue === source.queue.name)!;
      // A malformed message is sent to the dead-letter queue by the function, then deleted as processed.
      expect({
        received: q.received,
        processed: q.processed,
        deadLetteredByFunction: q.deadLetteredByFunction,
        deadLettered: q.deadLetterQueue!.messages,
        left: q.remaining,
      }).toEqual({
        received: delivered,
        processed: delivered,
        deadLetteredByFunction: malformed,
        deadLettered: malformed,
        left: 0,
      });
    }
  });

  test("the handlers' metrics (their EMF lines) agree with the tables and the queues", () => {
    // GIVEN what the summary read from the functions' logs, per consumer
    const metrics = summary.metrics!;
    const malformed = scenario.malformedIds.length;
    const of = (fifo: boolean) => {
      const q = summary.queues.find((s) => s.fifo === fifo)!;
      const c = metrics.consumers.find((m) => m.functions.includes(q.function))!;
      return { q, c, totals: c.totals };
    };
    const log = of(false);
    const state = of(true);
    expect(metrics.malformed.count).toBe(0);
    expect(metrics.consumers.map((c) => c.consumer)).toEqual(['EventLog', 'StateProjector']);
    for (const { q, c, totals } of [log, state]) {
      // One metric document per invocation; what the handlers dead-lettered is what their dead-letter queue holds.
      expect({ invocations: c.invocations, deadLettered: totals.EventsDeadLettered, failed: totals.RecordsFailed, replayed: totals.EventsReplayed }).toEqual({
        invocations: q.invocations,
        deadLettered: q.deadLetterQueue!.messages,
        failed: q.failedAttempts,
        replayed: 0,
      });
      // Every message processed got exactly one outcome.
      expect(HANDLED_METRICS.reduce((n, name) => n + (totals[name] ?? 0), 0)).toBe(q.processed);
    }
    // The event log: every valid delivery stored or skipped as a duplicate within its batch; each
    // event stored at least once (the table holds them all), a redelivery in a later batch again.
    const valid = scenario.entries.length - malformed;
    expect(log.totals.EventsStored + log.totals.DuplicatesSkipped).toBe(valid);
    expect(log.totals.EventsStored).toBeGreaterThanOrEqual(scenario.events.length);
    expect(log.totals.EventsStored - scenario.events.length).toBeLessThanOrEqual(scenario.duplicates - log.totals.DuplicatesSkipped);
    expect({ retries: log.totals.BatchWriteRetries, unprocessed: log.totals.UnprocessedItems }).toEqual({ retries: 0, unprocessed: 0 });
    // The state projector: each subject's state written at least once, never more than once per event.
    expect(state.totals.EventsStored).toBeGreaterThanOrEqual(scenario.expectedState.size);
    expect(state.totals.EventsStored).toBeLessThanOrEqual(scenario.events.length);
    expect(state.totals.BatchWriteRetries).toBeUndefined();
  });

  test('the per-second metrics add up to the totals, over the seconds of the run, and the log files say the same', async () => {
    const metrics = summary.metrics!;
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(metrics.seconds).toBeGreaterThanOrEqual(Math.floor(summary.seconds) + 1);
    expect(metrics.seconds).toBeLessThanOrEqual(Math.ceil(summary.seconds) + 1);
    for (const c of metrics.consumers) {
      for (const [name, total] of Object.entries(c.totals)) expect({ name, sum: sum(c.perSecond[name]) }).toEqual({ name, sum: total });
      expect(c.eventsPerSecond).toHaveLength(metrics.seconds);
      expect(sum(c.eventsPerSecond)).toBe(HANDLED_METRICS.reduce((n, name) => n + (c.totals[name] ?? 0), 0));
    }
    // status --local reads the files: once written out, they hold the same documents.
    await pipeline.logs.flush();
    const byName = <T extends { consumer: string }>(list: T[]) => [...list].sort((a, b) => a.consumer.localeCompare(b.consumer));
    const fromFiles = byName(readLogMetrics(join(dir, 'logs')).consumers()).map((c) => ({ consumer: c.consumer, invocations: c.documents, totals: c.totals }));
    expect(fromFiles).toEqual(byName(metrics.consumers).map((c) => ({ consumer: c.consumer, invocations: c.invocations, totals: c.totals })));
  });

  test('no record failed: malformed messages did not use up receives or hold back their FIFO group', () => {
    expect(summary.queues.map((q) => [q.queue, q.failedAttempts])).toEqual(pipeline.sources.map((s) => [s.queue.name, 0]));
  });

  test("the demo's API part: whole subjects through POST /events, in batches and single events, and the invalid requests refused", () => {
    const viaApi = apiSubjects(scenario.entries, API_SHARE);
    const apiEntries = scenario.entries.filter((e) => viaApi.has(e.subject)).length;
    const api = summary.api!;
    expect(api.url).toBe(pipeline.apis[0].stages[0].url);
    expect({ subjects: api.subjects, publishes: api.publishes, failed: api.failed }).toEqual({ subjects: 12, publishes: apiEntries, failed: 0 });
    expect({ viaApi: summary.published.viaApi, viaSns: summary.published.viaSns }).toEqual({
      viaApi: apiEntries,
      viaSns: scenario.entries.length - apiEntries,
    });
    expect(api.requests.single).toBeGreaterThan(0);
    expect(api.requests.batch).toBeGreaterThan(0);
    expect(api.invalid.map((i) => [i.request, i.status])).toEqual(INVALID_REQUESTS.map((r) => [r.request, r.expected]));
    // Every request the API answered: a 202 per publish request, the invalid ones' 400s and 415,
    // and whatever a retried request got before it (429 or 5xx).
    const { '202': accepted, '400': badBody, '415': wrongType, ...others } = api.byStatus;
    expect({ accepted, badBody, wrongType }).toEqual({ accepted: api.requests.single + api.requests.batch, badBody: 2, wrongType: 1 });
    expect(Object.values(others).reduce((a, b) => a + b, 0)).toBe(api.requests.retried);
    expect(api.latencyMs.p99).toBeGreaterThanOrEqual(api.latencyMs.p50!);
  });

  test('events published through the API have their receipt (GET /events/{id}: 200); the invalid requests stored nothing (404)', async () => {
    const viaApi = apiSubjects(scenario.entries, API_SHARE);
    const url = summary.api!.url;
    const status = async (id: string) => (await fetch(`${url}/events/${encodeURIComponent(id)}`)).status;
    // A sample of 100, evenly spread: the stage's burst allows 200 requests at once.
    const all = scenario.events.filter((e) => viaApi.has(e.subject)).map((e) => e.id);
    const ids = Array.from({ length: Math.min(100, all.length) }, (_, i) => all[Math.floor((i * all.length) / Math.min(100, all.length))]);
    expect(ids.length).toBe(100);
    expect(await Promise.all(ids.map(status))).toEqual(ids.map(() => 200));
    const invalidIds = INVALID_REQUESTS.flatMap((r) => {
      const body = JSON.parse(r.body) as { id: string } | { id: string }[];
      return Array.isArray(body) ? body.map((e) => e.id) : [body.id];
    });
    expect(await Promise.all(invalidIds.map(status))).toEqual(invalidIds.map(() => 404));
  });

  test('the summary reports tables, latency and the time scale', () => {
    expect(summary.tables.map((t) => t.items).sort((a, b) => a - b)).toEqual([50, scenario.events.length]);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50!);
    expect(summary.timeScale).toBe(TIME_SCALE);
  });
});
