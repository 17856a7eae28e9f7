/**
 * The handler bundles the benchmark compares: the project's pre-built assets
 * and the baseline's handlers bundled the way NodejsFunction bundles them at
 * synth (esbuild, not minified, @aws-sdk/* external on Node.js 18 and later).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..');

export interface Bundle {
  readonly name: string;
  readonly file: string;
}

/** assets/<name>/index.js, built by `npm run build:lambda` (run before the benchmark). */
export function projectBundle(name: 'event-log' | 'state-projector'): Bundle {
  const file = path.join(ROOT, 'assets', name, 'index.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:lambda\` first`);
  return { name, file };
}

let scratch: string | undefined;

/** A temporary folder for this process, removed when it exits. */
function scratchDir(): string {
  if (!scratch) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-baseline-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

/** bench/baseline/lambda/<name>.ts bundled into a temporary folder, with NodejsFunction's default options. */
export function baselineBundle(name: 'event-log' | 'state-projector'): Bundle {
  const file = path.join(scratchDir(), name, 'index.js');
  if (fs.existsSync(file)) return { name: `baseline ${name}`, file };
  buildSync({
    absWorkingDir: ROOT,
    entryPoints: [path.join('bench', 'baseline', 'lambda', `${name}.ts`)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
  return { name: `baseline ${name}`, file };
}

/**
 * Environment for a process that loads a bundle: the nodejs runtime resolves
 * `@aws-sdk/*` through NODE_PATH (/var/runtime/node_modules); here it is the
 * project's node_modules, so the SDK version is the project's.
 */
export function runtimeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_PATH: path.join(ROOT, 'node_modules'),
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}
