/** Renders a RunSummary as text for the terminal. */
import { formatDeliveryFailures } from '../cli/delivery-failures';
import { DIFFERENCES, formatDifference } from './differences';
import type { EventSourceRuntime } from './event-sources';
import type { BatchMessage } from './sqs-event';
import type { ApiSummary, RunSummary } from './summary';
import { formatHandlerMetrics } from './summary-metrics';

const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);
const MAX_VIOLATIONS_LISTED = 10;
const REASON_SOURCE = {
  'message attribute': 'from the failure.reason message attribute',
  'handler log': "from the function's log (the message has no failure.reason attribute)",
  none: 'no reason found',
} as const;
const messageName = (m: BatchMessage) => (m.eventId ? `${m.messageId} (event ${m.eventId})` : m.messageId);
const secs = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} s`;

export function formatSkipped(summary: Pick<RunSummary, 'skipped' | 'notes'>): string[] {
  const lines = [`Skipped ${summary.skipped.length} resources that do not matter locally:`];
  const byReason = new Map<string, string[]>();
  for (const s of summary.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), `${s.type} ${s.logicalId}`]);
  for (const [reason, resources] of byReason) {
    lines.push(`  ${reason}:`);
    resources.forEach((r) => lines.push(`    - ${r}`));
  }
  lines.push('Differences from AWS (docs/local-run.md):');
  DIFFERENCES.forEach((d) => lines.push(`  - ${formatDifference(d).replace(/\*\*/g, '')}`));
  if (summary.notes.length > 0) {
    lines.push('  In this template:');
    summary.notes.forEach((n) => lines.push(`  - ${n}`));
  }
  return lines;
}

/** The scaled times each event source runs with. */
export function formatTimings(sources: readonly Pick<EventSourceRuntime, 'fn' | 'queue' | 'timings'>[]): string[] {
  return [
    'Times in use (template x factor):',
    ...sources.map(
      ({ fn, queue, timings: t }) =>
        `  ${queue.logicalId} -> ${fn.logicalId}: function timeout ${ms(t.timeoutMs)}, visibility timeout ${ms(t.visibilityTimeoutMs)},` +
        ` batching window ${ms(t.batchingWindowMs)} (x${+t.factor.toPrecision(3)})`,
    ),
  ];
}

/** The demo's Events API part: what went through it, the answers by status and the request times. */
export function formatApiSummary(api: ApiSummary | undefined): string[] {
  if (!api) return [];
  const r = api.requests;
  const unexpected = api.invalid.filter((i) => i.status !== i.expected);
  return [
    '',
    `Events API ${api.api}, stage ${api.url}${api.apiKeyName ? `, key ${api.apiKeyName} as x-api-key` : ''}:`,
    `  ${api.subjects} subjects, every publish of each: ${api.publishes} publishes accepted (202)` +
      ` in ${r.batch} batch requests and ${r.single} single-event requests, ${r.retried} retried${api.failed ? `, ${api.failed} FAILED` : ''}`,
    `  ${r.invalid} invalid requests on top, not events of the scenario: ` +
      api.invalid.map((i) => `${i.request} -> ${i.status}${i.status === i.expected ? '' : ` (expected ${i.expected})`}`).join(', ') +
      (unexpected.length ? `; ${unexpected.length} NOT answered as expected` : ', as expected'),
    `  requests by status: ${Object.entries(api.byStatus).map(([status, n]) => `${status} x ${n}`).join(', ') || 'none'}`,
    `  request time p50 ${ms(api.latencyMs.p50)}, p99 ${ms(api.latencyMs.p99)} (measured by the local API Gateway, from a request's arrival to its answer)`,
  ];
}

export function formatSummary(s: RunSummary): string[] {
  const p = s.published;
  const notRun = s.notRun ?? [];
  const lines = [
    '',
    `Summary: stack ${s.stack} (${s.region}), ${s.synthesized ? 'synthesized just now' : 'read from the existing cloud assembly'}`,
    // With one topic to publish to, there is nothing to say; with several, which one the demo took.
    ...(s.topic && s.topic.topics > 1 ? [`  the demo published to topic ${s.topic.logicalId} (${s.topic.name}), one of ${s.topic.topics} topics with SQS subscriptions`] : []),
    `  time scale ${s.timeScale}: function timeouts, visibility timeouts and batching windows x${s.timeScale}` +
      ` (function timeouts no lower than 1 s: see each queue's factor below)`,
    `  published ${p.events} events (${p.malformed} malformed, ${p.outOfOrder} out of order) + ${p.duplicates} duplicate deliveries` +
      ` = ${p.publishes} publishes${s.api ? ` (${p.viaSns} through SNS PublishBatch, ${p.viaApi} through the Events API)` : ''}` +
      ` in ${secs(p.seconds)}${p.failed ? `, ${p.failed} FAILED` : ''}`,
    s.drained
      ? `  every valid event processed by every function${notRun.length ? ' that runs locally' : ''} after ${secs(s.processedSeconds)}:` +
        ` ${Math.round(s.eventsPerSecond)} events/s end to end`
      : `  NOT every event was processed: ${s.queues.reduce((n, q) => n + q.remaining, 0)} messages left` +
        ` (${s.queues.map((q) => `${q.queue} ${q.remaining}`).join(', ')}); no throughput is given for an unfinished run`,
    `  queues ${s.drained ? 'drained' : 'NOT drained'} after ${secs(s.seconds)}` +
      (s.queues.some((q) => q.failedAttempts > 0) ? ' (failed messages are retried until they succeed or are dead-lettered)' : ''),
    '',
    'Tables:',
    ...s.tables.map((t) => `  ${t.logicalId.padEnd(36)} ${String(t.items).padStart(7)} items   ${t.name}`),
    ...formatApiSummary(s.api),
    '',
    'Queues (latency = publish, i.e. SNS delivering into the queue, to the handler returning success for the message):',
  ];
  for (const q of s.queues) {
    lines.push(
      `  ${q.queue}${q.fifo ? ' (FIFO)' : ''} -> ${q.function}`,
      `    ${q.received} received, ${q.processed} processed` +
        `${q.deadLetteredByFunction ? ` (${q.deadLetteredByFunction} of them sent to the dead-letter queue by the function)` : ''},` +
        ` ${q.failedAttempts} failed attempts, ${q.remaining} left;` +
        ` ${q.invocations} invocations of ${q.meanBatchSize.toFixed(1)} records on average (batch size ${q.batchSize}` +
        `${q.reportBatchItemFailures ? ', partial batch responses' : ''})`,
      `    latency p50 ${ms(q.latencyMs.p50)}, p99 ${ms(q.latencyMs.p99)};` +
        ` visibility timeout ${ms(q.visibilityTimeoutMs)}, batching window ${ms(q.batchingWindowMs)}, function timeout ${ms(q.functionTimeoutMs)}` +
        ` (x${+q.timeFactor.toPrecision(3)})`,
    );
    if (q.redeliveredInFlight > 0 || q.staleDeletes > 0) {
      lines.push(
        `    ${q.redeliveredInFlight} messages delivered again while an invocation still held them (visibility timeout ended first);` +
          ` ${q.staleDeletes} deletes with an outdated receipt handle deleted nothing`,
      );
    }
    const dlq = q.deadLetterQueue;
    if (!dlq) continue;
    lines.push(`    dead-letter queue ${dlq.name}: ${dlq.messages} messages`);
    for (const d of dlq.listed) {
      lines.push(`      - ${d.messageId}${d.eventId ? ` (event ${d.eventId})` : ''}: ${d.reason} [${REASON_SOURCE[d.reasonSource]}]`);
    }
    if (dlq.listed.length < dlq.messages) {
      lines.push(`      (${dlq.messages - dlq.listed.length} more behind earlier messages of their FIFO group)`);
    }
  }
  lines.push(...formatDeliveryFailures(s.deliveryFailures ?? []));
  lines.push(...formatHandlerMetrics(s.metrics));
  if (s.orderingViolations.length > 0) {
    lines.push('', `ORDERING VIOLATIONS: ${s.orderingViolations.length} FIFO responses reported a success after a failure in the same message group.`);
    lines.push('  Lambda deletes every message the response does not list, so these were processed out of order:');
    for (const v of s.orderingViolations.slice(0, MAX_VIOLATIONS_LISTED)) {
      lines.push(
        `  - ${v.function}, group ${v.group}: failed ${v.failed.map(messageName).join(', ')}; then reported processed ${v.succeededAfter.map(messageName).join(', ')}`,
      );
    }
    if (s.orderingViolations.length > MAX_VIOLATIONS_LISTED) {
      lines.push(`  (${s.orderingViolations.length - MAX_VIOLATIONS_LISTED} more in --json)`);
    }
    lines.push('  A function on a FIFO queue must stop at a group\'s first failure and list the rest of the group as failed too.');
  }
  if (notRun.length > 0) {
    lines.push('', 'Not run locally (only Node.js functions run; their queues are not consumed, and the run did not wait for them):');
    for (const n of notRun) {
      lines.push(`  ${n.logicalId} (${n.runtime}), function ${n.function}`);
      for (const q of n.queues) lines.push(`    would consume ${q.logicalId} (${q.queue}): ${q.messages} messages waiting`);
      if (n.queues.length === 0) lines.push('    it has no enabled SQS event source');
    }
  }
  lines.push('', `End-to-end latency over all queues: p50 ${ms(s.latencyMs.p50)}, p99 ${ms(s.latencyMs.p99)}`);
  const stateTables = [...new Set(s.states.map((st) => st.table))];
  for (const table of stateTables) {
    lines.push('', stateTables.length > 1 ? `Final state of some subjects in ${String(table)}:` : 'Final state of some subjects:');
    for (const st of s.states.filter((x) => x.table === table)) {
      lines.push(
        st.sequence === undefined
          ? `  ${String(st.subject).padEnd(24)} no state yet`
          : `  ${String(st.subject).padEnd(24)} sequence ${String(st.sequence).padStart(4)}  ${String(st.type).padEnd(18)} event ${String(st.eventId)}`,
      );
    }
  }
  return lines;
}
