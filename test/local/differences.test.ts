import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIFFERENCES, formatDifference } from '../../packages/tools/src/local/differences';
import { formatSkipped } from '../../packages/tools/src/local/summary-format';

const PAGE = readFileSync(join(__dirname, '..', '..', 'docs', 'local-run.md'), 'utf8');
const section = PAGE.slice(PAGE.indexOf('## Differences from AWS'), PAGE.indexOf('\n## ', PAGE.indexOf('## Differences from AWS') + 1));

describe('the differences from AWS', () => {
  test.each(DIFFERENCES.map((d) => [d.title, d]))('docs/local-run.md lists "%s" as the run prints it', (_title, d) => {
    expect(section).toContain(`- ${formatDifference(d)}\n`);
  });

  test('docs/local-run.md lists no standing difference that the run does not print', () => {
    const listed = [...section.matchAll(/^- \*\*(.+?)\*\*: /gm)].map((m) => m[1]);
    const standing = listed.slice(0, listed.indexOf('TTL'));
    expect(standing).toEqual(DIFFERENCES.map((d) => d.title));
  });

  test('every run prints them, with the notes about its own template after them', () => {
    const lines = formatSkipped({ skipped: [], notes: ['table T: the stream is not emulated'] });
    const start = lines.indexOf('Differences from AWS (docs/local-run.md):');
    expect(lines.slice(start + 1, start + 1 + DIFFERENCES.length)).toEqual(DIFFERENCES.map((d) => `  - ${d.title}: ${d.text}.`));
    expect(lines.slice(-2)).toEqual(['  In this template:', '  - table T: the stream is not emulated']);
  });
});
