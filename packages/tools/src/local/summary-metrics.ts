/**
 * The handler metrics part of the summary: what the functions published as EMF lines during the
 * run, per consumer, in total and per second, and how it reads as text.
 */
import { type EmfMetrics, type EmfProblem, HANDLER_METRICS, type OtherMetric, eventsHandled } from '../cli/emf';
import { sparkline } from './metrics-chart';

export interface ConsumerMetricsSummary {
  readonly namespace: string;
  /** The `Pipeline` and `Consumer` dimensions. */
  readonly pipeline: string;
  readonly consumer: string;
  /** The functions that printed them, by name (as `queues[].function`). */
  readonly functions: string[];
  /** Metric documents: a default handler prints one per invocation. */
  readonly invocations: number;
  /** Each metric's sum over the run, the handlers' metrics first. */
  readonly totals: Record<string, number>;
  /** Each metric's sum per second of the run: index i is second `firstSecond + i`. */
  readonly perSecond: Record<string, number[]>;
  /** Per second: the events handled, EventsStored + DuplicatesSkipped + EventsSuperseded + EventsDeadLettered. */
  readonly eventsPerSecond: number[];
}

export interface HandlerMetricsSummary {
  /** Where the metrics were read. */
  readonly source: string;
  /** Valid metric documents read. */
  readonly documents: number;
  /**
   * The first second of the per-second series, in seconds since the epoch: the whole second of
   * the first publish (or of an earlier document). Seconds are whole clock seconds, as
   * CloudWatch's 1-second periods.
   */
  readonly firstSecond: number;
  /** Length of every per-second series: up to the second the queues drained (or of a later document). */
  readonly seconds: number;
  readonly consumers: ConsumerMetricsSummary[];
  /** Metrics of other dimension sets than Pipeline and Consumer, summed. */
  readonly other: OtherMetric[];
  /** Metric documents that break the format: not counted. Up to 20 are listed. */
  readonly malformed: { readonly count: number; readonly listed: EmfProblem[] };
}

export interface MetricsWindow {
  /** The run's first publish and its end (drained or given up), in milliseconds since the epoch. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Function logical id -> function name, in the template's order. */
  readonly functionNames: ReadonlyMap<string, string>;
  readonly source: string;
}

export function summarizeMetrics(metrics: EmfMetrics, window: MetricsWindow): HandlerMetricsSummary {
  // In the order of the functions that printed them (the template's), as the queues are listed.
  const functions = [...window.functionNames.keys()];
  const rank = (sources: readonly string[]) => Math.min(...sources.map((s) => (functions.includes(s) ? functions.indexOf(s) : functions.length)));
  const consumers = metrics.consumers().sort((a, b) => rank(a.sources) - rank(b.sources));
  const seconds = consumers.flatMap((c) => c.seconds.map((s) => s.second));
  const firstSecond = Math.min(Math.floor(window.startedAt / 1000), ...seconds);
  const length = Math.max(Math.floor(window.endedAt / 1000), ...seconds) - firstSecond + 1;
  const order = (names: string[]) => {
    const known = HANDLER_METRICS.filter((n) => names.includes(n));
    return [...known, ...names.filter((n) => !known.includes(n)).sort()];
  };
  return {
    source: window.source,
    documents: metrics.documents,
    firstSecond,
    seconds: length,
    consumers: consumers.map((c) => {
      const names = order(Object.keys(c.totals));
      const perSecond = Object.fromEntries(names.map((n) => [n, new Array<number>(length).fill(0)]));
      const handled = new Array<number>(length).fill(0);
      for (const { second, sums } of c.seconds) {
        for (const [name, sum] of Object.entries(sums)) perSecond[name][second - firstSecond] += sum;
        handled[second - firstSecond] += eventsHandled(sums);
      }
      return {
        namespace: c.namespace,
        pipeline: c.pipeline,
        consumer: c.consumer,
        functions: c.sources.map((s) => window.functionNames.get(s) ?? s),
        invocations: c.documents,
        totals: Object.fromEntries(names.map((n) => [n, c.totals[n]])),
        perSecond,
        eventsPerSecond: handled,
      };
    }),
    other: metrics.others(),
    malformed: { count: metrics.malformed, listed: [...metrics.problems] },
  };
}

const MAX_OTHERS_LISTED = 10;

/** The summary's lines for the handler metrics; none when no function printed any. */
export function formatHandlerMetrics(m: HandlerMetricsSummary | undefined): string[] {
  if (!m || (m.documents === 0 && m.malformed.count === 0)) return [];
  const lines = ['', `Handler metrics (EMF documents in the functions' logs, read as CloudWatch reads them; ${m.source}):`];
  const peak = Math.max(0, ...m.consumers.flatMap((c) => c.eventsPerSecond));
  const width = Math.max(0, ...m.consumers.map((c) => c.consumer.length));
  for (const c of m.consumers) {
    lines.push(
      `  ${c.consumer} (pipeline ${c.pipeline}, namespace ${c.namespace}): ${c.invocations} invocations of ${c.functions.join(', ')}`,
      `    ${Object.entries(c.totals).map(([name, n]) => `${name} ${n}`).join(', ')}`,
    );
  }
  if (m.consumers.length > 0) {
    lines.push(`  events handled per second (stored, duplicates, superseded, dead-lettered), second 0 to ${m.seconds - 1} of the run:`);
    for (const c of m.consumers) {
      const top = Math.max(0, ...c.eventsPerSecond);
      const at = top > 0 ? `peak ${top}/s at second ${c.eventsPerSecond.indexOf(top)}` : 'no events handled';
      lines.push(`    ${c.consumer.padEnd(width)}  ${sparkline(c.eventsPerSecond, peak)}  ${at}`);
    }
  }
  for (const o of m.other.slice(0, MAX_OTHERS_LISTED)) {
    const dims = Object.entries(o.dimensions).map(([k, v]) => `${k}=${v}`).join(', ');
    lines.push(`  ${o.namespace} ${o.name}${dims ? ` {${dims}}` : ''}: ${o.sum} (${o.unit}, ${o.samples} samples)`);
  }
  if (m.other.length > MAX_OTHERS_LISTED) lines.push(`  (${m.other.length - MAX_OTHERS_LISTED} more metrics of other dimensions in --json)`);
  if (m.malformed.count > 0) {
    lines.push(`  ${m.malformed.count} MALFORMED metric documents, not counted (CloudWatch would reject them):`);
    for (const p of m.malformed.listed) lines.push(`    - ${p.source} line ${p.line}: ${p.reason}`);
    if (m.malformed.listed.length < m.malformed.count) lines.push(`    (${m.malformed.count - m.malformed.listed.length} more)`);
  }
  return lines;
}
