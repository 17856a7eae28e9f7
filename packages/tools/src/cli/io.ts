/**
 * What a command reads and writes, so that tests and the benchmark can run
 * commands in-process, and plain-text formatting helpers.
 */

/** A stream the CLI writes to: process.stdout, or a buffer in tests. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIO {
  readonly stdout: Output;
  /** Progress and warnings. */
  readonly stderr: Output;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Relative paths (FILE, --endpoints, --save) resolve from here. */
  readonly cwd: string;
  /** Aborted on Ctrl-C: commands stop between batches and clean up. */
  readonly signal?: AbortSignal;
  /** Called with every AWS SDK client a command creates, e.g. to count calls. */
  readonly onClient?: (client: { middlewareStack: unknown }) => void;
}

/** 12345 -> "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 event", "2 events". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : many}`;
}

/** Seconds as "45 s", "3 min 05 s", "2 h 10 min", "3 d 4 h". */
export function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/**
 * A plain-text table. Columns whose header starts with '>' are right-aligned
 * (the '>' is not shown).
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const names = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const widths = names.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(names), ...rows.map(line)].join('\n') + '\n';
}

/** Writes a value as pretty JSON. */
export function writeJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
