/**
 * Every figure of a benchmark run next to its goal: one row each, for the
 * console and the summary table of docs/benchmarks.md.
 */
import type { FiguresStamp } from '../scripts/figures-stamp';
import { type ApiPublishFigures, type PublishVariantId, blockSpread } from './api-publish';
import type { ColdStartFigures } from './cold-start';
import type { CostLines } from './cost-lines';
import { writeUnitsPerEvent, type EndToEndFigures } from './end-to-end';
import type { VariantFigures, VariantId } from './handlers';
import { type BenchReport, cpuMsPerEvent } from './local-bench';
import { spread } from './stats';
import { synthRatios, synthSetting, type SynthFigures, type Timing } from './synth';

export interface BenchResults {
  readonly quick: boolean;
  readonly startedAt: Date;
  /** The commit and the handler bundles this run measured. */
  readonly stamp: FiguresStamp;
  readonly seconds: number;
  readonly machine: { cores: number; cpu: string; node: string; loadStart: number; loadEnd: number };
  readonly plan: {
    rounds: number;
    events: number;
    subjects: number;
    slices: number;
    coldIterations: number;
    e2eEvents: number;
    e2eRuns: number;
    slowEvents: number;
    apiEvents: number;
    apiRounds: number;
  };
  readonly synth?: Pick<SynthFigures, 'settings'>;
  readonly tests?: { suite: Timing; baseline: Timing; failedRuns: number };
  readonly handlers?: readonly VariantFigures[];
  readonly coldStart?: readonly ColdStartFigures[];
  /** The backlog runs with the request counter, in order (empty when none could run). */
  readonly e2eRuns: readonly EndToEndFigures[];
  /** The same runs without the request counter in front of dynalite: the throughput figure. */
  readonly throughputRuns: readonly BenchReport[];
  /** One run publishing one event per subject at a time. */
  readonly slowArrival?: EndToEndFigures;
  /** Needs the handler figures; takes AWS batch maxima for what the local run did not give. */
  readonly cost?: CostLines;
  /** Publishing through the local Events API against the SDK, in the same run. */
  readonly apiPublish?: ApiPublishFigures;
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
/** The median, with min and max when there are several values. */
export const ranged = (xs: readonly number[], fmt: (n: number) => string) => {
  const s = spread(xs);
  return xs.length > 1 ? `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})` : fmt(s.median);
};
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
    const t = (id: Parameters<typeof synthSetting>[1]) => synthSetting(r.synth!, id).median;
    const q = synthRatios(r.synth);
    out.push({ figure: '1. cdk synth, cold, validation on for both (the goal)', value: secs(t('sampleValidation')), baseline: secs(t('baseline')), ratio: times(q.validationOn), goal: '≤ 0.2× baseline', met: q.validationOn <= 0.2 });
    out.push({ figure: '1. cdk synth, cold, validation off for both', value: secs(t('sample')), baseline: secs(t('baselineNoValidation')), ratio: times(q.validationOff), goal: '—' });
    out.push({ figure: '1. cdk synth, cold, each as it runs by default', value: secs(t('sample')), baseline: secs(t('baseline')), ratio: times(q.asDefault), goal: '—' });
    out.push({ figure: '1. cdk synth, cold, validation on, neither type-checked', value: secs(t('sampleValidation')), baseline: secs(t('baselineTranspileOnly')), ratio: times(q.noTypeCheck), goal: '—' });
    out.push({ figure: '1. cdk synth, cold: sample app alone (default)', value: secs(t('sample')), baseline: '', ratio: '', goal: '< 5 s', met: t('sample') < 5000 });
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
    out.push({ figure: '3. event log: DynamoDB write units / event', value: perEvent(el.writeUnitsPerEvent), baseline: perEvent(bel.writeUnitsPerEvent), ratio: times(el.writeUnitsPerEvent / bel.writeUnitsPerEvent), goal: '—' });
    out.push({ figure: '3. state projector: write requests / event (publish order)', value: perEvent(sp.writeRequestsPerEvent), baseline: perEvent(bsp.writeRequestsPerEvent), ratio: times(sp.writeRequestsPerEvent / bsp.writeRequestsPerEvent), goal: '≤ 1', met: sp.writeRequestsPerEvent <= 1 });
    out.push({ figure: '3. state projector: write requests / event (by group)', value: perEvent(spg.writeRequestsPerEvent), baseline: perEvent(bsp.writeRequestsPerEvent), ratio: times(spg.writeRequestsPerEvent / bsp.writeRequestsPerEvent), goal: '≤ 1', met: spg.writeRequestsPerEvent <= 1 });
    out.push({ figure: '3. state projector: write units / event (publish order / by group)', value: `${perEvent(sp.writeUnitsPerEvent)} / ${perEvent(spg.writeUnitsPerEvent)}`, baseline: perEvent(bsp.writeUnitsPerEvent), ratio: '—', goal: '—' });
    out.push({ figure: '3. state equals the in-order fold (all runs)', value: sp.verified && spg.verified ? 'yes' : 'NO', baseline: bsp.verified && variant(r, 'naiveStateProjector').verified ? 'yes' : 'NO', ratio: '—', goal: 'yes', met: sp.verified && spg.verified });
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

  if (r.e2eRuns.length > 0) {
    const runs = r.e2eRuns;
    const n = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
    out.push({ figure: `5. local end to end, backlog, ${runs[0].events.toLocaleString('en-US')} events, ${n}: events/s`, value: ranged(runs.map((x) => x.eventsPerSecond), rate), baseline: '', ratio: '—', goal: '—' });
    out.push({ figure: `5. local end to end, backlog: latency p50 / p99 (median of ${n})`, value: `${spread(runs.map((x) => x.p50Ms ?? NaN)).median.toFixed(0)} / ${spread(runs.map((x) => x.p99Ms ?? NaN)).median.toFixed(0)} ms`, baseline: '', ratio: '—', goal: '—' });
    out.push({ figure: `5. local end to end, backlog: state write units / event`, value: ranged(runs.map((x) => writeUnitsPerEvent(x, true) ?? NaN), perEvent), baseline: '', ratio: '—', goal: '—' });
  } else out.push(missing(r, '5', 'local end to end'));
  if (r.slowArrival) {
    out.push({ figure: `5. local end to end, slow arrival, ${r.slowArrival.events.toLocaleString('en-US')} events: state write units / event`, value: perEvent(writeUnitsPerEvent(r.slowArrival, true) ?? NaN), baseline: '', ratio: '—', goal: '—' });
  } else out.push(missing(r, '5', 'local end to end, slow arrival'));
  if (r.throughputRuns.length > 0) {
    const runs = r.throughputRuns;
    const eps = spread(runs.map((t) => t.eventsPerSecond)).median;
    // The goal is set for 10,000 events; a quick run's 1,000 are mostly start-up.
    const goal = runs[0].events >= 10_000 ? { goal: `median ≥ ${rate(THROUGHPUT_GOAL)}`, met: eps >= THROUGHPUT_GOAL } : { goal: '—' };
    out.push({ figure: `5. local end to end, no request counter, ${runs[0].events.toLocaleString('en-US')} events, ${runs.length} run(s): events/s`, value: ranged(runs.map((t) => t.eventsPerSecond), rate), baseline: '', ratio: '—', ...goal });
    out.push({ figure: '5. local end to end, no request counter: CPU per event', value: ranged(runs.map(cpuMsPerEvent), (x) => `${x.toFixed(2)} ms`), baseline: '', ratio: '—', goal: '—' });
  } else out.push(missing(r, '5', 'local end-to-end throughput'));

  if (r.cost) {
    const { defaults, baseline, floor, traffic } = r.cost;
    const slow = defaults[0].cost;
    const backlog = defaults[defaults.length - 1].cost;
    const f = floor.cost.total;
    out.push({ figure: `6. cost per million events, ${traffic[0].label}`, value: usd(slow.total), baseline: usd(baseline.cost.total), ratio: times(slow.total / baseline.cost.total), goal: '—' });
    out.push({ figure: `6. cost per million events, ${traffic[traffic.length - 1].label}`, value: usd(backlog.total), baseline: usd(baseline.cost.total), ratio: times(backlog.total / baseline.cost.total), goal: '—' });
    out.push({ figure: `6. defaults ÷ floor (${usd(f)}), ${traffic[0].label}`, value: times(slow.total / f), baseline: times(baseline.cost.total / f), ratio: '—', goal: '≤ 1.20×', met: slow.total <= 1.2 * f });
    out.push({ figure: `6. defaults ÷ floor (${usd(f)}), ${traffic[traffic.length - 1].label}`, value: times(backlog.total / f), baseline: times(baseline.cost.total / f), ratio: '—', goal: '≤ 1.20×', met: backlog.total <= 1.2 * f });
    // Publishing over HTTPS is another product: compared with the same defaults published with the SDK, not with the floor.
    for (const how of ['batch', 'single'] as const) {
      const line = r.cost.api[how][0].cost;
      out.push({ figure: `6. cost per million events, defaults + API (${how}), ${traffic[0].label}`, value: `${usd(line.total)} (${times(line.total / slow.total)} SDK)`, baseline: '', ratio: '—', goal: '—' });
    }
  } else out.push(missing(r, '6', 'cost per million events'));

  if (r.apiPublish) {
    const a = r.apiPublish;
    const v = (id: PublishVariantId) => a.variants.find((x) => x.id === id)!;
    const n = `median of ${a.rounds}`;
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    for (const [api, sdk, what] of [['api-batch', 'sdk-batch', 'batches of 10, against SDK PublishBatch'], ['api-single', 'sdk-single', 'one event per request, against SDK Publish']] as const) {
      const [x, y] = [v(api), v(sdk)];
      const rps = (w: typeof x) => blockSpread(w, (b) => b.requestsPerSecond);
      out.push({ figure: `7. local Events API, ${what}: requests/s (${n})`, value: ranged(x.blocks.map((b) => b.requestsPerSecond), rate), baseline: rate(rps(y).median), ratio: times(rps(x).median / rps(y).median), goal: '—' });
      const p = (w: typeof x) => `${ms(blockSpread(w, (b) => b.p50Ms).median)} / ${ms(blockSpread(w, (b) => b.p99Ms).median)}`;
      out.push({ figure: `7. local Events API, ${what}: latency p50 / p99 (${n})`, value: p(x), baseline: p(y), ratio: '—', goal: '—' });
    }
  } else out.push(missing(r, '7', 'publishing through the local Events API'));
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
