/**
 * Throughput benchmark of the local pipeline: publishes a scenario, waits for the queues to drain
 * and reports events/s, latency and where the time went (busy time of each thread).
 *
 *   npx tsx bench/local-bench.ts [--events 10000] [--subjects 100] [--malformed 0] [--time-scale 0.01]
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runDemo } from '../packages/tools/src/local/demo-run';
import { LocalPipeline } from '../packages/tools/src/local/pipeline';
import { generateScenario } from '../packages/tools/src/local/scenario';
import type { RunSummary } from '../packages/tools/src/local/summary';
import { threadCpuMs } from '../packages/tools/src/local/thread-cpu';

export interface BenchOptions {
  readonly events?: number;
  readonly subjects?: number;
  /** Share of malformed events; their retries add a tail of maxReceiveCount x visibility timeout. */
  readonly malformedRate?: number;
  readonly timeScale?: number;
  readonly concurrency?: number;
  readonly projectDir?: string;
  readonly cdkOut?: string;
  readonly synth?: boolean;
}

export interface BenchReport {
  readonly events: number;
  readonly subjects: number;
  readonly eventsPerSecond: number;
  readonly publishPerSecond: number;
  readonly seconds: number;
  readonly latencyMs: RunSummary['latencyMs'];
  readonly perFunction: { name: string; p50?: number; p99?: number; invocations: number; meanBatch: number; handlerMs: number }[];
  /** Time of each thread as a share of the run's wall time (1 = one core all the time). */
  readonly busy: Record<string, number>;
  /** What `busy` measures: CPU time (Linux) or event loop busy time. */
  readonly measure: string;
  /** CPU time of the whole process as cores used. */
  readonly cpuCores: number;
  /** The machine's 1-minute load average when the run started: other work competes for the cores. */
  readonly loadAverage: number;
  readonly summary: RunSummary;
}

export async function runBenchmark(options: BenchOptions = {}): Promise<BenchReport> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const events = options.events ?? 10_000;
  const subjects = options.subjects ?? 100;
  const scenario = generateScenario({ events, subjects, seed: 7, malformedRate: options.malformedRate ?? 0 });
  const pipeline = await LocalPipeline.start({
    projectDir: options.projectDir ?? resolve(__dirname, '..'),
    cdkOut: options.cdkOut,
    synth: options.synth,
    timeScale: options.timeScale ?? 0.01,
    concurrency: options.concurrency,
  });
  try {
    const loadAverage = loadavg()[0];
    const before = snapshot(pipeline);
    const started = Date.now();
    const summary = await runDemo(pipeline, scenario, { drainTimeoutMs: 600_000 });
    const wall = Date.now() - started;
    const after = snapshot(pipeline);
    const busy: Record<string, number> = {};
    for (const key of Object.keys(after.threads)) busy[key] = (after.threads[key] - (before.threads[key] ?? 0)) / wall;
    busy['other threads (V8 garbage collector and compiler, libuv)'] = Math.max(0, (after.cpu - before.cpu) / wall - Object.values(busy).reduce((a, b) => a + b, 0));
    return {
      events,
      subjects,
      eventsPerSecond: summary.eventsPerSecond,
      publishPerSecond: summary.published.publishes / summary.published.seconds,
      seconds: summary.processedSeconds,
      latencyMs: summary.latencyMs,
      perFunction: pipeline.sources.map((s, i) => ({
        name: s.fn.logicalId,
        p50: summary.queues[i].latencyMs.p50,
        p99: summary.queues[i].latencyMs.p99,
        invocations: s.host.stats.invocations,
        meanBatch: summary.queues[i].meanBatchSize,
        handlerMs: s.host.stats.busyMs,
      })),
      busy,
      cpuCores: (after.cpu - before.cpu) / wall,
      loadAverage,
      measure: after.measure,
      summary,
    };
  } finally {
    await pipeline.stop();
  }
}

/** Per-thread CPU time from /proc where available, else busy (non-idle) time of the event loop. */
function snapshot(pipeline: LocalPipeline): { threads: Record<string, number>; cpu: number; measure: string } {
  const cpu = pipeline.emulators.cpuMs();
  const main = threadCpuMs(process.pid);
  const hosts = pipeline.sources.map((s) => s.host.cpuMs());
  const exact = main !== undefined && cpu.fauxqs !== undefined && cpu.dynalite !== undefined && hosts.every((h) => h !== undefined);
  const active = pipeline.emulators.activeMs();
  const threads: Record<string, number> = {
    'main (publisher, pollers)': exact ? main! : performance.eventLoopUtilization().active,
    fauxqs: exact ? cpu.fauxqs! : active.fauxqs,
    dynalite: exact ? cpu.dynalite! : active.dynalite,
  };
  pipeline.sources.forEach((s, i) => {
    threads[`${s.fn.logicalId} (${s.host.stats.coldStarts} environments)`] = exact ? hosts[i]! : s.host.activeMs();
  });
  const usage = process.cpuUsage();
  return { threads, cpu: (usage.user + usage.system) / 1000, measure: exact ? 'CPU time' : 'event loop busy time' };
}

/** CPU milliseconds the whole process spent per event. */
export function cpuMsPerEvent(r: BenchReport): number {
  return (r.cpuCores * r.seconds * 1000) / r.events;
}

export function formatBench(r: BenchReport): string {
  const ms = (v?: number) => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);
  return [
    `${r.events} events over ${r.subjects} subjects: ${Math.round(r.eventsPerSecond)} events/s end to end` +
      ` (${r.seconds.toFixed(2)} s), publishing ${Math.round(r.publishPerSecond)} msgs/s`,
    `latency publish -> handler success: p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}`,
    ...r.perFunction.map(
      (f) =>
        `  ${f.name}: p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, ${f.invocations} invocations of ${f.meanBatch.toFixed(1)} records,` +
        ` ${Math.round(f.handlerMs / Math.max(1, f.invocations))} ms each`,
    ),
    `machine: ${cpus().length} cores, load average ${r.loadAverage.toFixed(2)} at the start`,
    `where the time goes (${r.measure} per thread as a share of wall time; the process used ${r.cpuCores.toFixed(2)} cores,` +
      ` ${cpuMsPerEvent(r).toFixed(2)} ms of CPU per event):`,
    ...Object.entries(r.busy).map(([k, v]) => `  ${k.padEnd(56)} ${(v * 100).toFixed(0).padStart(4)}%`),
  ].join('\n');
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runBenchmark({
    events: arg('events'),
    subjects: arg('subjects'),
    malformedRate: arg('malformed'),
    timeScale: arg('time-scale'),
    concurrency: arg('concurrency'),
    synth: process.argv.includes('--no-synth') ? false : undefined,
  }).then(
    (r) => process.stdout.write(`${formatBench(r)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
