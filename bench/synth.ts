import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median } from './stats';
import { sample, timeCommand } from './timing';

const ROOT = path.join(__dirname, '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');

/** Median wall-clock ms of a cold `cdk synth -q` (fresh output directory each run) of the app in `dir`. */
export function synthTime(dir: string, runs: number): { median: number; samples: number[] } {
  const samples = sample(runs, () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
    try {
      return timeCommand(CDK, ['synth', '-q', '--output', out], { cwd: dir });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
  return { median: median(samples), samples };
}
