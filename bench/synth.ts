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

export type SynthId = 'sample' | 'sampleValidation' | 'baseline' | 'baselineNoValidation' | 'baselineTranspileOnly';

/** One way of running `cdk synth` on one of the two apps. */
export interface SynthSetting {
  readonly id: SynthId;
  readonly app: 'sample' | 'baseline';
  /** CDK's built-in CloudFormation validation runs at synth. */
  readonly validation: boolean;
  /** The app's TypeScript is type-checked before it runs (ts-node without --transpile-only). */
  readonly typeCheck: boolean;
  /** How the app synthesizes when nothing is set: the sample app without validation, the baseline with it. */
  readonly asDefault: boolean;
  /** Environment that selects the setting. */
  readonly env: Record<string, string>;
}

/**
 * The sample app runs with tsx (no type-checking) and turns CDK's validation off unless
 * CDK_VALIDATION=true; the baseline runs with ts-node (type-checking) and keeps CDK's default,
 * validation on, unless CDK_VALIDATION=false. TS_NODE_TRANSPILE_ONLY=true skips ts-node's type-check.
 */
export const SYNTH_SETTINGS: readonly SynthSetting[] = [
  { id: 'sample', app: 'sample', validation: false, typeCheck: false, asDefault: true, env: {} },
  { id: 'sampleValidation', app: 'sample', validation: true, typeCheck: false, asDefault: false, env: { CDK_VALIDATION: 'true' } },
  { id: 'baseline', app: 'baseline', validation: true, typeCheck: true, asDefault: true, env: {} },
  { id: 'baselineNoValidation', app: 'baseline', validation: false, typeCheck: true, asDefault: false, env: { CDK_VALIDATION: 'false' } },
  { id: 'baselineTranspileOnly', app: 'baseline', validation: true, typeCheck: false, asDefault: false, env: { TS_NODE_TRANSPILE_ONLY: 'true' } },
];

export interface SynthFigures {
  readonly settings: readonly (SynthSetting & Timing)[];
  /** The sample app's last assembly (default setting), for the local run; the caller removes its folder. */
  readonly assembly: string;
}

/** Wall-clock ms of one cold `cdk synth -q` of the app in `dir` into a fresh `out` directory. */
function synthOnce(dir: string, out: string, env: Record<string, string>): number {
  fs.rmSync(out, { recursive: true, force: true });
  const base = { ...process.env };
  delete base.CDK_VALIDATION;
  delete base.TS_NODE_TRANSPILE_ONLY;
  return timeCommand(CDK, ['synth', '-q', '--output', out], { cwd: dir, env: { ...base, ...env } });
}

/**
 * Cold synth of the sample app and of the baseline app in every setting, taking turns each
 * round. The sample app's default assembly is kept in `assembly`.
 */
export function synthComparison(rounds: number): SynthFigures {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const assembly = path.join(scratch, 'sample');
  const other = path.join(scratch, 'other');
  try {
    const samples = alternate(
      rounds,
      SYNTH_SETTINGS.map((s) => () =>
        synthOnce(s.app === 'sample' ? ROOT : path.join(__dirname, 'baseline'), s.id === 'sample' ? assembly : other, s.env),
      ),
    );
    return { settings: SYNTH_SETTINGS.map((s, i) => ({ ...s, median: median(samples[i]), samples: samples[i] })), assembly };
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
  }
}

export function synthSetting(figures: Pick<SynthFigures, 'settings'>, id: SynthId): SynthSetting & Timing {
  const s = figures.settings.find((x) => x.id === id);
  if (!s) throw new Error(`no synth figures for ${id}`);
  return s;
}

/** The ratios the page reports; the goal is judged on `validationOn` (equal settings, CDK's default). */
export function synthRatios(figures: Pick<SynthFigures, 'settings'>) {
  const t = (id: SynthId) => synthSetting(figures, id).median;
  return {
    validationOn: t('sampleValidation') / t('baseline'),
    validationOff: t('sample') / t('baselineNoValidation'),
    asDefault: t('sample') / t('baseline'),
    /** Validation on and no type-checking for both. */
    noTypeCheck: t('sampleValidation') / t('baselineTranspileOnly'),
    /** What ts-node's type-check adds to the baseline's synth, validation on. */
    typeCheckMs: t('baseline') - t('baselineTranspileOnly'),
  };
}
