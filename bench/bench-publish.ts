/**
 * Benchmark: publish N events through the CLI (`publish FILE --local`) to a
 * local run, and report events/s and the SNS calls made.
 *
 *   npx tsx bench/bench-publish.ts [--events 10000] [--subjects 1000] [--concurrency 4] [--no-consumers] [--json]
 *
 * `benchPublish()` is what the project's bench calls. Not part of the
 * published CLI: it starts the local run (local/) and synthesizes the sample
 * stack in-process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { EventPipelineStack } from '../lib';
import { main } from '../packages/tools/src/cli/index';
import type { CliIO, Output } from '../packages/tools/src/cli/io';
import type { PublishSummary } from '../packages/tools/src/cli/publish';
import { exportedVariables } from '../packages/tools/src/local/exports';
import { LocalPipeline } from '../packages/tools/src/local/pipeline';

const ROOT = join(__dirname, '..');

/** A local run of the sample stack, with its endpoints file, in a temporary directory. */
export interface LocalRun {
  readonly dir: string;
  readonly endpointsFile: string;
  readonly pipeline: LocalPipeline;
  stop(): Promise<void>;
}

/**
 * Synthesizes the sample stack in-process (no cdk-nag, no child process) into
 * a temporary directory and runs it on the emulators, with the handlers' logs
 * in `<dir>/logs` and the endpoints in `<dir>/endpoints.json`, as
 * `npm start -- --keep` writes them.
 */
export async function startLocalRun(options: { timeScale?: number } = {}): Promise<LocalRun> {
  const dir = mkdtempSync(join(tmpdir(), 'event-pipeline-'));
  const cdkOut = join(dir, 'cdk.out');
  const app = new App({ outdir: cdkOut });
  new EventPipelineStack(app, 'EventPipeline-local');
  app.synth();
  const pipeline = await LocalPipeline.start({
    projectDir: ROOT,
    cdkOut,
    synth: false,
    logDir: join(dir, 'logs'),
    timeScale: options.timeScale ?? 0.01,
  });
  const endpointsFile = join(dir, 'endpoints.json');
  writeFileSync(endpointsFile, `${JSON.stringify(exportedVariables(pipeline.plan, pipeline.emulators), null, 2)}\n`);
  return {
    dir,
    endpointsFile,
    pipeline,
    stop: async () => {
      await pipeline.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** NDJSON of `events` valid events over `subjects` subjects, each subject's sequence rising from 1. */
export function benchEvents(events: number, subjects: number): string {
  const lines: string[] = [];
  for (let i = 0; i < events; i++) {
    const subject = `parcel-${String(i % subjects).padStart(5, '0')}`;
    const sequence = Math.floor(i / subjects) + 1;
    lines.push(
      JSON.stringify({
        specversion: '1.0',
        id: `bench-${i}`,
        source: 'urn:bench',
        type: sequence === 1 ? 'parcel.picked-up' : 'parcel.in-transit',
        subject,
        sequence,
        time: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
        data: { hub: ['AMS', 'BER', 'CDG', 'LYS'][i % 4], scan: sequence },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface BenchResult {
  readonly events: number;
  /** Whether the local run's consumers were processing while publishing. */
  readonly consumers: boolean;
  readonly published: number;
  /** Measured by the CLI around the publish itself. */
  readonly eventsPerSecond: number;
  readonly seconds: number;
  /** From reading the file to the summary, in-process (no process start-up). */
  readonly commandSeconds: number;
  readonly publishBatchCalls: number;
  readonly snsRequests: number;
  readonly targetCalls: number;
}

/** Publishes `events` events through the CLI to a fresh local run. */
export async function benchPublish(
  options: { events?: number; subjects?: number; concurrency?: number; consumers?: boolean } = {},
): Promise<BenchResult> {
  const events = options.events ?? 10_000;
  const consumers = options.consumers ?? true;
  const run = await startLocalRun();
  try {
    // Without consumers the figure is the publisher's alone; with them (the default) the handlers compete for the CPU.
    if (!consumers) await Promise.all(run.pipeline.sources.map((s) => s.poller.stop()));
    const file = join(run.dir, 'events.ndjson');
    writeFileSync(file, benchEvents(events, options.subjects ?? Math.max(1, Math.floor(events / 10))));
    let stdout = '';
    const io: CliIO = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true } satisfies Output,
      stdin: process.stdin,
      env: process.env,
      cwd: run.dir,
    };
    const started = performance.now();
    const args = ['publish', file, '--local', '--endpoints', run.endpointsFile, '--json'];
    if (options.concurrency) args.push('--concurrency', String(options.concurrency));
    const code = await main(args, io);
    const commandSeconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(stdout) as PublishSummary;
    if (code !== 0) throw new Error(`publish exited with ${code}: ${JSON.stringify(summary.problems.slice(0, 3))}`);
    return {
      events,
      consumers,
      published: summary.published,
      eventsPerSecond: summary.eventsPerSecond,
      seconds: summary.seconds,
      commandSeconds,
      publishBatchCalls: summary.publishBatchCalls,
      snsRequests: summary.snsRequests,
      targetCalls: Math.ceil(events / 10) + 10,
    };
  } finally {
    await run.stop();
  }
}

export function formatBench(r: BenchResult): string {
  return [
    `publish ${r.events.toLocaleString('en-US')} events through the CLI to the local run (consumers ${r.consumers ? 'running' : 'paused'}):`,
    `  ${r.eventsPerSecond.toLocaleString('en-US')} events/s (${r.seconds.toFixed(2)} s publishing, ${r.commandSeconds.toFixed(2)} s for the whole command)`,
    `  ${r.snsRequests.toLocaleString('en-US')} SNS calls (${r.publishBatchCalls.toLocaleString('en-US')} PublishBatch; target ≤ ${r.targetCalls.toLocaleString('en-US')}: ${r.snsRequests <= r.targetCalls ? 'met' : 'MISSED'})`,
  ].join('\n');
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      subjects: { type: 'string' },
      concurrency: { type: 'string' },
      'no-consumers': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  benchPublish({
    events: values.events ? Number(values.events) : undefined,
    subjects: values.subjects ? Number(values.subjects) : undefined,
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    consumers: values['no-consumers'] !== true,
  }).then(
    (result) => console.log(values.json ? JSON.stringify(result) : formatBench(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
