import * as path from 'path';
import { median } from './stats';
import type { Timing } from './synth';
import { alternate, timeCommand, timeCommandStatus } from './timing';

const ROOT = path.join(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', '.bin', 'jest');
const BASELINE = path.join(__dirname, 'baseline');

/**
 * Test files that start emulators or pack the package, and cfn-lint's run over every synthesized
 * template (four CDK CLI synths and a Python process): not part of the unit suite. Nor is the
 * figures stamp check: it reads the pages this run is about to rewrite.
 */
export const NOT_UNIT = ['\\.e2e\\.test\\.ts$', '/test/consumer/', '/test/figures-stamp\\.test\\.ts$', '/test/cfn-lint\\.test\\.ts$'];

const env = { ...process.env, CI: 'true' };
let failedRuns = 0;
/** The unit suite's time; a run with failing tests still counts, and is reported as failed. */
const runUnitSuite = () => {
  const r = timeCommandStatus(JEST, ['--silent', '--testPathIgnorePatterns', ...NOT_UNIT], { cwd: ROOT, env });
  if (r.status !== 0) failedRuns++;
  return r.ms;
};
/** The baseline's one snapshot test, with its own config (ts-jest); --ci fails on a missing snapshot. */
const runBaselineTest = () => timeCommand(JEST, ['--silent', '--ci', '--config', 'jest.config.js'], { cwd: BASELINE, env });

/**
 * The unit suite and the baseline's snapshot test, taking turns each round.
 * `failedRuns` counts the unit suite runs in which a test failed.
 */
export function testComparison(rounds: number): { suite: Timing; baseline: Timing; failedRuns: number } {
  failedRuns = 0;
  const [suite, baseline] = alternate(rounds, [runUnitSuite, runBaselineTest]);
  return { suite: { median: median(suite), samples: suite }, baseline: { median: median(baseline), samples: baseline }, failedRuns };
}
