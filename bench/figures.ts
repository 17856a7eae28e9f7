/**
 * Every figure of a benchmark run next to its goal: one row each, for the
 * console and the summary table of docs/benchmarks.md.
 */
import { type BenchReport, cpuMsPerEvent } from '../local/bench';
import type { FiguresStamp } from '../scripts/figures-stamp';
import type { ColdStartFigures } from './cold-start';
import type { CostLines } from './cost-lines';
import type { EndToEndFigures } from './end-to-end';
import type { VariantFigures, VariantId } from './handlers';
import type { Timing } from './synth';

export interface BenchResults {
  readonly quick: boolean;
  readonly startedAt: Date;
  /** The commit and the handler bundles this run measured. */
  readonly stamp: FiguresStamp;
  readonly seconds: number;
  readonly machine: { cores: number; cpu: string; node: string; loadStart: number; loadEnd: number };
  readonly plan: { rounds: number; events: number; subjects: number; slices: number; coldIterations: number; e2eEvents: number };
  readonly synth?: { sample: Timing; baseline: Timing };
  readonly tests?: { suite: Timing; baseline: Timing; failedRuns: number };
  readonly handlers?: readonly VariantFigures[];
  readonly coldStart?: readonly ColdStartFigures[];
  readonly e2e?: EndToEndFigures;
  /** The same run without the request counter in front of dynalite: the throughput figure. */
  readonly throughput?: BenchReport;
  /** Needs the handler figures; takes AWS batch maxima for what the local run did not give. */
  readonly cost?: CostLines;
  readonly eventBytes: number;
  /** Why a figure is missing, by section number. */
  readonly errors: Readonly<Record<string, string>>;
}

export interface Row {
  readonly figure: string;
  readonly value: string;
  readonly baseline: string;
  /** This pipeline ÷ baseline, or "—". */
  readonly ratio: string;
  readonly goal: string;
  /** undefined when the figure has no goal. */
  readonly met?: boolean;
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
export const usd = (n: number) => `$${n.toFixed(2)}`;
const times = (n: number) => `${n.toFixed(2)}×`;
/** Events per second the local run is to reach end to end at 10,000 events on two cores. */
export const THROUGHPUT_GOAL = 1_000;


const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
const perEvent = (n: number) => n.toFixed(3);

export function variant(r: BenchResults, id: VariantId): VariantFigures {
  const v = r.handlers?.find((h) => h.id === id);
  if (!v) throw new Error(`no figures for ${id}`);
  return v;
}

const missing = (r: BenchResults, section: string, figure: string): Row => ({
  figure: `${section}. ${figure}`,
  value: 'not measured',
  baseline: '',
  ratio: '—',
  goal: (r.errors[section] ?? '').slice(0, 60),
  met: false,
});

export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  if (r.synth) {
    const synthRatio = r.synth.sample.median / r.synth.baseline.median;
    out.push({ figure: '1. cdk synth, cold (median)', value: secs(r.synth.sample.median), baseline: secs(r.synth.baseline.median), ratio: times(synthRatio), goal: '≤ 0.2× baseline', met: synthRatio <= 0.2 });
    out.push({ figure: '1. cdk synth, cold: sample app alone', value: secs(r.synth.sample.median), baseline: '', ratio: '', goal: '< 5 s', met: r.synth.sample.median < 5000 });
  } else out.push(missing(r, '1', 'cdk synth'));
  if (r.tests) {
    const failed = r.tests.failedRuns > 0 ? ` (tests failed in ${r.tests.failedRuns} run(s))` : '';
    out.push({ figure: `2. unit suite vs baseline snapshot test${failed}`, value: secs(r.tests.suite.median), baseline: secs(r.tests.baseline.median), ratio: times(r.tests.suite.median / r.tests.baseline.median), goal: '< 20 s, passing', met: r.tests.suite.median < 20000 && r.tests.failedRuns === 0 });
  } else out.push(missing(r, '2', 'unit suite vs baseline snapshot test'));

  if (r.handlers) {
    const el = variant(r, 'eventLog');
    const bel = variant(r, 'baselineEventLog');
    const sp = variant(r, 'stateProjector');
    const spg = variant(r, 'stateProjectorByGroup');
    const bsp = variant(r, 'baselineStateProjector');
    out.push({ figure: '3. event log: DynamoDB write requests / event', value: perEvent(el.writeRequestsPerEvent), baseline: perEvent(bel.writeRequestsPerEvent), ratio: times(el.writeRequestsPerEvent / bel.writeRequestsPerEvent), goal: '≤ 0.1 (baseline 1)', met: el.writeRequestsPerEvent <= 0.1 });
    out.push({ figure: '3. state projector: write requests / event (publish order)', value: perEvent(sp.writeRequestsPerEvent), baseline: perEvent(bsp.writeRequestsPerEvent), ratio: times(sp.writeRequestsPerEvent / bsp.writeRequestsPerEvent), goal: '≤ 1', met: sp.writeRequestsPerEvent <= 1 });
    out.push({ figure: '3. state projector: write requests / event (by group)', value: perEvent(spg.writeRequestsPerEvent), baseline: perEvent(bsp.writeRequestsPerEvent), ratio: times(spg.writeRequestsPerEvent / bsp.writeRequestsPerEvent), goal: '≤ 1', met: spg.writeRequestsPerEvent <= 1 });
    out.push({ figure: '3. state equals the in-order fold (all runs)', value: sp.verified && spg.verified ? 'yes' : 'NO', baseline: bsp.verified ? 'yes' : 'NO', ratio: '—', goal: 'yes', met: sp.verified && spg.verified });
    out.push({ figure: '3. event log: events/s per process (median)', value: rate(el.eventsPerSecond), baseline: rate(bel.eventsPerSecond), ratio: times(el.eventsPerSecond / bel.eventsPerSecond), goal: '—' });
    out.push({ figure: '3. state projector: events/s per process (median)', value: rate(sp.eventsPerSecond), baseline: rate(bsp.eventsPerSecond), ratio: times(sp.eventsPerSecond / bsp.eventsPerSecond), goal: '—' });
  } else out.push(missing(r, '3', 'handlers'));

  if (r.coldStart) {
    const cs = (name: string) => r.coldStart!.find((c) => c.name === name)!;
    for (const name of ['event-log', 'state-projector']) {
      const ours = cs(name);
      const base = cs(`baseline ${name}`);
      out.push({ figure: `4. ${name} bundle (minified, @aws-sdk/* external)`, value: kb(ours.bytes), baseline: kb(base.bytes), ratio: '—', goal: '≤ 150 KB', met: ours.bytes <= 150 * 1000 });
      out.push({ figure: `4. ${name} module init (median of ${r.plan.coldIterations})`, value: `${ours.initMs.toFixed(0)} ms`, baseline: `${base.initMs.toFixed(0)} ms`, ratio: times(ours.initMs / base.initMs), goal: '—' });
    }
  } else out.push(missing(r, '4', 'cold start'));

  if (r.e2e) {
    out.push({ figure: `5. local end to end, ${r.e2e.events.toLocaleString('en-US')} events: events/s`, value: rate(r.e2e.eventsPerSecond), baseline: '', ratio: '—', goal: '—' });
    out.push({ figure: '5. local end to end: latency p50 / p99', value: `${r.e2e.p50Ms ?? 'n/a'} / ${r.e2e.p99Ms ?? 'n/a'} ms`, baseline: '', ratio: '—', goal: '—' });
  } else out.push(missing(r, '5', 'local end to end'));
  if (r.throughput) {
    const t = r.throughput;
    // The goal is set for 10,000 events; a quick run's 1,000 are mostly start-up.
    const goal = t.events >= 10_000 ? { goal: `≥ ${rate(THROUGHPUT_GOAL)}`, met: t.eventsPerSecond >= THROUGHPUT_GOAL } : { goal: '—' };
    out.push({ figure: `5. local end to end, no request counter, ${t.events.toLocaleString('en-US')} events: events/s`, value: rate(t.eventsPerSecond), baseline: '', ratio: '—', ...goal });
    out.push({ figure: '5. local end to end, no request counter: CPU per event', value: `${cpuMsPerEvent(t).toFixed(2)} ms`, baseline: '', ratio: '—', goal: '—' });
  } else out.push(missing(r, '5', 'local end-to-end throughput'));

  if (r.cost) {
    const { defaults, baseline, floor } = r.cost.costs;
    out.push({ figure: '6. cost per million events (defaults)', value: usd(defaults.total), baseline: usd(baseline.total), ratio: times(defaults.total / baseline.total), goal: `≤ 1.2× floor (${usd(floor.total)})`, met: defaults.total <= 1.2 * floor.total });
    out.push({ figure: '6. defaults ÷ floor', value: times(defaults.total / floor.total), baseline: times(baseline.total / floor.total), ratio: '—', goal: '≤ 1.20×', met: defaults.total <= 1.2 * floor.total });
  } else out.push(missing(r, '6', 'cost per million events'));
  return out;
}

/** Fixed-width lines for the console. */
export function formatRows(list: readonly Row[]): string {
  const header: Row = { figure: 'figure', value: 'this pipeline', baseline: 'baseline', ratio: 'ratio', goal: 'goal' };
  const all = [header, ...list];
  const w = (k: keyof Row) => Math.max(...all.map((x) => String(x[k] ?? '').length));
  const line = (x: Row, met: string) =>
    `${x.figure.padEnd(w('figure'))}  ${x.value.padStart(w('value'))}  ${x.baseline.padStart(w('baseline'))}  ${x.ratio.padStart(w('ratio'))}  ${x.goal.padEnd(w('goal'))}  ${met}`;
  return [line(header, ''), ...list.map((x) => line(x, x.met === undefined ? '' : x.met ? 'met' : 'MISSED'))].join('\n');
}
