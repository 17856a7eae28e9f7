/**
 * Every generated figures page carries the stamp of the code it measured, and the stamp matches
 * the handler bundles built now (`pretest` runs `npm run build:lambda`). A failure here means a
 * handler changed since the figures were measured: regenerate them (`npm run bench`,
 * `npm run reliability`, `npm run soak -- --write-docs`). The commit in a stamp is not compared.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAMP_HEX_DIGITS, bundleHashes, readStamps, stampLine } from '../scripts/figures-stamp';

const ROOT = join(__dirname, '..');
const read = (page: string) => readFileSync(join(ROOT, 'docs', page), 'utf8');

function section(markdown: string, name: string): string {
  const match = markdown.match(new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`));
  if (!match) throw new Error(`no ${name} section`);
  return match[1];
}

/** Each generated part of a page, and the command that writes it. */
const PARTS: { page: string; part: string; text: () => string; regenerate: string }[] = [
  { page: 'benchmarks.md', part: 'the whole page', text: () => read('benchmarks.md'), regenerate: 'npm run bench' },
  { page: 'reliability.md', part: 'reliability-table', text: () => section(read('reliability.md'), 'reliability-table'), regenerate: 'npm run reliability' },
  { page: 'reliability.md', part: 'soak', text: () => section(read('reliability.md'), 'soak'), regenerate: 'npm run soak -- --write-docs' },
];

describe('figures stamp', () => {
  test('a stamp line reads back as written', () => {
    const stamp = { commit: '0123456789ab+dirty', bundles: { 'event-log': 'a'.repeat(16), 'state-projector': 'b'.repeat(16) } };
    expect(readStamps(`# Page\n\n${stampLine(stamp)}\n\nText.\n`)).toEqual([stamp]);
    expect(readStamps('# Page without a stamp\n')).toEqual([]);
  });

  test('a bundle hash changes when one byte of the bundle changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'stamp-'));
    try {
      mkdirSync(join(root, 'assets', 'event-log'), { recursive: true });
      writeFileSync(join(root, 'assets', 'event-log', 'index.js'), 'exports.handler = 1;');
      const before = bundleHashes(root);
      writeFileSync(join(root, 'assets', 'event-log', 'index.js'), 'exports.handler = 2;');
      expect(bundleHashes(root)['event-log']).not.toEqual(before['event-log']);
      expect(before['event-log']).toMatch(new RegExp(`^[0-9a-f]{${STAMP_HEX_DIGITS}}$`));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test.each(PARTS)('docs/$page ($part) is stamped with the current bundles', ({ text, regenerate }) => {
    const current = bundleHashes();
    const stamps = readStamps(text());
    expect(stamps).toHaveLength(1);
    const [stamp] = stamps;
    expect(STAMP_HEX_DIGITS).toBeGreaterThanOrEqual(12);
    expect(stamp.commit).toMatch(/^([0-9a-f]{12}(\+dirty)?|unknown)$/);
    // When this fails, a handler changed after the figures were measured: run `regenerate`.
    expect({ bundles: stamp.bundles, regenerate }).toEqual({ bundles: current, regenerate });
  });
});
