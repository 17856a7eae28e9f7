/**
 * Reads events from NDJSON (one event per line) or a JSON array, keeping the
 * line each event starts on for error messages.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, EXIT } from './errors';
import type { CliIO } from './io';

/** One entry of the input: its JSON value, or why it could not be parsed. */
export type InputEntry =
  | { readonly line: number; readonly value: unknown }
  | { readonly line: number; readonly error: string };

/** Reads FILE, or stdin for `-`. */
export async function readInput(file: string, io: CliIO): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(error as Error).message}`, EXIT.USAGE);
  }
}

/**
 * Splits the text into entries: a JSON array when it starts with `[`, NDJSON
 * otherwise (blank lines are skipped). An NDJSON line that is not JSON becomes
 * an error entry; the other lines still count.
 */
export function parseEvents(text: string): InputEntry[] {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('[')) return parseArray(body);
  const entries: InputEntry[] = [];
  body.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      entries.push({ line: i + 1, value: JSON.parse(line) });
    } catch (error) {
      entries.push({ line: i + 1, error: `body: not valid JSON (${(error as Error).message})` });
    }
  });
  return entries;
}

function parseArray(text: string): InputEntry[] {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the input starts with [ but is not a valid JSON array: ${(error as Error).message}`, EXIT.FAILED);
  }
  if (!Array.isArray(values)) throw new CliError('the input is not a JSON array', EXIT.FAILED);
  const lines = arrayElementLines(text);
  return values.map((value: unknown, i) => ({ line: lines[i] ?? 0, value }));
}

/** The line on which each top-level element of a JSON array starts. */
export function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (depth === 1 && expectValue && c !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return lines;
}
