/**
 * What a fault scenario is and returns, the sizes it runs at, and the checks every scenario makes.
 */
import type { ConservationReport } from '../conservation';
import { formatReport } from '../format';
import type { Harness } from '../harness';
import type { PublishedMessage } from '../ledger';

export interface ScenarioScale {
  /** Events per scenario. */
  readonly events: number;
  /** Subjects (FIFO message groups) per scenario. */
  readonly subjects: number;
  /** Poison messages of each kind. */
  readonly poisonPerKind: number;
}

/** What CI runs (test/reliability/faults.e2e.test.ts): about 50 s for every scenario on two shared cores. */
export const CI_SCALE: ScenarioScale = { events: 200, subjects: 50, poisonPerKind: 1 };
/** What `npm run reliability` runs for docs/reliability.md. */
export const REPORT_SCALE: ScenarioScale = { events: 2_000, subjects: 100, poisonPerKind: 4 };

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ScenarioRow {
  readonly id: string;
  /** The fault, e.g. `ThrottlingException`. */
  readonly fault: string;
  /** How it was injected, e.g. `on 15% of DynamoDB writes`. */
  readonly how: string;
  readonly injected: number;
  readonly report: ConservationReport;
  readonly checks: readonly Check[];
  readonly seconds: number;
}

export interface Scenario {
  readonly id: string;
  /** The faults of the rows it returns, in order. */
  readonly faults: readonly string[];
  run(harness: Harness, scale: ScenarioScale, seed: number): Promise<ScenarioRow[]>;
}

export function rowOk(row: ScenarioRow): boolean {
  return row.report.ok && row.checks.every((c) => c.ok);
}

/** What went wrong with a row, as text; empty when it passed. */
export function rowFailures(row: ScenarioRow): string[] {
  const failures = row.checks.filter((c) => !c.ok).map((c) => `${row.id}: ${c.name}: ${c.detail}`);
  if (!row.report.ok) failures.push(`${row.id}: ${formatReport(row.report)}`);
  return failures;
}

export const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

/** A valid event must never be dead-lettered: every scenario and the soak check it. */
export function noValidDeadLetter(report: ConservationReport): Check {
  const c = report.counts;
  return check(
    'no valid event was dead-lettered',
    c.deadLetteredValid['event-log'] + c.deadLetteredValid['state-projector'] === 0,
    `${c.deadLetteredValid['event-log']} / ${c.deadLetteredValid['state-projector']} valid events dead-lettered` +
      report.deadLetteredEvents.map((d) => `; ${d.consumer} ${d.eventId}: ${d.reason ?? 'no reason logged'}`).join(''),
  );
}

/** Checks every scenario makes. */
export function commonChecks(injected: number, report: ConservationReport, published: number, total: number): Check[] {
  return [
    check('the fault was injected', injected > 0, `${injected} injected`),
    check('SNS accepted every message', published === total, `${published.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} published`),
    noValidDeadLetter(report),
  ];
}

export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  const value = await work();
  return { value, seconds: (Date.now() - started) / 1000 };
}

export function applicationsOf(h: Harness, subjects: ReadonlySet<string>): number {
  return h.proxy.writes.applications.filter((a) => subjects.has(a.subject)).length;
}

export function staleOf(h: Harness, subjects: ReadonlySet<string>): number {
  let n = 0;
  for (const [subject, count] of h.proxy.writes.stale) if (subjects.has(subject)) n += count;
  return n;
}

export const subjectsOf = (messages: readonly PublishedMessage[]) => new Set(messages.map((m) => m.groupId));

/** Accepted messages whose event SNS had already accepted before: the duplicates actually published. */
export function republished(published: readonly PublishedMessage[]): number {
  const seen = new Set<string>();
  let n = 0;
  for (const m of published) {
    if (!m.event) continue;
    if (seen.has(m.event.id)) n++;
    else seen.add(m.event.id);
  }
  return n;
}

/** Accepted events that SNS accepted after a newer event of their subject: the reordering actually published. */
export function publishedLate(published: readonly PublishedMessage[]): number {
  const newest = new Map<string, number>();
  let n = 0;
  for (const m of published) {
    if (!m.event) continue;
    const sequence = Number(m.event.sequence);
    const before = newest.get(m.event.subject);
    if (before !== undefined && before > sequence) n++;
    else newest.set(m.event.subject, sequence);
  }
  return n;
}
