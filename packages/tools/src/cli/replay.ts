/**
 * `replay --subject S [--reset-state]`: publishes a subject's events again
 * from the events table, in sequence order, so that the state projector
 * rebuilds the subject's state. `replay --since T --consumer NAME`: replays a
 * time window of the topic's archive into one subscription (archive-replay.ts).
 */
import { DeleteCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { type CloudEventInput, EventPublisher, type PublishReport } from 'cdk-event-pipeline-publisher';
import { type ArchiveReplaySummary, parseTime, replayArchive } from './archive-replay';
import { type Command, type ParsedArgs, type Values, integerOption, stringOption } from './args';
import { CliError, EXIT, explain } from './errors';
import { type CliIO, count, plural, writeJson } from './io';
import { Progress } from './progress';
import { type Target, chooseTopic, required, resolveTarget } from './resources';

/** The events table's subject index and the state table's key (EventsTableSchema.SUBJECT_INDEX, StateTableSchema.PARTITION_KEY in lib/). */
export const SUBJECT_INDEX = 'bySubject';
const STATE_KEY = 'subject';

/** What `replay --json` prints. */
export interface ReplaySummary {
  readonly subject: string;
  readonly runId: string;
  readonly dryRun: boolean;
  readonly events: number;
  /** The first and last sequence replayed. */
  readonly sequences: readonly [number, number] | null;
  /** With --reset-state: the sequence of the state item deleted, null when there was none. */
  readonly resetState: { readonly deletedSequence: number | null } | null;
  readonly published: number;
  /** Every event not published: refused by the topic (`failed`), maybe published (`unknown`), or never sent (`not-sent`). */
  readonly failed: readonly {
    readonly id: string;
    readonly status: 'invalid' | 'failed' | 'unknown' | 'not-sent';
    readonly code: string;
    readonly message: string;
  }[];
  readonly publishBatchCalls: number;
  /** Ctrl-C: no batch was started after it. */
  readonly interrupted: boolean;
}

export const replayCommand: Command = {
  name: 'replay',
  summary: "publish a subject's events again from the events table, or replay a time window of the topic's archive into one consumer",
  usage:
    'replay (--subject S [--reset-state] | --since T [--until T] --consumer NAME) [--dry-run] (--stack NAME | --local)',
  description: [
    'Reads a subject\'s events from the events table (the bySubject index, in sequence order) and publishes them',
    'again, to rebuild the subject\'s state after a bug fix. With --reset-state the subject\'s state item is deleted',
    'first, so that the state projector rebuilds it from the first event; without it, the projector skips every',
    'event not newer than the state it has.',
    '',
    'Event ids stay the same, so the event log rewrites the same items. Each replay sends its own deduplication',
    'ids, `<event id>:replay:<run id>`, so that the topic\'s 5-minute deduplication window does not drop it.',
    'Only the fields the events table keeps are replayed: specversion, id, source, type, subject, sequence, time, data.',
    '',
    'With --since T and --consumer NAME, SNS replays the messages its FIFO topic archived from T (to --until T, else',
    'up to now and on) into that one subscription: the subscription\'s ReplayPolicy is set, and its ReplayStatus is',
    'read until the replay is Completed (or Failed). The topic needs an archive (messageRetentionPeriodInDays).',
    'Replayed messages keep their body, attributes, group and deduplication ids, and get the Replayed attribute.',
    'A replay with --until pauses the subscription once it completes (SNS stops delivering new messages to it);',
    'the CLI then resumes delivery with a replay from --until on, unless --keep-paused.',
  ].join('\n'),
  options: {
    subject: { type: 'string', short: 's' },
    'reset-state': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    concurrency: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    consumer: { type: 'string', short: 'c' },
    topic: { type: 'string' },
    'no-wait': { type: 'boolean' },
    'keep-paused': { type: 'boolean' },
    interval: { type: 'string' },
    timeout: { type: 'string' },
  },
  optionHelp: [
    ['-s, --subject S', 'the subject to replay (required)'],
    ['--reset-state', "delete the subject's state item first, so that it is rebuilt from the first event"],
    ['--since T', "replay the topic's archive from T into --consumer: ISO 8601, a date, today, yesterday, or a time ago (6h, 2d)"],
    ['--until T', 'end of the window (the subscription pauses at the end; the CLI resumes it, see --keep-paused)'],
    ['-c, --consumer NAME', 'the subscription to replay into: event-log, state-projector, or an added consumer'],
    ['--topic NAME', 'the topic, when the target has several'],
    ['--no-wait', 'return once the replay is started (with --until, only with --keep-paused)'],
    ['--keep-paused', 'with --until: leave the subscription paused after the replay'],
    ['--interval S', 'seconds between two reads of ReplayStatus (default 5; 0.05 on the local run)'],
    ['--timeout S', 'stop following after S seconds (default 3600); the replay goes on'],
    ['--dry-run', 'say what would be replayed; change nothing'],
  ],
  needsTarget: true,
  positionals: { min: 0, max: 0 },
  run: runReplay,
};

async function runReplay(args: ParsedArgs, io: CliIO): Promise<number> {
  const { values } = args;
  const archiveOptions = (['since', 'until', 'consumer', 'topic', 'no-wait', 'keep-paused', 'interval', 'timeout'] as const).filter(
    (o) => values[o] !== undefined,
  );
  if (values.subject !== undefined && archiveOptions.length > 0) {
    throw new CliError(`--subject replays from the events table; --${archiveOptions[0]} is for a replay of the topic's archive (--since): give one or the other`, EXIT.USAGE);
  }
  if (values.subject === undefined && archiveOptions.length > 0) return runArchiveReplay(values, io);
  const subject = stringOption(values, 'subject');
  if (!subject) {
    throw new CliError("--subject S (from the events table) or --since T --consumer NAME (from the topic's archive) is required", EXIT.USAGE);
  }
  const concurrency = integerOption(values, 'concurrency', 1, 1, 64);
  const target = await resolveTarget(values, io);
  try {
    const summary = await replaySubject(target, subject, {
      resetState: values['reset-state'] === true,
      dryRun: values['dry-run'] === true,
      concurrency,
      io,
    }).catch((error: unknown) => {
      throw explain(error, target.errorContext);
    });
    if (values.json) writeJson(io.stdout, { target: target.label, ...summary });
    else io.stdout.write(formatReplay(summary));
    if (summary.interrupted) return EXIT.INTERRUPTED;
    return summary.failed.length > 0 ? EXIT.FAILED : EXIT.OK;
  } finally {
    target.clients.destroy();
  }
}

async function runArchiveReplay(values: Values, io: CliIO): Promise<number> {
  const sinceText = stringOption(values, 'since');
  if (sinceText === undefined) throw new CliError('--since T is required for a replay of the topic\'s archive', EXIT.USAGE);
  const consumer = stringOption(values, 'consumer');
  if (!consumer) {
    throw new CliError('--consumer NAME is required with --since: a replay goes to one subscription (event-log, state-projector, ...)', EXIT.USAGE);
  }
  if (values['reset-state'] !== undefined) throw new CliError('--reset-state applies to --subject only', EXIT.USAGE);
  const now = Date.now();
  const since = parseTime('since', sinceText, now);
  const untilText = stringOption(values, 'until');
  const until = untilText === undefined ? undefined : parseTime('until', untilText, now);
  if (since.getTime() > now) throw new CliError(`--since ${sinceText}: ${since.toISOString()} is in the future`, EXIT.USAGE);
  if (until && until.getTime() <= since.getTime()) {
    throw new CliError(`--until ${untilText}: ${until.toISOString()} is not after --since (${since.toISOString()})`, EXIT.USAGE);
  }
  if (until && until.getTime() > now) throw new CliError(`--until ${untilText}: ${until.toISOString()} is in the future`, EXIT.USAGE);
  if (values['keep-paused'] !== undefined && !until) throw new CliError('--keep-paused applies to --until only: without it nothing pauses', EXIT.USAGE);
  if (values['no-wait'] && until && !values['keep-paused']) {
    throw new CliError('--no-wait with --until needs --keep-paused: the CLI resumes the paused subscription once the replay completes, so it must wait', EXIT.USAGE);
  }
  const target = await resolveTarget(values, io, { stackResources: true });
  try {
    const seconds = (name: string, fallback: number) => {
      const text = stringOption(values, name);
      const n = text === undefined ? fallback : Number(text);
      if (!Number.isFinite(n) || n < 0 || n > 86_400) throw new CliError(`--${name} ${text}: must be a number of seconds from 0 to 86400`, EXIT.USAGE);
      return n;
    };
    const intervalMs = seconds('interval', target.kind === 'local' ? 0.05 : 5) * 1000;
    const timeoutMs = seconds('timeout', 3600) * 1000;
    const topic = chooseTopic(target, stringOption(values, 'topic'));
    const summary = await replayArchive(target, {
      topicArn: topic.arn,
      consumer,
      since,
      until,
      dryRun: values['dry-run'] === true,
      wait: values['no-wait'] !== true,
      resume: values['keep-paused'] !== true,
      intervalMs,
      timeoutMs,
      io,
    }).catch((error: unknown) => {
      throw explain(error, target.errorContext);
    });
    if (values.json) writeJson(io.stdout, { target: target.label, ...summary });
    else io.stdout.write(formatArchiveReplay(summary));
    if (summary.stoppedFollowing === 'interrupted') return EXIT.INTERRUPTED;
    const failed = [summary.replay, summary.resume].some((r) => r && (r.status === 'Failed' || (!summary.dryRun && r.status !== 'Completed' && r.status !== 'not followed')));
    return failed ? EXIT.FAILED : EXIT.OK;
  } finally {
    target.clients.destroy();
  }
}

export function formatArchiveReplay(s: ArchiveReplaySummary): string {
  const window = `from ${s.since}${s.until ? ` to ${s.until}` : ' on (up to now, then live)'}`;
  const lines: string[] = [];
  if (s.dryRun) {
    lines.push(`Dry run: would replay the topic's archive ${window} into ${s.consumer} (${s.subscriptionArn}); nothing changed.`);
    lines.push(`  ReplayPolicy: ${s.replay.policy}`);
  } else {
    const status = s.replay.status === 'not followed' ? 'started, not followed (--no-wait)' : s.replay.status;
    lines.push(`Replay of the topic's archive ${window} into ${s.consumer}: ${status}.`);
    lines.push(`  ReplayPolicy: ${s.replay.policy}`);
    if (s.replay.statuses.length > 0) lines.push(`  ReplayStatus: ${s.replay.statuses.map((x) => `${x.status} (${x.afterSeconds} s)`).join(' -> ')}`);
    if (s.resume) lines.push(`Resumed delivery from ${s.until} (the replay with an ending point paused the subscription): ${s.resume.status}.`);
    if (s.paused) lines.push(`The subscription is paused (--keep-paused): new messages are not delivered to ${s.consumer} until a replay policy without an ending point is set.`);
    if (s.stoppedFollowing === 'timeout') lines.push('Stopped following after --timeout: the replay goes on; run the command again with the same window to follow it, or read ReplayStatus.');
    if (s.stoppedFollowing === 'interrupted') lines.push('Interrupted: the replay goes on in SNS; read the subscription\'s ReplayStatus to follow it.');
  }
  if (s.beginningArchiveTime && Date.parse(s.beginningArchiveTime) > Date.parse(s.since)) {
    lines.push(`Note: the archive begins at ${s.beginningArchiveTime}: nothing before it is replayed.`);
  }
  return `${lines.join('\n')}\n`;
}

export async function replaySubject(
  target: Target,
  subject: string,
  options: { resetState: boolean; dryRun: boolean; concurrency?: number; io?: CliIO; runId?: string },
): Promise<ReplaySummary> {
  const eventsTable = required(target.tables.events, 'EventsTableName', target);
  const stateTable = options.resetState ? required(target.tables.state, 'StateTableName', target) : undefined;
  const topicArn = options.dryRun ? undefined : required(target.topicArn, 'TopicArn', target);
  const runId = options.runId ?? replayRunId();
  const events = await subjectEvents(target, eventsTable, subject);
  if (events.length === 0) {
    throw new CliError(`no events of subject ${JSON.stringify(subject)} in ${eventsTable}: nothing to replay`, EXIT.FAILED);
  }
  const sequences = [Number(events[0].sequence), Number(events[events.length - 1].sequence)] as const;
  const base = { subject, runId, events: events.length, sequences };
  if (options.dryRun) {
    return { ...base, dryRun: true, resetState: null, published: 0, failed: [], publishBatchCalls: 0, interrupted: false };
  }
  let resetState: ReplaySummary['resetState'] = null;
  if (stateTable) {
    const { Attributes } = await target.clients.documents.send(
      new DeleteCommand({ TableName: stateTable, Key: { [STATE_KEY]: subject }, ReturnValues: 'ALL_OLD' }),
    );
    resetState = { deletedSequence: typeof Attributes?.sequence === 'number' ? Attributes.sequence : null };
  }
  const progress = options.io ? new Progress(options.io.stderr, 'replayed', events.length) : undefined;
  const report: PublishReport = await new EventPublisher({
    topicArn: topicArn!,
    client: target.clients.sns,
    concurrency: options.concurrency ?? 1,
    fillDefaults: false,
    deduplicationId: (event) => `${event.id}:replay:${runId}`,
    onProgress: (p) => progress?.update(p.published + p.failed + p.unknown + p.notSent + p.invalid),
  }).publish(events, { signal: options.io?.signal });
  progress?.done();
  return {
    ...base,
    dryRun: false,
    resetState,
    published: report.published,
    failed: report.results
      .filter((r) => r.status !== 'published')
      .map((r) =>
        r.status === 'invalid'
          ? { id: r.id ?? '', status: r.status, code: 'Invalid', message: r.error.message }
          : { id: r.id, status: r.status, code: r.failure.code, message: r.failure.message },
      ),
    publishBatchCalls: report.calls,
    interrupted: report.interrupted,
  };
}

/** A subject's events from the `bySubject` index, in sequence order, as CloudEvents. */
export async function subjectEvents(target: Target, tableName: string, subject: string): Promise<CloudEventInput[]> {
  const events: CloudEventInput[] = [];
  let start: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const out = await target.clients.documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: SUBJECT_INDEX,
        KeyConditionExpression: '#subject = :subject',
        ExpressionAttributeNames: { '#subject': 'subject' },
        ExpressionAttributeValues: { ':subject': subject },
        ScanIndexForward: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) events.push(toEvent(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return events;
}

/** An events table item back to the event it was written from. */
function toEvent(item: Record<string, unknown>): CloudEventInput {
  return {
    specversion: item.specversion as '1.0',
    id: item.id as string,
    source: item.source as string,
    type: item.type as string,
    subject: item.subject as string,
    sequence: item.sequence as number,
    ...(item.time !== undefined ? { time: item.time as string } : {}),
    ...(item.data !== undefined ? { data: item.data } : {}),
  };
}

/** `20251121T130620123Z`: the start time to the millisecond, sortable and distinct for each replay. */
export function replayRunId(now: Date = new Date()): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

export function formatReplay(s: ReplaySummary): string {
  const range = s.sequences ? `sequence ${s.sequences[0]} to ${s.sequences[1]}` : '';
  const lines: string[] = [];
  if (s.dryRun) {
    lines.push(`Dry run: would replay ${plural(s.events, 'event')} of ${s.subject} (${range}); nothing changed.`);
  } else {
    if (s.resetState) {
      lines.push(
        s.resetState.deletedSequence === null
          ? `Reset state: ${s.subject} had no state item.`
          : `Reset state: deleted the state of ${s.subject} (it was at sequence ${s.resetState.deletedSequence}).`,
      );
    }
    lines.push(
      `Replayed ${count(s.published)} of ${plural(s.events, 'event')} of ${s.subject} (${range}) as run ${s.runId}, ` +
        `in ${plural(s.publishBatchCalls, 'PublishBatch call')}.`,
    );
    for (const f of s.failed) lines.push(`  ${f.status === 'not-sent' ? 'not sent' : f.status} ${f.id}: ${f.code}: ${f.message}`);
    if (s.failed.some((f) => f.status === 'unknown')) {
      lines.push('  unknown: the call may have reached the topic; replaying again is safe (the consumers write by id and sequence).');
    }
    if (s.interrupted) {
      lines.push(`Interrupted: ${count(s.published)} of ${plural(s.events, 'event')} replayed; run the replay again to finish (it sends all of them again).`);
    }
  }
  return `${lines.join('\n')}\n`;
}
