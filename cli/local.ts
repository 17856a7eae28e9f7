/**
 * `local`: runs a CDK app's stack, or a cloud assembly's, on local emulators: the local run of
 * docs/local-run.md for a user's own app, with the demo or serving only (`--no-demo`), for the other
 * commands' `--local`. The local run (emulators, functions) is loaded only when the command runs.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type CliOptions, UsageError, parseArgs, usage } from '../local/args';
import { readAppConfig } from '../local/cloud-assembly';
import { BIN, type Command, type ParsedArgs } from './args';
import { CliError, EXIT } from './errors';
import type { CliIO } from './io';

export const localCommand: Command = {
  name: 'local',
  summary: 'run a CDK app on local emulators: publish a demo and summarize it, or serve it (--no-demo)',
  usage: 'local [--app DIR | --cdk-out DIR] [--stack NAME] [--topic NAME] [--no-demo] [--keep] [options]',
  description: '',
  options: {},
  optionHelp: [],
  needsTarget: false,
  rawArguments: true,
  help: usage('command'),
  positionals: { min: 0, max: Number.MAX_SAFE_INTEGER },
  run: runLocalCommand,
};

/** Where the stack comes from, for the local run. */
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

async function runLocalCommand({ positionals }: ParsedArgs, io: CliIO): Promise<number> {
  const usageError = (error: unknown) =>
    error instanceof UsageError ? new CliError(`${error.message}\nSee \`${BIN} local --help\`.`, EXIT.USAGE) : error;
  let options: CliOptions;
  let source: LocalSource;
  try {
    options = parseArgs(positionals, 'command');
    source = localSource(options, io.cwd);
  } catch (error) {
    throw usageError(error);
  }
  // Paths given on the command line are the current folder's, not the process's.
  const inCwd = (path: string | undefined) => (path === undefined ? undefined : resolve(io.cwd, path));
  options = { ...options, json: inCwd(options.json), logDir: inCwd(options.logDir) };
  const { runLocal, ownNodeModules } = await import('../local/run');
  try {
    const code = await runLocal(
      options,
      {
        ...source,
        stackName: options.stack,
        endpointsFile: inCwd(options.endpointsFile) ?? resolve(io.cwd, '.local', 'endpoints.json'),
        // The Lambda runtime's SDK: this tool's own, not the app's (a bundle brings the rest).
        runtimeModules: ownNodeModules(),
      },
      { stdout: io.stdout, stderr: io.stderr, signal: io.signal, untilStopped: () => stopped(io.signal) },
    );
    return code === 130 ? EXIT.INTERRUPTED : code;
  } catch (error) {
    if (error instanceof UsageError) throw usageError(error);
    // The assembly, the template or the app's synth: the message says what is wrong.
    if (error instanceof Error && ['AssemblyError', 'TemplateError', 'DemoRunError'].includes(error.name)) {
      throw new CliError(error.message, EXIT.FAILED);
    }
    throw error;
  }
}

/** Ctrl-C: the CLI's abort signal, else the process's signals. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (!signal) {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    } else if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
}
