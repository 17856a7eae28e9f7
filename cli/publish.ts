/**
 * `publish FILE|-`: publishes events from NDJSON or a JSON array with the EventPublisher.
 */
import { type CloudEventInput, EventPublisher, type EventResult, type PublishReport, validateEvents } from '../publisher';
import { type Command, type ParsedArgs, integerOption } from './args';
import { type CliError, EXIT, explain } from './errors';
import { type InputEntry, parseEvents, readInput } from './input';
import { type CliIO, count, plural, writeJson } from './io';
import { Progress } from './progress';
import { type Target, required, resolveTarget } from './resources';

/** One event that did not go, for the summary. */
export interface PublishProblem {
  /** Line of the input the event starts on. */
  readonly line: number;
  readonly id?: string;
  readonly status: 'invalid' | 'failed';
  /** The envelope field at fault, for an invalid event. */
  readonly field?: string;
  /** SNS's error code, for a failed event. */
  readonly code?: string;
  readonly attempts?: number;
  readonly message: string;
}

/** What `publish --json` prints. */
export interface PublishSummary {
  readonly target: string | null;
  readonly dryRun: boolean;
  readonly total: number;
  readonly published: number;
  readonly valid: number;
  readonly invalid: number;
  readonly failed: number;
  /** PublishBatch calls the publisher made, retries included. */
  readonly publishBatchCalls: number;
  /** HTTP requests the SNS client sent, the SDK's own retries included. */
  readonly snsRequests: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Events whose `id`, `time` or `specversion` was filled in. */
  readonly filled: { readonly id: number; readonly time: number; readonly specversion: number };
  /** Events published after a later event of their subject (a retried partial failure). */
  readonly outOfOrder: number;
  /** Why publishing stopped early, when an error made every later call pointless. */
  readonly stopped: string | null;
  readonly problems: readonly PublishProblem[];
}

const SHOWN_PROBLEMS = 20;

export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish events from an NDJSON file or a JSON array',
  usage: 'publish FILE|- [--dry-run] [--concurrency N] [--no-fill] (--stack NAME | --local)',
  description: [
    'Publishes CloudEvents to the pipeline\'s topic with SNS PublishBatch (10 per call, by subject on parallel',
    'lanes, so each subject\'s events keep their order). FILE holds one event per line (NDJSON) or a JSON array;',
    '- reads stdin. Each event is validated first: an invalid one is reported as `line N: <field>: <reason>` and',
    'the rest still go. Absent id, time and specversion are filled in (a random UUID, now, "1.0") unless --no-fill.',
    'Ends with a summary; exits 1 if any event was not published.',
  ].join('\n'),
  options: {
    'dry-run': { type: 'boolean' },
    concurrency: { type: 'string' },
    'no-fill': { type: 'boolean' },
  },
  optionHelp: [
    ['--dry-run', 'validate only: no call is made and no target is needed'],
    ['--concurrency N', 'PublishBatch calls in flight at once, 1 to 64 (default 4)'],
    ['--no-fill', 'refuse events without id, time or specversion instead of filling them in'],
  ],
  needsTarget: true,
  positionals: { min: 1, max: 1 },
  run: runPublish,
};

async function runPublish({ values, positionals }: ParsedArgs, io: CliIO): Promise<number> {
  const dryRun = values['dry-run'] === true;
  const concurrency = integerOption(values, 'concurrency', 4, 1, 64);
  const fillDefaults = values['no-fill'] !== true;
  const wantsTarget = values.stack !== undefined || values.local === true;
  const target = dryRun && !wantsTarget ? undefined : await resolveTarget(values, io);
  try {
    const entries = parseEvents(await readInput(positionals[0], io));
    const summary = dryRun
      ? dryRunSummary(entries, fillDefaults, target)
      : await publishEntries(entries, target!, { concurrency, fillDefaults }, io);
    if (values.json) writeJson(io.stdout, summary);
    else io.stdout.write(formatSummary(summary));
    if (summary.stopped !== null && target) {
      const cause = stopCause(summary.stopped, target);
      io.stderr.write(`event-pipeline publish: ${cause.message}\n`);
      return cause.exitCode;
    }
    return summary.invalid + summary.failed > 0 ? EXIT.FAILED : EXIT.OK;
  } finally {
    target?.clients.destroy();
  }
}

/** Publishes the parsed entries to the target's topic. */
export async function publishEntries(
  entries: readonly InputEntry[],
  target: Target,
  options: { concurrency: number; fillDefaults: boolean },
  io: CliIO,
): Promise<PublishSummary> {
  const topicArn = required(target.topicArn, 'TopicArn', target);
  const events = entries.filter((e): e is Extract<InputEntry, { value: unknown }> => 'value' in e);
  const unparsable = entries.filter((e): e is Extract<InputEntry, { error: string }> => 'error' in e);
  const sns = target.clients.sns;
  let snsRequests = 0;
  sns.middlewareStack.add(
    (next) => async (args) => {
      snsRequests++;
      return next(args);
    },
    { step: 'deserialize', name: 'countSnsRequests', override: true },
  );
  const progress = new Progress(io.stderr, 'publishing', entries.length);
  const publisher = new EventPublisher({
    topicArn,
    client: sns,
    concurrency: options.concurrency,
    fillDefaults: options.fillDefaults,
    onProgress: (p) => {
      const notPublished = p.failed + p.invalid + unparsable.length;
      progress.update(p.published + notPublished, notPublished > 0 ? `${count(notPublished)} not published` : '');
    },
  });
  const report = await publisher.publish(events.map((e) => e.value as CloudEventInput));
  progress.done();
  return summarize(target.label, false, entries, events, report, snsRequests);
}

function dryRunSummary(entries: readonly InputEntry[], fillDefaults: boolean, target: Target | undefined): PublishSummary {
  const events = entries.filter((e): e is Extract<InputEntry, { value: unknown }> => 'value' in e);
  const { prepared, invalid } = validateEvents(
    events.map((e) => e.value as CloudEventInput),
    { fillDefaults },
  );
  const results: EventResult[] = [...invalid];
  const report: PublishReport = { results, published: 0, failed: 0, invalid: invalid.length, calls: 0, durationMs: 0 };
  const summary = summarize(target?.label ?? null, true, entries, events, report, 0);
  return {
    ...summary,
    valid: prepared.length,
    filled: {
      id: prepared.filter((p) => p.filled.includes('id')).length,
      time: prepared.filter((p) => p.filled.includes('time')).length,
      specversion: prepared.filter((p) => p.filled.includes('specversion')).length,
    },
  };
}

function summarize(
  target: string | null,
  dryRun: boolean,
  entries: readonly InputEntry[],
  events: readonly { line: number }[],
  report: PublishReport,
  snsRequests: number,
): PublishSummary {
  const problems: PublishProblem[] = [];
  for (const entry of entries) {
    if ('error' in entry) problems.push({ line: entry.line, status: 'invalid', field: 'body', message: entry.error });
  }
  const published = report.results.filter((r) => r?.status === 'published');
  for (const result of report.results) {
    if (!result || result.status === 'published') continue;
    const line = events[result.index].line;
    if (result.status === 'invalid') {
      problems.push({ line, id: result.id, status: 'invalid', field: result.error.field, message: result.error.message });
    } else {
      problems.push({
        line,
        id: result.id,
        status: 'failed',
        code: result.failure.code,
        attempts: result.attempts,
        message: result.failure.message,
      });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  const seconds = report.durationMs / 1000;
  const filled = (field: 'id' | 'time' | 'specversion') =>
    published.filter((r) => r.status === 'published' && r.filled.includes(field)).length;
  return {
    target,
    dryRun,
    total: entries.length,
    published: report.published,
    valid: entries.length - problems.filter((p) => p.status === 'invalid').length,
    invalid: problems.filter((p) => p.status === 'invalid').length,
    failed: report.failed,
    publishBatchCalls: report.calls,
    snsRequests,
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(report.published / seconds) : 0,
    filled: { id: filled('id'), time: filled('time'), specversion: filled('specversion') },
    outOfOrder: published.filter((r) => r.status === 'published' && r.outOfOrder).length,
    stopped: report.stoppedBy ? `${report.stoppedBy.code}: ${report.stoppedBy.message}` : null,
    problems,
  };
}

/** The error that stopped publishing, as the operator should read it. */
function stopCause(stopped: string, target: Target): CliError {
  const [code, ...rest] = stopped.split(': ');
  return explain(Object.assign(new Error(rest.join(': ')), { name: code, code }), target.errorContext);
}

/** The human summary. */
export function formatSummary(s: PublishSummary): string {
  const lines: string[] = [];
  if (s.dryRun) {
    lines.push(`Dry run: ${count(s.valid)} of ${plural(s.total, 'event')} valid; nothing was published.`);
  } else {
    lines.push(
      `Published ${count(s.published)} of ${plural(s.total, 'event')} to ${s.target} in ${s.seconds.toFixed(2)} s ` +
        `(${count(s.eventsPerSecond)} events/s, ${plural(s.publishBatchCalls, 'PublishBatch call')}, ${plural(s.snsRequests, 'SNS request')}).`,
    );
  }
  if (s.problems.length > 0) {
    const reasons = new Map<string, number>();
    for (const p of s.problems) {
      const reason = p.status === 'invalid' ? `invalid ${p.field}` : p.code ?? 'failed';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const why = [...reasons].map(([reason, n]) => `${count(n)} ${reason}`).join(', ');
    lines.push(`Not published: ${count(s.problems.length)} (${why}):`);
    for (const p of s.problems.slice(0, SHOWN_PROBLEMS)) {
      const id = p.id !== undefined && p.status === 'failed' ? ` (${p.id})` : '';
      const attempts = p.status === 'failed' && p.attempts ? ` after ${plural(p.attempts, 'attempt')}` : '';
      lines.push(`  line ${p.line}${id}: ${p.status === 'failed' ? `${p.code}${attempts}: ` : ''}${p.message}`);
    }
    if (s.problems.length > SHOWN_PROBLEMS) lines.push(`  … and ${count(s.problems.length - SHOWN_PROBLEMS)} more (all of them with --json)`);
  }
  const filled = (['id', 'time', 'specversion'] as const).filter((f) => s.filled[f] > 0);
  if (filled.length > 0) {
    lines.push(`Filled in: ${filled.map((f) => `${f} for ${plural(s.filled[f], 'event')}`).join(', ')}.`);
    if (s.filled.id > 0 && !s.dryRun) lines.push('  Events without an id got a new one: publishing the file again publishes them again.');
  }
  if (s.outOfOrder > 0) {
    lines.push(
      `Warning: ${plural(s.outOfOrder, 'event was', 'events were')} published after a later event of the same subject (retried after a partial batch failure).`,
    );
  }
  return `${lines.join('\n')}\n`;
}
