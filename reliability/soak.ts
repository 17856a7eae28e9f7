/**
 * `npm run soak`: 50,000 events over 1,000 subjects through the local pipeline with 2% of the
 * DynamoDB writes faulted, then the conservation check. Prints events/s and the peak memory of
 * the runner (one process: publisher, pollers, emulators and function threads). Exits 1 unless the
 * queues drained, the check is green and no valid event was dead-lettered; 2 for a bad option.
 *
 *   npm run soak                      # 50,000 events
 *   npm run soak -- --events 5000     # what CI runs
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { currentStamp, stampLine } from '../scripts/figures-stamp';
import { numberOption, parseOptions, runAsCommand } from './args';
import type { ConservationReport } from './conservation';
import type { FaultKind, FaultRule } from './fault-proxy';
import { formatReport } from './format';
import { Harness } from './harness';
import { demoMessages } from './messages';
import { type Check, check, noValidDeadLetter } from './scenarios/scenario';
import { markdownTable, replaceSection } from './table';

const PROJECT_DIR = resolve(__dirname, '..');
const DOC = join(PROJECT_DIR, 'docs', 'reliability.md');

const USAGE = `Usage: npm run soak -- [options]

Options:
  --events N        distinct events (default 50000); 1% are poison, 5% are published twice
  --subjects N      subjects, i.e. FIFO message groups (default 1000)
  --fault-rate X    share of DynamoDB write requests that get a fault (default 0.02)
  --seed N          seed of the events and of the fault schedule (default 1)
  --time-scale X    see docs/local-run.md (default 0.01)
  --concurrency N   concurrent batches per event source mapping (default 4)
  --timeout S       give up waiting for the queues after S seconds (default 900)
  --write-docs      record the figures in docs/reliability.md
  --quiet           no progress lines
  --help
`;

/** How the fault rate is shared among the kinds of fault. */
export const FAULT_MIX: readonly { kind: FaultKind; share: number; delayMs?: number }[] = [
  { kind: 'throughput', share: 0.2 },
  { kind: 'throttling', share: 0.2 },
  { kind: 'server-error', share: 0.2 },
  { kind: 'unprocessed', share: 0.1 },
  { kind: 'slow', share: 0.1, delayMs: 200 },
  { kind: 'lost-response', share: 0.1 },
  { kind: 'crash-exit', share: 0.05 },
  { kind: 'crash-throw', share: 0.05 },
];

export function faultRules(rate: number): FaultRule[] {
  return FAULT_MIX.map(({ kind, share, delayMs }) => ({ kind, rate: rate * share, delayMs }));
}

/** What the soak requires; it fails unless every one holds. */
export function soakChecks(report: ConservationReport, drained: boolean): Check[] {
  return [
    check('the queues drained', drained, drained ? 'drained' : 'not drained before the timeout'),
    check('conservation', report.ok, `lost ${report.counts.lost}, doubled ${report.counts.doubled}, ${report.differences.length} differences`),
    noValidDeadLetter(report),
  ];
}

class MemoryPeak {
  public rss = 0;
  public heapUsed = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(intervalMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }
  sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heapUsed = Math.max(this.heapUsed, m.heapUsed);
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

const n = (value: number) => value.toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

async function main(argv: readonly string[]): Promise<number> {
  const values = parseOptions(argv, {
    events: { type: 'string', default: '50000' },
    subjects: { type: 'string', default: '1000' },
    'fault-rate': { type: 'string', default: '0.02' },
    seed: { type: 'string', default: '1' },
    'time-scale': { type: 'string', default: '0.01' },
    concurrency: { type: 'string', default: '4' },
    timeout: { type: 'string', default: '900' },
    'write-docs': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const events = numberOption(values, 'events', 100);
  const subjects = numberOption(values, 'subjects', 1, events);
  const faultRate = numberOption(values, 'fault-rate', 0, 0.5, false);
  const seed = numberOption(values, 'seed', 0);
  const timeScale = numberOption(values, 'time-scale', 0.001, 1, false);
  const concurrency = numberOption(values, 'concurrency', 1, 64);
  const timeoutMs = numberOption(values, 'timeout', 10) * 1000;
  const info = (line: string) => !values.quiet && process.stderr.write(`${line}\n`);

  const demo = demoMessages('soak', { events, subjects, seed });
  // The code this run measures, taken before it starts.
  const stamp = currentStamp();
  const memory = new MemoryPeak();
  const loadAverage = loadavg()[0];
  info(`Starting the local pipeline (time scale ${timeScale})...`);
  const harness = await Harness.start({ projectDir: PROJECT_DIR, timeScale, seed, concurrency });
  try {
    harness.proxy.setRules(faultRules(faultRate));
    info(`Publishing ${demo.messages.length.toLocaleString('en-US')} messages: ${events.toLocaleString('en-US')} events over ${subjects} subjects`);
    const started = Date.now();
    const ticker = setInterval(() => {
      const done = harness.observer.acknowledged['state-projector'].size;
      info(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${done} messages processed by the state projector, ${mb(process.memoryUsage().rss)} RSS`);
    }, 10_000);
    let drained = true;
    try {
      await harness.publish(demo.messages);
      const published = Date.now();
      drained = await harness.pipeline.waitForDrain(timeoutMs);
      info(`Published in ${((published - started) / 1000).toFixed(1)} s; ${drained ? 'drained' : 'NOT drained'} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      clearInterval(ticker);
      harness.proxy.setRules([]);
    }
    const drainedAt = Date.now();
    const lastSuccess = Math.max(...harness.pipeline.sources.map((s) => s.poller.stats.lastSuccessAt));
    memory.stop();
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const report = await harness.check();
    const processedSeconds = (lastSuccess - started) / 1000;
    const rate = report.counts.events / processedSeconds;
    const injected = [...harness.proxy.injected].filter(([, count]) => count > 0);
    const figures: [string, string][] = [
      ['Events (distinct, valid)', `${report.counts.events.toLocaleString('en-US')} over ${subjects.toLocaleString('en-US')} subjects`],
      ['Messages published', `${n(report.counts.published)} (${n(demo.duplicates)} duplicates, ${n(report.counts.poison)} poison)`],
      [
        'DynamoDB write requests',
        `${n(harness.proxy.writeRequests)}, of which ${n(harness.proxy.injectedTotal())} faulted ` +
          `(${((100 * harness.proxy.injectedTotal()) / harness.proxy.writeRequests).toFixed(1)}%; UnprocessedItems only on BatchWriteItem)`,
      ],
      ['Faults by kind', injected.map(([k, c]) => `${k} ${c}`).join(', ')],
      ['Processed in', `${processedSeconds.toFixed(1)} s (drained, poison dead-lettered, in ${((drainedAt - started) / 1000).toFixed(1)} s)`],
      ['Throughput', `**${Math.round(rate).toLocaleString('en-US')} events/s**`],
      ['Peak RSS of the runner', `**${mb(Math.max(memory.rss, maxRss))}** (sampled every 200 ms: ${mb(memory.rss)})`],
      ['Peak JS heap of the main thread', mb(memory.heapUsed)],
      ['Dead-lettered (event log / state)', `${n(report.counts.deadLettered['event-log'])} / ${n(report.counts.deadLettered['state-projector'])}, of which valid events ${report.counts.deadLetteredValid['event-log']} / ${report.counts.deadLetteredValid['state-projector']}`],
      ['Conservation', `${report.ok ? '**green**' : '**FAILED**'}: stored ${n(report.counts.stored)} / ${n(report.counts.events)}, lost ${report.counts.lost}, doubled ${report.counts.doubled}, state = fold ${n(report.counts.folded)} / ${n(report.counts.subjects)}`],
      ['Machine', `${cpus().length} cores, load average ${loadAverage.toFixed(1)} at the start, Node.js ${process.versions.node}`],
    ];
    process.stdout.write(`\n${markdownTable(['Soak', ''], figures.map(([a, b]) => [a, b]))}\n\n${formatReport(report)}\n`);
    if (values['write-docs']) {
      replaceSection(
        DOC,
        'soak',
        `\`npm run soak -- --events ${events} --subjects ${subjects}\` (fault rate ${faultRate}, seed ${seed}, time scale ${timeScale}).\n` +
          `${stampLine(stamp)}\n\n` +
          markdownTable(['Soak', ''], figures),
      );
      info(`Rewrote ${DOC}`);
    }
    const failed = soakChecks(report, drained).filter((c) => !c.ok);
    for (const c of failed) process.stdout.write(`\nFAILED ${c.name}: ${c.detail}\n`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await harness.stop();
  }
}

if (require.main === module) runAsCommand(main, USAGE);
