/**
 * `event-pipeline local`: the local run for a user's own CDK app. Works out where the stack comes
 * from (`--app`, `--cdk-out`, or the current folder's cdk.json) and where the run writes (the
 * current folder's .local/), then runs it as `npm start` runs the sample app. cli/local.ts loads
 * this module only when the command runs.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type CliOptions, UsageError, parseArgs } from './args';
import { readAppConfig } from './cloud-assembly';
import { type LocalRunIO, ownNodeModules, runLocal } from './run';

export { usage } from './args';

/** Where the stack comes from. */
export interface LocalSource {
  readonly projectDir: string;
  readonly cdkOut: string;
  readonly synth: boolean;
  readonly appCommand: boolean;
  readonly appLabel: string;
}

/**
 * `--app DIR`: synthesize DIR's app with its cdk.json's command (into its `output`, cdk.out, or
 * `--cdk-out`), unless `--no-synth`. `--cdk-out DIR` alone: read that assembly as it is. Neither:
 * `--app .` when the current folder has a cdk.json.
 */
export function localSource(options: CliOptions, cwd: string): LocalSource {
  const shown = (path: string) => relative(cwd, path) || '.';
  if (options.app !== undefined) {
    const appDir = resolve(cwd, options.app);
    const config = readAppConfig(appDir);
    if (!config) {
      throw new UsageError(
        `--app ${JSON.stringify(options.app)}: ${appDir} has no cdk.json; give the folder of a CDK app (where its cdk.json is), ` +
          'or --cdk-out DIR for a cloud assembly already synthesized',
      );
    }
    const cdkOut = options.cdkOut !== undefined ? resolve(cwd, options.cdkOut) : resolve(appDir, config.output ?? 'cdk.out');
    return {
      projectDir: appDir,
      cdkOut,
      synth: options.synth ?? true,
      appCommand: true,
      appLabel: `the app in ${shown(appDir)} (${config.app ?? 'no app command'})`,
    };
  }
  if (options.cdkOut !== undefined) {
    const cdkOut = resolve(cwd, options.cdkOut);
    if (!existsSync(join(cdkOut, 'manifest.json'))) {
      throw new UsageError(
        `--cdk-out ${JSON.stringify(options.cdkOut)}: ${cdkOut} is not a cloud assembly (it has no manifest.json); ` +
          'synthesize the app first (cdk synth), or give --app DIR to synthesize it',
      );
    }
    if (options.synth === true) throw new UsageError('--synth needs --app: with --cdk-out alone, the assembly is read as it is');
    return { projectDir: cwd, cdkOut, synth: false, appCommand: true, appLabel: shown(cdkOut) };
  }
  if (readAppConfig(cwd)) return localSource({ ...options, app: '.' }, cwd);
  throw new UsageError(
    `--app or --cdk-out is needed: the current folder ${cwd} has no cdk.json. Give --app DIR, the folder of a CDK app ` +
      '(with its cdk.json), or --cdk-out DIR, a cloud assembly already synthesized',
  );
}

/**
 * Runs `event-pipeline local ARGS` in `cwd`: the exit code of runLocal. Paths on the command line
 * are the current folder's; the endpoints file and the logs default to its .local/. A wrong option
 * throws a UsageError.
 */
export async function runLocalCommand(argv: readonly string[], cwd: string, io: LocalRunIO): Promise<number> {
  const parsed = parseArgs(argv, 'command');
  const source = localSource(parsed, cwd);
  const inCwd = (path: string | undefined) => (path === undefined ? undefined : resolve(cwd, path));
  const options: CliOptions = { ...parsed, json: inCwd(parsed.json), logDir: inCwd(parsed.logDir) };
  return runLocal(options, {
    ...source,
    stackName: options.stack,
    endpointsFile: inCwd(options.endpointsFile) ?? resolve(cwd, '.local', 'endpoints.json'),
    // The Lambda runtime's SDK: this tool's own, not the app's (a bundle brings the rest).
    runtimeModules: ownNodeModules(),
  }, io);
}
