/**
 * The local run behaves as Lambda and SQS do with handlers that break their contracts, and does
 * not help them: an invocation slower than the visibility timeout sees its messages delivered
 * again, and a FIFO response with a success after a failure in its group is applied as it is and
 * reported as an ordering violation. Both stacks are a user's own, synthesized here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { EventPipeline } from '../../lib';
import { main } from '../../packages/tools/src/local/cli';
import { runDemo } from '../../packages/tools/src/local/demo-run';
import { LocalPipeline } from '../../packages/tools/src/local/pipeline';
import { generateScenario } from '../../packages/tools/src/local/scenario';
import type { RunSummary } from '../../packages/tools/src/local/summary';
import { drainDeadLetters, pipelineTables, scanTable } from '../../reliability/read-outcome';

const PROJECT_DIR = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, 'fixtures');

jest.setTimeout(120_000);

function synth(outdir: string, build: (stack: Stack) => void): void {
  const app = new App({ outdir });
  build(new Stack(app, 'Contracts'));
  app.synth();
}

describe('an invocation that outlives its visibility timeout', () => {
  let dir: string;
  let pipeline: LocalPipeline;
  let summary: RunSummary;
  const scenario = generateScenario({ events: 200, subjects: 10, seed: 7 });
  const slow = scenario.events[0];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contracts-visibility-'));
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    // GIVEN the default handlers with a 60 s timeout behind queues whose visibility timeout is set,
    // past the construct's checks, to 20 s; at time scale 0.1 they are 6 s and 2 s. The first
    // delivery of one event takes 3 s before the handler runs.
    const consumer = { timeout: Duration.seconds(60), environment: { SLOW_EVENT_ID: slow.id, SLOW_MS: '3000' } };
    synth(join(dir, 'cdk.out'), (stack) => {
      const p = new EventPipeline(stack, 'Pipeline', { eventLog: consumer, stateProjector: consumer });
      for (const c of [p.eventLog, p.stateProjector]) (c.queue.node.defaultChild as sqs.CfnQueue).visibilityTimeout = 20;
    });
    pipeline = await LocalPipeline.start({
      projectDir: PROJECT_DIR,
      cdkOut: join(dir, 'cdk.out'),
      synth: false,
      timeScale: 0.1,
      logDir: join(dir, 'logs'),
      functionPreload: [join(FIXTURES, 'slow-first-delivery.cjs')],
    });
    // WHEN the scenario is published and the queues drain
    summary = await runDemo(pipeline, scenario, { drainTimeoutMs: 60_000 });
  });

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is delivered again on both kinds of queue, while the first invocation still runs', () => {
    // THEN
    expect(summary.queues.map((q) => ({ fifo: q.fifo, visibility: q.visibilityTimeoutMs, timeout: q.functionTimeoutMs }))).toEqual([
      { fifo: false, visibility: 2_000, timeout: 6_000 },
      { fifo: true, visibility: 2_000, timeout: 6_000 },
    ]);
    for (const q of summary.queues) {
      expect(q.redeliveredInFlight).toBeGreaterThanOrEqual(1);
      // The slow invocation's delete comes after the second receive: its receipt handle is outdated.
      expect(q.staleDeletes).toBeGreaterThanOrEqual(1);
    }
  });

  test('and the pipeline still ends correct: drained, every event stored once, every state the fold of its events', async () => {
    expect(summary.drained).toBe(true);
    expect(summary.queues.map((q) => q.remaining)).toEqual([0, 0]);
    // Each malformed message is dead-lettered by every invocation that gets it: one delivered
    // twice leaves two copies of the same source message, as it would on AWS.
    const malformed = new Set(scenario.entries.filter((e) => e.kind === 'malformed').map((e) => e.body));
    const letters = await drainDeadLetters(pipeline);
    for (const consumer of ['event-log', 'state-projector'] as const) {
      const mine = letters.filter((l) => l.consumer === consumer);
      expect(new Set(mine.map((l) => l.body))).toEqual(malformed);
      expect(new Set(mine.map((l) => l.sourceMessageId)).size).toBe(malformed.size);
    }
    const events = await scanTable(pipeline, pipelineTables(pipeline).events);
    expect(new Map(events.map((i) => [i.id, i.type]))).toEqual(new Map(scenario.events.map((e) => [e.id, e.type])));
    const states = await scanTable(pipeline, pipelineTables(pipeline).state);
    expect(new Map(states.map((i) => [i.subject, [Number(i.sequence), i.eventId]]))).toEqual(
      new Map([...scenario.expectedState].map(([subject, s]) => [subject, [s.sequence, s.eventId]])),
    );
    expect(summary.orderingViolations).toEqual([]);
  });
});

describe('a FIFO handler that reports a success after a failure in the same message group', () => {
  let dir: string;
  let code: number;
  let stdout: string;
  let json: RunSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contracts-fifo-'));
    // GIVEN the user's own state projector (test/local/fixtures/wrong-fifo-handler), which does
    synth(join(dir, 'cdk.out'), (stack) => {
      new EventPipeline(stack, 'Pipeline', { stateProjector: { code: lambda.Code.fromAsset(join(FIXTURES, 'wrong-fifo-handler')) } });
    });
    // WHEN the local run runs it, as `npm start -- --cdk-out DIR --no-synth` would
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (chunks.push(String(chunk)), true));
    try {
      code = await main([
        '--cdk-out', join(dir, 'cdk.out'), '--no-synth', '--quiet', '--time-scale', '0.01',
        '--events', '200', '--subjects', '4', '--json', join(dir, 'summary.json'), '--log-dir', join(dir, 'logs'),
      ]);
    } finally {
      write.mockRestore();
    }
    stdout = chunks.join('');
    json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is reported as an ordering violation, naming the function, the group and the ids', () => {
    // THEN
    expect(json.orderingViolations.length).toBeGreaterThan(0);
    const projector = json.queues.find((q) => q.fifo)!.function;
    for (const v of json.orderingViolations) {
      expect(v).toMatchObject({ function: projector, group: expect.stringMatching(/^parcel-/) });
      expect(v.failed.length).toBeGreaterThan(0);
      expect(v.succeededAfter.length).toBeGreaterThan(0);
      for (const m of [...v.failed, ...v.succeededAfter]) expect(m.messageId).toEqual(expect.any(String));
    }
    const first = json.orderingViolations[0];
    expect(stdout).toContain('ORDERING VIOLATIONS');
    expect(stdout).toContain(`${projector}, group ${first.group}: failed ${first.failed[0].messageId}`);
  });

  test('is not corrected: the later messages were deleted as the response said', () => {
    // The handler fails only the first message of a group with later ones in its batch, so every
    // failure it reports comes with a violation. Had the run failed the later messages on the
    // handler's behalf, there would be more failed attempts than listed failures.
    const q = json.queues.find((s) => s.fifo)!;
    const listedFailures = json.orderingViolations.reduce((n, v) => n + v.failed.length, 0);
    expect(q.failedAttempts).toBe(listedFailures);
    expect(q.remaining).toBe(0);
  });

  test('makes the run exit non-zero', () => {
    expect(json.drained).toBe(true);
    expect(code).toBe(1);
  });
});
