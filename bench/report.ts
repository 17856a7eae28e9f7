/**
 * Writes docs/benchmarks.md and its chart, docs/benchmarks.svg, from the
 * figures of a run. Everything in them comes from this run, except the prices.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stampLine } from '../scripts/figures-stamp';
import { chartSvg, type ChartData } from './chart';
import type { CostPerMillion } from './cost-model';
import { rows, variant, type BenchResults } from './figures';
import {
  apiPublishSection,
  baselineSection,
  coldStartSection,
  costSection,
  endToEndSection,
  handlerSection,
  synthSection,
  testSection,
} from './report-sections';
import { synthRatios } from './synth';

const DOCS = path.join(__dirname, '..', 'docs');

export function chartData(r: BenchResults): ChartData {
  const services = (c: CostPerMillion) => [
    { name: 'SNS', value: c.sns },
    { name: 'SQS', value: c.sqs },
    { name: 'Lambda', value: c.lambda },
    { name: 'DynamoDB', value: c.dynamodb },
  ];
  const ratios: ChartData['ratios'][number][] = [];
  if (r.synth) ratios.push({ label: 'cdk synth, cold, validation on for both', ratio: synthRatios(r.synth).validationOn, goal: 0.2 });
  if (r.tests) ratios.push({ label: 'unit suite ÷ baseline snapshot test', ratio: r.tests.suite.median / r.tests.baseline.median });
  const throughput: ChartData['throughput'][number][] = [];
  if (r.handlers) {
    const el = variant(r, 'eventLog');
    const bel = variant(r, 'baselineEventLog');
    const sp = variant(r, 'stateProjector');
    const bsp = variant(r, 'baselineStateProjector');
    ratios.push(
      { label: 'event log: DynamoDB writes / event', ratio: el.writeRequestsPerEvent / bel.writeRequestsPerEvent, goal: 0.1 },
      { label: 'state projector: writes / event', ratio: sp.writeRequestsPerEvent / bsp.writeRequestsPerEvent, goal: 1 },
    );
    throughput.push(
      { label: 'event log', ours: el.eventsPerSecond, baseline: bel.eventsPerSecond },
      { label: 'state projector (publish order)', ours: sp.eventsPerSecond, baseline: bsp.eventsPerSecond },
      { label: 'state projector (by group)', ours: variant(r, 'stateProjectorByGroup').eventsPerSecond, baseline: bsp.eventsPerSecond },
    );
  }
  const c = r.cost;
  const costs = c
    ? [
        { label: 'this pipeline, slow arrival', cost: c.defaults[0].cost },
        { label: 'this pipeline, backlog', cost: c.defaults[c.defaults.length - 1].cost },
        { label: 'baseline (CDK defaults)', cost: c.baseline.cost },
        { label: 'floor', cost: c.floor.cost },
      ]
    : [];
  if (c) ratios.push({ label: 'cost per million events, slow arrival', ratio: c.defaults[0].cost.total / c.baseline.cost.total });
  return {
    title: `cdk-event-pipeline benchmarks, ${r.startedAt.toISOString().slice(0, 10)}${r.quick ? ' (quick run)' : ''}`,
    ratios,
    throughput,
    costs: costs.map((x) => ({ label: x.label, parts: services(x.cost) })),
  };
}

function summary(r: BenchResults): string[] {
  const mark = (met?: boolean) => (met === undefined ? '' : met ? 'met' : '**missed**');
  return [
    '| figure | this pipeline | baseline (same run) | ratio | goal | |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows(r).map((x) => `| ${x.figure} | ${x.value} | ${x.baseline} | ${x.ratio} | ${x.goal} | ${mark(x.met)} |`),
  ];
}

export function markdown(r: BenchResults): string {
  const m = r.machine;
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${r.quick ? ' -- --quick' : ''}\` on ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${r.seconds.toFixed(0)} s` +
      ` (${m.cores} cores, ${m.cpu}, Node.js ${m.node}; load average ${m.loadStart.toFixed(2)} at the start, ${m.loadEnd.toFixed(2)} at the end).` +
      ' Every ratio compares two figures measured in this run, taking turns, so that load from other work on the machine falls on both.' +
      ' Times are medians. Run it again to refresh this page: it is rewritten whole.',
    '',
    stampLine(r.stamp),
    '',
    ...(r.quick ? ['> A quick run (`--quick`): one round, 1,000 events. The full run takes three rounds and 10,000 events.', ''] : []),
    '![Benchmark chart: ratios to the baseline, events/s per process, cost per million events](benchmarks.svg)',
    '',
    ...summary(r),
    '',
    ...baselineSection(),
    '',
    ...synthSection(r),
    '',
    ...testSection(r),
    '',
    ...handlerSection(r),
    '',
    ...coldStartSection(r),
    '',
    ...endToEndSection(r),
    '',
    ...costSection(r),
    '',
    ...apiPublishSection(r),
    '',
    'How far one stack scales, and what to change beyond it: [scaling.md](scaling.md).',
    '',
  ].join('\n');
}

export function writeReport(r: BenchResults): { markdown: string; chart: string } {
  const md = path.join(DOCS, 'benchmarks.md');
  const svg = path.join(DOCS, 'benchmarks.svg');
  fs.writeFileSync(svg, chartSvg(chartData(r)));
  fs.writeFileSync(md, markdown(r));
  return { markdown: md, chart: svg };
}
