#!/usr/bin/env node
/**
 * event-pipeline: the operator CLI of a deployed pipeline stack or of the local run.
 * In the repository: `npx tsx packages/tools/src/cli/index.ts --help`.
 */
import { BIN, type Command, commandHelp, parseCommandArgs } from './args';
import { dlqInspectCommand } from './dlq';
import { CliError, EXIT, explain } from './errors';
import type { CliIO } from './io';
import { localCommand } from './local';
import { publishCommand } from './publish';
import { redriveCommand } from './redrive';
import { replayCommand } from './replay';
import { statusCommand } from './status';

export const COMMANDS: readonly Command[] = [publishCommand, statusCommand, dlqInspectCommand, redriveCommand, replayCommand, localCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Usage: ${BIN} <command> [options] (--stack NAME [--region REGION] | --local [--endpoints FILE])`,
    '',
    'Operates an event pipeline: a deployed stack, found through its CloudFormation outputs, or the local run.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`${BIN} <command> --help\` for a command's options. Exit codes: 0 done, 1 something failed,`,
    '2 wrong command line, 3 the pipeline cannot be reached (no stack, no credentials, local run not started).',
    `\`${BIN} local\` runs a CDK app on local emulators; \`--local\` points the other commands at it.`,
    '',
  ].join('\n');
}

/** Finds the command named by the first one or two arguments. */
function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

/** A usage error for words that name no command: exit 2. */
function unknownCommand(words: readonly string[], io: CliIO): number {
  const first = words[0];
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
  const message = group.length > 0 ? `${first}: say which: ${group.join(', ')}` : `unknown command ${JSON.stringify(words.join(' '))}`;
  io.stderr.write(`${BIN}: ${message}\n\n${usage()}`);
  return EXIT.USAGE;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(usage());
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (first === 'help') {
    if (argv.length === 1) {
      io.stdout.write(usage());
      return EXIT.OK;
    }
    const topic = findCommand(argv.slice(1));
    if (!topic || topic.rest.length > 0) return unknownCommand(argv.slice(1), io);
    return main([...argv.slice(1), '--help'], io);
  }
  const found = findCommand(argv);
  if (!found) return unknownCommand(argv.slice(0, 1), io);
  try {
    if (found.command.rawArguments) {
      if (found.rest.some((arg) => arg === '--help' || arg === '-h')) {
        io.stdout.write(await commandHelp(found.command));
        return EXIT.OK;
      }
      return await found.command.run({ values: {}, positionals: found.rest }, io);
    }
    const args = parseCommandArgs(found.command, found.rest);
    if (args.values.help) {
      io.stdout.write(await commandHelp(found.command));
      return EXIT.OK;
    }
    return await found.command.run(args, io);
  } catch (error) {
    // A command explains the errors of its own target; this is for any that escaped it.
    const cliError = error instanceof CliError ? error : explain(error, { local: found.rest.includes('--local') });
    io.stderr.write(`${BIN} ${found.command.name}: ${cliError.message}\n`);
    return cliError.exitCode;
  }
}

if (require.main === module) {
  // The AWS SDK warns on every command that its releases from January 2027 will need Node.js 22; the CLI
  // runs on Node.js 20 until then (see README.md, "Operate it"). Silenced here only, not for library users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  process.once('SIGINT', () => {
    // The first Ctrl-C lets the command stop between batches and clean up; a second one quits at once.
    process.stderr.write(`\n${BIN}: interrupted: finishing the calls in flight (Ctrl-C again to quit at once)\n`);
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
