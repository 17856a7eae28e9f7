/**
 * `local`: runs a CDK app's stack, or a cloud assembly's, on local emulators: the local run of
 * docs/local-run.md for a user's own app, with the demo or serving only (`--no-demo`) for the other
 * commands' `--local`. The local run (local/command.ts: emulators, functions) is loaded only when
 * the command runs, so that the other commands start without loading fauxqs and dynalite.
 */
import { BIN, type Command, type ParsedArgs } from './args';
import { CliError, EXIT } from './errors';
import type { CliIO } from './io';

type LocalModule = typeof import('../local/command');

export const localCommand: Command = {
  name: 'local',
  summary: 'run a CDK app on local emulators: publish a demo and summarize it, or serve it (--no-demo)',
  usage: 'local [--app DIR | --cdk-out DIR] [--stack NAME] [--topic NAME] [--no-demo] [--keep] [options]',
  description: '',
  options: {},
  optionHelp: [],
  needsTarget: false,
  rawArguments: true,
  help: async () => (await loadLocal()).usage('command'),
  positionals: { min: 0, max: Number.MAX_SAFE_INTEGER },
  run: runLocal,
};

function loadLocal(): Promise<LocalModule> {
  return import('../local/command');
}

async function runLocal({ positionals }: ParsedArgs, io: CliIO): Promise<number> {
  const local = await loadLocal();
  try {
    const code = await local.runLocalCommand(positionals, io.cwd, {
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
      untilStopped: () => stopped(io.signal),
    });
    return code === 130 ? EXIT.INTERRUPTED : code;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if (error.name === 'UsageError') throw new CliError(`${error.message}\nSee \`${BIN} local --help\`.`, EXIT.USAGE);
    // The app's synth, its assembly or its template: the message says what is wrong.
    if (['AssemblyError', 'TemplateError', 'DemoRunError'].includes(error.name)) throw new CliError(error.message, EXIT.FAILED);
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
