/**
 * The stamp of a generated figures page (docs/benchmarks.md, docs/reliability.md): the commit the
 * figures were measured on and the sha256 of each handler bundle, assets/<name>/index.js. Every
 * generator writes it with `stampLine()`; test/figures-stamp.test.ts reads it back with
 * `readStamps()` and fails when a bundle no longer matches, so whoever changes a handler
 * regenerates the figures. The commit is informational: it changes with every commit.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
/** Hex digits of each hash written in a stamp. */
export const STAMP_HEX_DIGITS = 16;

export interface FiguresStamp {
  /** `git rev-parse --short=12 HEAD`, with `+dirty` when tracked files differ from it; `unknown` outside git. */
  readonly commit: string;
  /** Bundle name (the folder under assets/) to the first STAMP_HEX_DIGITS hex digits of its sha256. */
  readonly bundles: Readonly<Record<string, string>>;
}

/** sha256 (first STAMP_HEX_DIGITS hex digits) of every assets/<name>/index.js, by name. */
export function bundleHashes(root = ROOT): Record<string, string> {
  const assets = join(root, 'assets');
  if (!existsSync(assets)) throw new Error(`${assets} is missing: run \`npm run build:lambda\``);
  const names = readdirSync(assets, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(assets, e.name, 'index.js')))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new Error(`no assets/<name>/index.js under ${root}: run \`npm run build:lambda\``);
  return Object.fromEntries(
    names.map((name) => [name, createHash('sha256').update(readFileSync(join(assets, name, 'index.js'))).digest('hex').slice(0, STAMP_HEX_DIGITS)]),
  );
}

function git(root: string, args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The commit checked out in `root`, `+dirty` when tracked files were changed. */
export function currentCommit(root = ROOT): string {
  const head = git(root, ['rev-parse', '--short=12', 'HEAD']);
  if (!head) return 'unknown';
  const changes = git(root, ['status', '--porcelain', '--untracked-files=no']);
  return changes ? `${head}+dirty` : head;
}

export function currentStamp(root = ROOT): FiguresStamp {
  return { commit: currentCommit(root), bundles: bundleHashes(root) };
}

/** One Markdown line; `readStamps()` reads it back. */
export function stampLine(stamp: FiguresStamp): string {
  const bundles = Object.entries(stamp.bundles)
    .map(([name, hash]) => `\`assets/${name}/index.js\` sha256 \`${hash}\``)
    .join(', ');
  return `Figures measured on commit \`${stamp.commit}\` with ${bundles}.`;
}

const LINE = /^Figures measured on commit `([^`]+)` with (.+)\.$/gm;
const BUNDLE = /`assets\/([^/`]+)\/index\.js` sha256 `([0-9a-f]+)`/g;

/** Every stamp in a page, in order. */
export function readStamps(markdown: string): FiguresStamp[] {
  return [...markdown.matchAll(LINE)].map(([, commit, rest]) => ({
    commit,
    bundles: Object.fromEntries([...rest.matchAll(BUNDLE)].map(([, name, hash]) => [name, hash])),
  }));
}
