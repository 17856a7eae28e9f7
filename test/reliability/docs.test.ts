/**
 * docs/reliability.md as committed: its table covers every fault scenario with nothing lost or
 * doubled, and it records a green soak. (`npm run reliability` and `npm run soak -- --write-docs`
 * write those sections; faults.e2e.test.ts re-measures the scenarios at CI size.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS } from '../../reliability/scenarios';
import { TABLE_HEADER } from '../../reliability/table';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'reliability.md'), 'utf8');

function section(name: string): string {
  const match = doc.match(new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`));
  if (!match) throw new Error(`docs/reliability.md has no ${name} section`);
  return match[1];
}

function tableRows(markdown: string): Record<string, string>[] {
  const lines = markdown.split('\n').filter((l) => l.startsWith('|'));
  const cells = (line: string) => line.slice(1, -1).split('|').map((c) => c.trim());
  const header = cells(lines[0]);
  return lines.slice(2).map((line) => Object.fromEntries(cells(line).map((c, i) => [header[i], c])));
}

test('the reliability table has a row for every fault, each with nothing lost or doubled', () => {
  const rows = tableRows(section('reliability-table'));
  const faults = SCENARIOS.flatMap((s) => s.faults);
  expect(rows.map((r) => r.Fault)).toEqual([...faults, '**All of the above, one check**']);
  for (const row of rows) {
    expect(Object.keys(row)).toEqual(TABLE_HEADER);
    expect({ fault: row.Fault, lost: row.Lost, doubled: row.Doubled, checks: row.Checks.slice(0, 1) }).toEqual({ fault: row.Fault, lost: '0', doubled: '0', checks: '✓' });
    expect(Number(row.Injected.replace(/,/g, ''))).toBeGreaterThan(0);
  }
});

test('each fault is described with its checks', () => {
  const details = section('reliability-details');
  for (const fault of SCENARIOS.flatMap((s) => s.faults)) expect(details).toContain(`**${fault}**`);
  expect(details).not.toContain('✗');
});

test('the soak is recorded green, with events/s and peak memory', () => {
  const soak = section('soak');
  expect(soak).toMatch(/events\/s/);
  expect(soak).toMatch(/Peak RSS of the runner \| \*\*\d+ MB\*\*/);
  expect(soak).toMatch(/\*\*green\*\*: stored [\d,]+ \/ [\d,]+, lost 0, doubled 0/);
});

test('the README gives the commands that produce it', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('npm run reliability');
  expect(readme).toContain('npm run soak');
  expect(readme).toContain('docs/reliability.md');
});
