/**
 * The reliability table (Markdown) and the generated sections of docs/reliability.md, which sit
 * between `<!-- name:start -->` and `<!-- name:end -->` markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ConservationReport } from './conservation';
import { copies } from './format';
import { type ScenarioRow, rowOk } from './scenarios';

const n = (value: number) => value.toLocaleString('en-US');

/** Messages in each dead-letter queue, and the extra copies of one source message when there are any. */
function deadLettered(c: ConservationReport['counts']): string {
  const extra = copies(c);
  return `${n(c.deadLettered['event-log'])} / ${n(c.deadLettered['state-projector'])}${extra > 0 ? ` (+${n(extra)} ${extra === 1 ? 'copy' : 'copies'})` : ''}`;
}

export const TABLE_HEADER = [
  'Fault',
  'Injected',
  'Published',
  'Stored once',
  'Dead-lettered (event log / state)',
  'Lost',
  'Doubled',
  'State = fold',
  'Rewrites',
  'Stale refused',
  'Checks',
];

export function tableRow(row: ScenarioRow): string[] {
  const c = row.report.counts;
  const passed = row.checks.filter((k) => k.ok).length;
  return [
    row.fault,
    n(row.injected),
    n(c.published),
    `${n(c.stored)} / ${n(c.events)}`,
    deadLettered(c),
    n(c.lost),
    n(c.doubled),
    `${n(c.folded)} / ${n(c.subjects)}`,
    n(c.rewrites ?? 0),
    n(c.staleSkips ?? 0),
    `${rowOk(row) ? '✓' : '✗'} ${passed}/${row.checks.length}`,
  ];
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function reliabilityTable(rows: readonly ScenarioRow[], total?: ConservationReport): string {
  const body = rows.map(tableRow);
  if (total) {
    const c = total.counts;
    body.push([
      '**All of the above, one check**',
      n(rows.reduce((sum, r) => sum + r.injected, 0)),
      n(c.published),
      `${n(c.stored)} / ${n(c.events)}`,
      deadLettered(c),
      n(c.lost),
      n(c.doubled),
      `${n(c.folded)} / ${n(c.subjects)}`,
      n(c.rewrites ?? 0),
      n(c.staleSkips ?? 0),
      total.ok ? '✓' : '✗',
    ]);
  }
  return markdownTable(TABLE_HEADER, body);
}

/** How each fault was injected and what was checked, one list item per fault. */
export function rowDetails(rows: readonly ScenarioRow[]): string {
  return rows
    .map((row) => {
      const checks = row.checks.map((c) => `  - ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`).join('\n');
      return `- **${row.fault}** (\`${row.id}\`, ${row.seconds.toFixed(1)} s): ${row.how}.\n${checks}`;
    })
    .join('\n');
}

/** Replaces what sits between the markers of `name` in a Markdown file. */
export function replaceSection(file: string, name: string, content: string): void {
  const text = readFileSync(file, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} ... ${end} section`);
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${content.trim()}\n${text.slice(to)}`);
}
