/** Options shared by the reliability commands, parsed with node:util. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  public readonly name = 'UsageError';
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>;

export type OptionValues<T extends OptionSpec> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean | undefined : string | undefined;
};

export function parseOptions<T extends OptionSpec>(argv: readonly string[], spec: T): OptionValues<T> {
  try {
    return parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values as unknown as OptionValues<T>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A number option, checked against a range. */
export function numberOption(values: Record<string, unknown>, name: string, min: number, max = Infinity, integer = true): number {
  const raw = values[name];
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} between ${min} and ${max} (got ${String(raw)})`);
  }
  return value;
}

/**
 * Runs a command's `main` as a process: its return value is the exit code; a
 * UsageError prints the message and usage and exits 2; anything else exits 1.
 */
export function runAsCommand(main: (argv: readonly string[]) => Promise<number>, usage: string): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${usage}`);
        process.exit(2);
      }
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
