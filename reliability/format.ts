/**
 * The conservation report as text: the counts, then each difference, event by event.
 */
import { CONSUMERS, type ConservationReport } from './conservation';

const number = (n: number) => n.toLocaleString('en-US');

/** Extra copies of one source message in the dead-letter queues, both consumers together. */
export const copies = (c: ConservationReport['counts']) => CONSUMERS.reduce((sum, k) => sum + c.deadLetterCopies[k], 0);

/** The counts, then each difference on its own line. */
export function formatReport(report: ConservationReport, maxDifferences = 50): string {
  const c = report.counts;
  const duplicates = c.published - c.events - c.poison;
  const lines = [
    `conservation: ${report.ok ? 'OK' : 'FAILED'}`,
    `  published ${number(c.published)} messages: ${number(c.events)} events (+${number(duplicates)} duplicate publishes), ${number(c.poison)} poison`,
    `  events table: ${number(c.stored)} of ${number(c.events)} events stored exactly once` +
      (c.rewrites === undefined ? '' : `; ${number(c.rewrites)} idempotent rewrites of an item already stored`),
    `  state table: ${number(c.folded)} of ${number(c.subjects)} subjects equal the fold of their events` +
      (c.applications === undefined ? '' : `; ${number(c.applications)} writes applied, ${number(c.staleSkips ?? 0)} refused as not newer`),
    `  dead-letter queues: ${CONSUMERS.map((k) => `${k} ${number(c.deadLettered[k])} (${number(c.deadLetteredValid[k])} valid events)`).join(', ')}` +
      (copies(c) > 0
        ? `; extra copies of one source message: ${CONSUMERS.map((k) => `${k} ${number(c.deadLetterCopies[k])}`).join(', ')}`
        : ''),
    `  lost ${c.lost}, doubled ${c.doubled}, unexpected ${c.unexpected}, corrupt ${c.corrupt}, dead-lettered without a reason ${c.noReason}`,
  ];
  if (report.deadLetteredEvents.length > 0) {
    lines.push('  valid events dead-lettered:');
    for (const d of report.deadLetteredEvents.slice(0, maxDifferences)) lines.push(`    ${d.consumer} ${d.eventId}: ${d.reason ?? 'no reason logged'}`);
  }
  if (report.differences.length > 0) {
    lines.push('  differences:');
    for (const d of report.differences.slice(0, maxDifferences)) {
      const what = [d.consumer, d.eventId, d.subject && `(${d.subject})`].filter(Boolean).join(' ');
      lines.push(`    ${d.kind.padEnd(10)} ${what}: ${d.detail}`);
    }
    if (report.differences.length > maxDifferences) lines.push(`    ... and ${report.differences.length - maxDifferences} more`);
  }
  return lines.join('\n');
}
