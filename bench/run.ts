/**
 * `npm run bench [-- --quick]`: prints each figure next to its goal.
 * Machines are noisy: figures are medians of several runs.
 */
import * as path from 'path';
import { secs } from './stats';
import { synthTime } from './synth';
import { unitSuiteTime } from './unit-suite';

const quick = process.argv.includes('--quick');
const runs = quick ? 1 : 3;
const ROOT = path.join(__dirname, '..');

interface Figure {
  readonly name: string;
  readonly value: string;
  readonly goal: string;
  readonly met: boolean;
}

function main(): void {
  const figures: Figure[] = [];
  const synth = synthTime(ROOT, runs);
  figures.push({ name: 'cdk synth (sample app, cold)', value: secs(synth.median), goal: '< 5 s', met: synth.median < 5000 });
  const unit = unitSuiteTime(runs);
  figures.push({ name: 'unit suite (jest)', value: secs(unit.median), goal: '< 20 s', met: unit.median < 20000 });

  console.log(`\nBenchmarks (${quick ? 'quick, 1 run' : `median of ${runs} runs`})\n`);
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    console.log(`${f.name.padEnd(width)}  ${f.value.padStart(10)}  goal ${f.goal.padEnd(8)} ${f.met ? 'met' : 'MISSED'}`);
  }
}

main();
