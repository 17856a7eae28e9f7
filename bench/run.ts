/**
 * `npm run bench [-- --quick]`: measures every figure of docs/benchmarks.md
 * against a baseline measured in the same run, prints them next to their
 * goals and, for a full run, rewrites docs/benchmarks.md and its chart.
 *
 * Full: 3 rounds, 10,000 events, 5 end-to-end runs of each kind, 5 rounds of
 * publishing 2,000 events through the Events API and with the SDK. Quick: 1 round,
 * 1,000 events, 1 end-to-end run, 3 rounds of 500 events published, nothing written (`--quick --preview FILE` writes
 * the page it would make to FILE).
 * A figure that cannot be measured is reported as such; the others still run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { currentStamp } from '../scripts/figures-stamp';
import { measureApiPublish } from './api-publish';
import { benchPublish } from './bench-publish';
import { coldStart } from './cold-start';
import { costLines } from './cost-lines';
import { runLocalEndToEnd, type EndToEndFigures } from './end-to-end';
import { formatRows, rows, type BenchResults } from './figures';
import { benchScenario } from './handler-stream';
import { handlerThroughput } from './handlers';
import { runBenchmark, type BenchReport } from './local-bench';
import { markdown, writeReport } from './report';
import { synthComparison } from './synth';
import { testComparison } from './unit-suite';

const ROOT = path.join(__dirname, '..');
const quick = process.argv.includes('--quick');
const plan = quick
  ? { rounds: 1, events: 1_000, subjects: 100, slices: 5, coldIterations: 5, e2eEvents: 1_000, e2eRuns: 1, slowEvents: 500, apiEvents: 500, apiRounds: 3 }
  : { rounds: 3, events: 10_000, subjects: 100, slices: 10, coldIterations: 20, e2eEvents: 10_000, e2eRuns: 5, slowEvents: 2_000, apiEvents: 2_000, apiRounds: 5 };

const started = performance.now();
const errors: Record<string, string> = {};

/** Runs one figure; on failure records why and returns undefined. */
async function attempt<T>(section: string, what: string, fn: () => T | Promise<T>): Promise<T | undefined> {
  process.stderr.write(`[${section}/7 ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${what}\n`);
  try {
    return await fn();
  } catch (error) {
    errors[section] = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    process.stderr.write(`  not measured: ${errors[section]}\n`);
    return undefined;
  }
}

/** Bytes SNS and SQS carry for one event: the body and the `type` attribute. */
function meanEventBytes(events: number, subjects: number): number {
  const { entries } = benchScenario(events, subjects);
  return entries.reduce((n, e) => n + Buffer.byteLength(e.body) + 'type'.length + 'String'.length + e.type.length, 0) / entries.length;
}

async function main(): Promise<void> {
  for (const name of ['event-log', 'state-projector']) {
    if (!fs.existsSync(path.join(ROOT, 'assets', name, 'index.js'))) {
      throw new Error(`assets/${name}/index.js is missing: run \`npm run build:lambda\` (npm ci runs it)`);
    }
  }
  const startedAt = new Date();
  const stamp = currentStamp();
  const loadStart = os.loadavg()[0];
  const n = plan.events.toLocaleString('en-US');

  const synth = await attempt('1', `cdk synth, sample app and baseline, ${plan.rounds} round(s)`, () => synthComparison(plan.rounds));
  try {
    const tests = await attempt('2', `unit suite and baseline snapshot test, ${plan.rounds} round(s)`, () => testComparison(plan.rounds));
    const handlers = await attempt('3', `handlers on dynalite, ${n} events in ${plan.slices} slices`, () => handlerThroughput(plan));
    const cold = await attempt('4', `cold start, ${plan.coldIterations} loads of each bundle`, () => coldStart(plan.coldIterations));
    // Backlog runs with the request counter and without it take turns, so that load on the machine falls on both.
    const e2eRuns: EndToEndFigures[] = [];
    const throughputRuns: BenchReport[] = [];
    for (let k = 1; k <= plan.e2eRuns; k++) {
      const e2e = await attempt('5', `local end-to-end run ${k}/${plan.e2eRuns}, ${plan.e2eEvents.toLocaleString('en-US')} events, backlog`, () =>
        runLocalEndToEnd({ events: plan.e2eEvents, subjects: plan.subjects, cdkOut: synth?.assembly }),
      );
      if (e2e) e2eRuns.push(e2e);
      const throughput = await attempt('5', `local end-to-end throughput ${k}/${plan.e2eRuns}, no request counter`, () =>
        runBenchmark({ events: plan.e2eEvents, subjects: plan.subjects, cdkOut: synth?.assembly, synth: synth ? false : undefined }),
      );
      if (throughput) throughputRuns.push(throughput);
    }
    const slowArrival = await attempt('5', `local end-to-end run, ${plan.slowEvents.toLocaleString('en-US')} events, slow arrival (one per subject at a time)`, () =>
      runLocalEndToEnd({ events: plan.slowEvents, subjects: plan.subjects, cdkOut: synth?.assembly, arrival: 'slow' }),
    );
    const cliPublish = await attempt('5', `CLI publish of ${plan.e2eEvents.toLocaleString('en-US')} events to the local run`, () =>
      benchPublish({ events: plan.e2eEvents }),
    );
    const apiPublish = await attempt('7', `publishing through the local Events API and with the SDK, ${plan.apiEvents.toLocaleString('en-US')} events each, ${plan.apiRounds} rounds`, () =>
      measureApiPublish({ events: plan.apiEvents, subjects: plan.subjects, rounds: plan.apiRounds, cdkOut: synth?.assembly }),
    );
    const eventBytes = meanEventBytes(plan.events, plan.subjects);
    const cost = await attempt('6', 'cost model', () => {
      if (!handlers) throw new Error('it needs the handler figures (3)');
      return costLines(handlers, [...e2eRuns, ...(slowArrival ? [slowArrival] : [])], eventBytes);
    });

    const results: BenchResults = {
      quick,
      startedAt,
      stamp,
      seconds: (performance.now() - started) / 1000,
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim() ?? 'unknown', node: process.versions.node, loadStart, loadEnd: os.loadavg()[0] },
      plan,
      synth: synth && { settings: synth.settings },
      tests,
      handlers,
      coldStart: cold,
      e2eRuns,
      throughputRuns,
      slowArrival,
      cost,
      apiPublish,
      eventBytes,
      errors,
    };
    console.log(`\nBenchmarks (${quick ? 'quick: 1 round, 1,000 events' : `full: medians of ${plan.rounds} rounds, 10,000 events`}), ${results.seconds.toFixed(0)} s\n`);
    console.log(formatRows(rows(results)));
    if (cliPublish) {
      const met = cliPublish.snsRequests <= cliPublish.targetCalls ? 'met' : 'MISSED';
      console.log(
        `\nCLI publish to the local run (event-pipeline publish --local), ${cliPublish.events.toLocaleString('en-US')} events: ` +
          `${cliPublish.eventsPerSecond.toLocaleString('en-US')} events/s, ${cliPublish.snsRequests} SNS calls ` +
          `(goal ≤ ${cliPublish.targetCalls}: ${met})`,
      );
      if (cliPublish.snsRequests > cliPublish.targetCalls) process.exitCode = 1;
    }
    const preview = process.argv.indexOf('--preview');
    if (quick && preview > 0 && process.argv[preview + 1]) {
      fs.writeFileSync(process.argv[preview + 1], markdown(results));
      console.log(`\nQuick run: docs/benchmarks.md is left as it is; the page of this run is in ${process.argv[preview + 1]}.`);
    } else if (quick) {
      console.log('\nQuick run: docs/benchmarks.md is left as it is (a full run rewrites it).');
    } else {
      const written = writeReport(results);
      console.log(`\nWrote ${path.relative(ROOT, written.markdown)} and ${path.relative(ROOT, written.chart)}`);
    }
    const wrong = handlers?.some((h) => !h.verified || h.failedRecords > 0);
    if (Object.keys(errors).length > 0 || wrong) process.exitCode = 1;
  } finally {
    if (synth) fs.rmSync(path.dirname(synth.assembly), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
