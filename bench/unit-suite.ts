import * as path from 'path';
import { median } from './stats';
import { sample, timeCommand } from './timing';

const ROOT = path.join(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', '.bin', 'jest');

/** Test files that start emulators or pack the package: not part of the unit suite. */
export const NOT_UNIT = ['\\.e2e\\.test\\.ts$', '/test/consumer/'];

/** Median wall-clock ms of the whole unit suite (bundles already built). */
export function unitSuiteTime(runs: number): { median: number; samples: number[] } {
  const samples = sample(runs, () =>
    timeCommand(JEST, ['--silent', '--testPathIgnorePatterns', ...NOT_UNIT], { cwd: ROOT, env: { ...process.env, CI: 'true' } }),
  );
  return { median: median(samples), samples };
}
