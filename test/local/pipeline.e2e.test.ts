/**
 * Runs the sample app's pipeline on the emulators, with its real handler bundles: 1,000 events
 * across 50 parcels, 5% duplicate deliveries, some out-of-order sequences and 1% malformed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { synthesize } from '../../local/cloud-assembly';
import { runDemo } from '../../local/demo-run';
import type { FunctionHost } from '../../local/lambda-host';
import { LocalPipeline } from '../../local/pipeline';
import { type Scenario, generateScenario } from '../../local/scenario';
import type { RunSummary } from '../../local/summary';
import type { QueuePlan } from '../../local/template';
import { pipelineTables, scanTable } from '../../reliability/read-outcome';

const PROJECT_DIR = join(__dirname, '..', '..');
// Visibility timeouts of 180 s become 0.36 s, so a message whose write keeps failing would be
// dead-lettered by redrive in about 2 s. Malformed messages are dead-lettered by the functions at once.
const TIME_SCALE = 0.002;

jest.setTimeout(120_000);

describe('the local pipeline, end to end', () => {
  let dir: string;
  let pipeline: LocalPipeline;
  let scenario: Scenario;
  let summary: RunSummary;
  let runMs: number;

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
    const started = Date.now();
    summary = await runDemo(pipeline, scenario, { drainTimeoutMs: 60_000 });
    runMs = Date.now() - started;
  });

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Per message group: SequenceNumbers in delivery order, and deliveries that overlapped. */
  const fifoDeliveries = new Map<string, string[]>();
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
      }
      try {
        return await invoke(event);
      } finally {
        groups.forEach((group) => inFlight.delete(group));
      }
    };
  }

  async function drainDeadLetters(queue: QueuePlan): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await pipeline.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) return bodies;
      bodies.push(...Messages.map((m) => m.Body!));
      await pipeline.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  test('drains within 30 s', () => {
    expect(summary.drained).toBe(true);
    expect(runMs).toBeLessThan(30_000);
  });

  test('FIFO message groups are delivered in order and never concurrently', () => {
    expect(concurrentGroupDeliveries).toBe(0);
    expect(fifoDeliveries.size).toBe(50);
    for (const sequenceNumbers of fifoDeliveries.values()) {
      // A redelivery repeats its SequenceNumber; nothing later in the group comes before it.
      expect(sequenceNumbers).toEqual([...sequenceNumbers].sort());
    }
  });

  test('each valid event appears exactly once in the events table', async () => {
    const items = await scanTable(pipeline, pipelineTables(pipeline).events);
    const ids = items.map((i) => i.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(scenario.events.map((e) => e.id)));
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

  test('every malformed message ends in each dead-letter queue, with the reason logged', async () => {
    const malformed = new Set(scenario.entries.filter((e) => e.kind === 'malformed').map((e) => e.body));
    for (const source of pipeline.sources) {
      const listed = summary.queues.find((q) => q.queue === source.queue.name)!.deadLetterQueue!.listed;
      expect(listed.every((d) => !d.reason.startsWith('no failure was logged'))).toBe(true);
      expect(new Set(await drainDeadLetters(source.deadLetterQueue!))).toEqual(malformed);
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

  test('no record failed: malformed messages did not use up receives or hold back their FIFO group', () => {
    expect(summary.queues.map((q) => [q.queue, q.failedAttempts])).toEqual(pipeline.sources.map((s) => [s.queue.name, 0]));
  });

  test('the summary reports tables, latency and the time scale', () => {
    expect(summary.tables.map((t) => t.items).sort((a, b) => a - b)).toEqual([50, scenario.events.length]);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50!);
    expect(summary.timeScale).toBe(TIME_SCALE);
  });
});
