/**
 * Command definitions and argument parsing with node:util parseArgs.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError, EXIT } from './errors';
import type { CliIO } from './io';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface ParsedArgs {
  readonly values: Values;
  readonly positionals: readonly string[];
}

/** One command of the CLI. */
export interface Command {
  /** As typed: `publish`, `dlq inspect`. */
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** `publish FILE|- [options]` */
  readonly usage: string;
  /** Paragraphs after the usage line. */
  readonly description: string;
  /** Command options (the target options are added to every command that reaches the pipeline). */
  readonly options: OptionsConfig;
  /** `--name VALUE` -> help text, in display order. */
  readonly optionHelp: readonly (readonly [string, string])[];
  /** Whether the command takes --stack/--local. */
  readonly needsTarget: boolean;
  /**
   * String options that may also be given bare (`--api`), read as ''. Such an
   * option takes the next argument as its value only when it is a URL (has
   * `://`), so that `--api FILE` leaves FILE a positional; `--api=VALUE` always works.
   */
  readonly optionalValues?: readonly string[];
  readonly positionals: { readonly min: number; readonly max: number };
  /**
   * The command parses its own arguments (`local`, whose options are the local run's): `run` gets
   * them all as positionals, unparsed, and `--help` prints `help`.
   */
  readonly rawArguments?: boolean;
  /** The whole --help text, instead of one built from usage, description and optionHelp. */
  help?(): Promise<string>;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

export const TARGET_OPTIONS: OptionsConfig = {
  stack: { type: 'string' },
  region: { type: 'string' },
  local: { type: 'boolean' },
  endpoints: { type: 'string' },
};

const COMMON_OPTIONS: OptionsConfig = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const TARGET_HELP: readonly (readonly [string, string])[] = [
  ['--stack NAME', 'a deployed stack: resources come from its CloudFormation outputs'],
  ['--region REGION', 'the stack\'s region (default: AWS_REGION or the profile\'s region)'],
  ['--local', 'the local run (`npm start -- --keep`), through its endpoints file'],
  ['--endpoints FILE', 'the local run\'s endpoints file (default: .local/endpoints.json)'],
];

export const BIN = 'event-pipeline';

/** Parses a command's arguments; unknown options and wrong positionals are usage errors. */
export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs {
  const options = { ...COMMON_OPTIONS, ...(command.needsTarget ? TARGET_OPTIONS : {}), ...command.options };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: bareOptions(argv, command.optionalValues ?? []), options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('\n')[0]}\nSee \`${BIN} ${command.name} --help\`.`, EXIT.USAGE);
  }
  if (parsed.values.help) return parsed;
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) {
    const missing = positionalNames(command).slice(parsed.positionals.length, min);
    throw new CliError(`missing argument ${missing.join(' ') || '(see the usage)'}\nUsage: ${BIN} ${command.usage}`, EXIT.USAGE);
  }
  if (parsed.positionals.length > max) {
    throw new CliError(`unexpected argument ${JSON.stringify(parsed.positionals[max])}\nUsage: ${BIN} ${command.usage}`, EXIT.USAGE);
  }
  return parsed;
}

/** `--api` without a URL after it becomes `--api=`; see {@link Command.optionalValues}. */
function bareOptions(argv: readonly string[], names: readonly string[]): string[] {
  const args = [...argv];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    if (names.some((name) => args[i] === `--${name}`) && !(args[i + 1] ?? '').includes('://')) args[i] = `${args[i]}=`;
  }
  return args;
}

/** The positional arguments a command's usage line names: `publish FILE|- [--dry-run]` -> ['FILE|-']. */
function positionalNames(command: Command): string[] {
  const words = command.usage.split(' ').slice(command.name.split(' ').length);
  const names: string[] = [];
  for (const word of words) {
    if (/^[[(-]/.test(word)) break;
    names.push(word);
  }
  return names;
}

/** The --help text of a command. */
export async function commandHelp(command: Command): Promise<string> {
  if (command.help) return command.help();
  const rows = [...command.optionHelp, ['--json', 'machine-readable output on stdout'], ['-h, --help', 'this help']] as const;
  const sections = [`Usage: ${BIN} ${command.usage}`, command.description, `Options:\n${optionLines(rows)}`];
  if (command.needsTarget) sections.push(`Target (one of --stack or --local):\n${optionLines(TARGET_HELP)}`);
  return `${sections.join('\n\n')}\n`;
}

function optionLines(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`).join('\n');
}

/** A whole number option within bounds, or its default. */
export function integerOption(values: Values, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || n > max) {
    throw new CliError(`--${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`, EXIT.USAGE);
  }
  return n;
}

/** A string option, or undefined. */
export function stringOption(values: Values, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}
