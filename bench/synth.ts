import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median } from './stats';
import { alternate, timeCommand } from './timing';

const ROOT = path.join(__dirname, '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');

export interface Timing {
  readonly median: number;
  readonly samples: number[];
}

/** Wall-clock ms of one cold `cdk synth -q` of the app in `dir` into a fresh `out` directory. */
function synthOnce(dir: string, out: string): number {
  fs.rmSync(out, { recursive: true, force: true });
  return timeCommand(CDK, ['synth', '-q', '--output', out], { cwd: dir });
}

/**
 * Cold synth of the sample app and of the baseline app, taking turns each
 * round. The sample app's last assembly is kept in `assembly` (for the local
 * run); the caller removes it.
 */
export function synthComparison(rounds: number): { sample: Timing; baseline: Timing; assembly: string } {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const assembly = path.join(scratch, 'sample');
  const baselineOut = path.join(scratch, 'baseline');
  try {
    const [sampleApp, baseline] = alternate(rounds, [
      () => synthOnce(ROOT, assembly),
      () => synthOnce(path.join(__dirname, 'baseline'), baselineOut),
    ]);
    return {
      sample: { median: median(sampleApp), samples: sampleApp },
      baseline: { median: median(baseline), samples: baseline },
      assembly,
    };
  } finally {
    fs.rmSync(baselineOut, { recursive: true, force: true });
  }
}
