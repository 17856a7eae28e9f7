/**
 * `npm run bench:latency [-- --quick]`: the events/s of one event-log execution and of one
 * state-projector execution against DynamoDB latency, the numbers behind docs/scaling.md.
 *
 * Each handler bundle runs as one warm Lambda execution environment does (bench/handler-run.ts:
 * batches one after the other, the default batch sizes), against dynalite behind the reliability
 * suite's fault proxy, which delays every DynamoDB request by the latency (on average; uniformly
 * between half and one and a half times it). Each pair of handler and latency runs in a process of
 * its own; the processes take turns run by run, so that load on the machine falls on all of them.
 * The first run of each is a warm-up, not counted; events/s is the median of the runs, with their
 * minimum and maximum.
 *
 * Full: latencies 0, 5, 10 and 20 ms, 5 runs of 2,000 events. Quick: the same latencies, 3 runs of
 * 1,000 events. Prints a Markdown table; nothing is written.
 */
import { projectBundle } from './bundles';
import type { HandlerRunResult, HandlerRunSpec, SliceResult } from './handler-run';
import { RunProcess } from './handlers';
import { spread } from './stats';

export interface LatencyPlan {
  readonly latenciesMs: readonly number[];
  /** Counted runs of each handler at each latency (one more runs first, as a warm-up). */
  readonly runs: number;
  readonly eventsPerRun: number;
  readonly subjects: number;
}

export const FULL_PLAN: LatencyPlan = { latenciesMs: [0, 5, 10, 20], runs: 5, eventsPerRun: 2_000, subjects: 100 };
export const QUICK_PLAN: LatencyPlan = { latenciesMs: [0, 5, 10, 20], runs: 3, eventsPerRun: 1_000, subjects: 100 };

type Consumer = 'event log' | 'state projector';

export interface LatencyFigures {
  readonly consumer: Consumer;
  readonly batchSize: number;
  readonly latencyMs: number;
  /** Events/s of each counted run. */
  readonly runs: number[];
  readonly eventsPerSecond: { readonly min: number; readonly median: number; readonly max: number };
  /** DynamoDB write requests per invocation (every run), and the time of one invocation (the median of the counted runs). */
  readonly writeRequestsPerInvocation: number;
  readonly msPerInvocation: number;
  readonly verified: boolean;
  readonly verifyDetail: string;
}

const CONSUMERS: { consumer: Consumer; spec: Pick<HandlerRunSpec, 'table' | 'batchSize' | 'shape'>; bundle: 'event-log' | 'state-projector' }[] = [
  { consumer: 'event log', spec: { table: 'events', batchSize: 100, shape: 'publish-order' }, bundle: 'event-log' },
  { consumer: 'state projector', spec: { table: 'state', batchSize: 10, shape: 'publish-order' }, bundle: 'state-projector' },
];

export async function latencyThroughput(plan: LatencyPlan, progress: (line: string) => void = () => undefined): Promise<LatencyFigures[]> {
  const cells = CONSUMERS.flatMap((c) => plan.latenciesMs.map((latencyMs) => ({ ...c, latencyMs })));
  const slices = plan.runs + 1;
  const runs = cells.map(
    (cell) =>
      new RunProcess(
        {
          bundle: projectBundle(cell.bundle).file,
          ...cell.spec,
          events: plan.eventsPerRun * slices,
          subjects: plan.subjects,
          latencyMs: cell.latencyMs,
        },
        slices,
      ),
  );
  try {
    await Promise.all(runs.map((r) => r.ready));
    const results: SliceResult[][] = cells.map(() => []);
    for (let k = 0; k < slices; k++) {
      progress(k === 0 ? 'warm-up run' : `run ${k}/${plan.runs}`);
      for (const [i, run] of runs.entries()) results[i].push((await run.request({ slice: k })).slice!);
    }
    const finished: HandlerRunResult[] = await Promise.all(runs.map(async (r) => (await r.request({ finish: true })).result!));
    return cells.map((cell, i) => {
      const counted = results[i].slice(1);
      const rates = counted.map((s) => s.records / (s.wallMs / 1000));
      const invocationMs = counted.map((s) => s.wallMs / Math.ceil(s.records / cell.spec.batchSize));
      const done = finished[i];
      const writes = ['BatchWriteItem', 'PutItem', 'UpdateItem'].reduce((n, a) => n + (done.requests[a] ?? 0), 0);
      return {
        consumer: cell.consumer,
        batchSize: cell.spec.batchSize,
        latencyMs: cell.latencyMs,
        runs: rates,
        eventsPerSecond: spread(rates),
        writeRequestsPerInvocation: writes / done.invocations,
        msPerInvocation: spread(invocationMs).median,
        verified: done.verified,
        verifyDetail: done.verifyDetail,
      };
    });
  } finally {
    runs.forEach((r) => r.kill());
  }
}

const whole = (n: number) => Math.round(n).toLocaleString('en-US');

/** The figures as a Markdown table, one row per handler and latency. */
export function latencyTable(figures: readonly LatencyFigures[]): string {
  const lines = [
    '| execution | DynamoDB latency per request | events/s, median | min | max | write requests per invocation | ms per invocation, median |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const f of figures) {
    lines.push(
      `| ${f.consumer} (batch ${f.batchSize}) | ${f.latencyMs} ms | ${whole(f.eventsPerSecond.median)} | ${whole(f.eventsPerSecond.min)} | ` +
        `${whole(f.eventsPerSecond.max)} | ${f.writeRequestsPerInvocation.toFixed(1)} | ${f.msPerInvocation.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plan = quick ? QUICK_PLAN : FULL_PLAN;
  const started = Date.now();
  process.stderr.write(
    `${quick ? 'quick' : 'full'}: latencies ${plan.latenciesMs.join(', ')} ms, ${plan.runs} runs of ${plan.eventsPerRun.toLocaleString('en-US')} events (and a warm-up)\n`,
  );
  const figures = await latencyThroughput(plan, (line) => process.stderr.write(`  ${line}\n`));
  console.log(latencyTable(figures));
  console.log(`\n${plan.runs} runs of ${plan.eventsPerRun.toLocaleString('en-US')} events each, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const wrong = figures.filter((f) => !f.verified);
  for (const f of wrong) console.error(`${f.consumer} at ${f.latencyMs} ms: not verified (${f.verifyDetail})`);
  if (wrong.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
