/**
 * `publish FILE|-`: publishes events from NDJSON or a JSON array with the EventPublisher,
 * to the topic with SNS PublishBatch, or through the Events API (`--api`).
 */
import {
  type CloudEventInput,
  DuplicateIdError,
  EventPublisher,
  type EventPublisherOptions,
  type EventResult,
  type EventsApiOptions,
  type PublishFailure,
  type PublishReport,
  validateEvents,
} from 'cdk-event-pipeline-publisher';
import { regionOfApiHost } from 'cdk-event-pipeline-publisher';
import { BIN, type Command, type ParsedArgs, type Values, integerOption, stringOption } from './args';
import { CliError, type ErrorContext, EXIT, explain } from './errors';
import { type InputEntry, parseEvents, readInput } from './input';
import { type CliIO, count, plural, writeJson } from './io';
import { Progress } from './progress';
import { type Target, chooseTopic, resolveTarget } from './resources';

/** One event that did not go, for the summary. */
export interface PublishProblem {
  /** Line of the input the event starts on. */
  readonly line: number;
  readonly id?: string;
  /**
   * `invalid`: refused before sending; `failed`: the topic refused it; `unknown`: a call that carried it
   * may have reached the topic; `not-sent`: never sent. See docs/cli.md.
   */
  readonly status: 'invalid' | 'failed' | 'unknown' | 'not-sent';
  /** The envelope field at fault, for an invalid event. */
  readonly field?: string;
  /**
   * SNS's error code, the Events API's (`BadRequest`, `Throttled`, `INVALID_API_KEY`, `HTTP<status>`),
   * or the publisher's (`Skipped`, `NotSent`, `Interrupted`), for an event sent or not sent.
   */
  readonly code?: string;
  readonly attempts?: number;
  /** Whether publishing it again may succeed and is safe (not for invalid events: fix them first). */
  readonly retryable?: boolean;
  readonly message: string;
}

/** What `publish --json` prints. */
export interface PublishSummary {
  readonly target: string | null;
  /** `sns`: SNS PublishBatch with the SDK; `events-api`: POST /events over HTTP (`--api`). */
  readonly via: 'sns' | 'events-api';
  readonly dryRun: boolean;
  readonly total: number;
  readonly published: number;
  readonly valid: number;
  readonly invalid: number;
  /** Refused by the topic. */
  readonly failed: number;
  /** May or may not have been published (the answer was lost): safe to publish again. */
  readonly unknown: number;
  /** Never sent (held back behind a failed event of their subject, stopped, interrupted). */
  readonly notSent: number;
  /** PublishBatch calls the publisher made, retries included (0 through the Events API). */
  readonly publishBatchCalls: number;
  /** HTTP requests the SNS client sent, the SDK's own retries included (0 through the Events API). */
  readonly snsRequests: number;
  /** POST /events requests sent to the Events API, retries included (0 with SNS). */
  readonly apiRequests: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Events whose `id`, `time` or `specversion` was filled in. */
  readonly filled: { readonly id: number; readonly time: number; readonly specversion: number };
  /** Events published after a later event of their subject (a retried partial failure). */
  readonly outOfOrder: number;
  /** Why publishing stopped early, when an error made every later call pointless. */
  readonly stopped: string | null;
  /** Ctrl-C: no batch was started after it; the calls in flight were awaited. */
  readonly interrupted: boolean;
  readonly problems: readonly PublishProblem[];
}

const SHOWN_PROBLEMS = 20;

export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish events from an NDJSON file or a JSON array',
  usage: 'publish FILE|- [--dry-run] [--concurrency N] [--no-fill] [--topic NAME] (--stack NAME [--api] | --local [--api] | --api URL) [--api-key KEY] [--sigv4]',
  description: [
    'Publishes CloudEvents to the pipeline\'s topic with SNS PublishBatch (10 per call, by subject on parallel',
    'lanes, so each subject\'s events keep their order). FILE holds one event per line (NDJSON) or a JSON array;',
    '- reads stdin. Each event is validated first: an invalid one is reported as `line N: <field>: <reason>` and',
    'the rest still go. Absent id, time and specversion are filled in (a random UUID, now, "1.0") unless --no-fill.',
    'Two events with one id and different content are both refused. Ends with a summary of each event not published:',
    'failed (the topic refused it), unknown (the call may have reached the topic; safe to publish again) or not sent.',
    'Exits 1 if any event was not published. Ctrl-C stops at the next batch, says which lines to publish again, exits 130.',
    '',
    'With --api, the events go through the Events API over HTTP instead (POST /events, 10 per request), with the same',
    'validation, retries, summary and exit codes: --api URL alone needs no AWS access but the key or the signature;',
    '--stack NAME --api or --local --api use the API of that pipeline (output EventsApiUrl; the local run\'s',
    'EVENTS_API_URL and EVENTS_API_KEY).',
  ].join('\n'),
  options: {
    'dry-run': { type: 'boolean' },
    topic: { type: 'string' },
    concurrency: { type: 'string' },
    'no-fill': { type: 'boolean' },
    api: { type: 'string' },
    'api-key': { type: 'string' },
    sigv4: { type: 'boolean' },
  },
  optionHelp: [
    ['--dry-run', 'validate only: no call is made and no target is needed'],
    ['--topic NAME', 'the topic, needed when there are several (pipelines): orders for ORDERS_TOPIC_ARN, or its ARN or name'],
    ['--concurrency N', 'PublishBatch calls (or API requests) in flight at once, 1 to 64 (default 4)'],
    ['--no-fill', 'refuse events without id, time or specversion instead of filling them in'],
    ['--api [URL]', 'publish through the Events API: its stage URL, or none with --stack/--local (their API)'],
    ['--api-key KEY', 'with --api: the API key, sent as x-api-key (default: EVENTS_API_KEY; the local run\'s own)'],
    ['--sigv4', 'with --api: sign with SigV4 (IAM), with the AWS credentials; --region if the URL has none'],
  ],
  needsTarget: true,
  optionalValues: ['api'],
  positionals: { min: 1, max: 1 },
  run: runPublish,
};

async function runPublish({ values, positionals }: ParsedArgs, io: CliIO): Promise<number> {
  const dryRun = values['dry-run'] === true;
  const concurrency = integerOption(values, 'concurrency', 4, 1, 64);
  const fillDefaults = values['no-fill'] !== true;
  if (values.stack !== undefined && values.local === true) throw new CliError('give --stack or --local, not both', EXIT.USAGE);
  const api = apiChoice(values);
  const topic = stringOption(values, 'topic');
  if (topic !== undefined && api) throw new CliError('--topic applies to SNS publishing: through --api, the events go to the API\'s own topic', EXIT.USAGE);
  // The input first: a missing file is a usage error, whether or not the pipeline answers.
  const entries = parseEvents(await readInput(positionals[0], io));
  if (dryRun) {
    // A dry run validates only: it reads no endpoints file and calls nothing.
    const summary = dryRunSummary(entries, fillDefaults, api !== undefined);
    writeSummary(summary, values.json === true, io);
    return summary.invalid > 0 ? EXIT.FAILED : EXIT.OK;
  }
  const target = api?.url ? undefined : await resolveTarget(values, io);
  try {
    const destination = target ? targetDestination(target, api, topic, io) : urlDestination(api!, values, io);
    const { summary, stoppedBy } = await publishEntries(entries, destination, { concurrency, fillDefaults }, io);
    writeSummary(summary, values.json === true, io);
    if (summary.interrupted) return EXIT.INTERRUPTED;
    if (stoppedBy) {
      const cause = destination.via === 'events-api' ? apiStopCause(stoppedBy, destination) : stopCause(stoppedBy, destination.errorContext);
      io.stderr.write(`${BIN} publish: ${cause.message}\n`);
      return cause.exitCode;
    }
    return summary.invalid + summary.failed + summary.unknown + summary.notSent > 0 ? EXIT.FAILED : EXIT.OK;
  } finally {
    target?.clients.destroy();
  }
}

/** `--api` and its options, as given: `url` is '' for a bare `--api` (the target's API). */
interface ApiChoice {
  readonly url: string;
  readonly apiKey?: string;
  readonly sigv4: boolean;
}

function apiChoice(values: Values): ApiChoice | undefined {
  const url = stringOption(values, 'api');
  const apiKey = stringOption(values, 'api-key');
  const sigv4 = values.sigv4 === true;
  if (url === undefined) {
    if (apiKey !== undefined || sigv4) throw new CliError('--api-key and --sigv4 apply to --api only', EXIT.USAGE);
    return undefined;
  }
  const onTarget = values.stack !== undefined || values.local === true;
  if (url !== '' && onTarget) {
    throw new CliError(
      '--api URL is a target of its own: give it without --stack or --local, or give a bare --api to use the API of the stack or the local run',
      EXIT.USAGE,
    );
  }
  if (url === '' && !onTarget) {
    throw new CliError("--api needs the API's stage URL (https://…/v1), or --stack NAME or --local to take it from", EXIT.USAGE);
  }
  if (apiKey === '') throw new CliError('--api-key is empty', EXIT.USAGE);
  return { url, ...(apiKey !== undefined ? { apiKey } : {}), sigv4 };
}

/** Where `publishEntries` sends the events, and how its errors read. */
interface Destination {
  readonly label: string;
  readonly via: 'sns' | 'events-api';
  /** `topicArn` and `client`, or `api`. */
  readonly publisher: Pick<EventPublisherOptions, 'topicArn' | 'client' | 'api'>;
  readonly errorContext: ErrorContext;
  /** How the API key was found, for a refusal's message. */
  readonly apiKeyFrom?: string;
}

function targetDestination(target: Target, api: ApiChoice | undefined, topic: string | undefined, io: CliIO): Destination {
  if (!api) {
    const chosen = chooseTopic(target, topic);
    // With several topics, the summary says which one.
    const label = target.topics.length > 1 ? `${target.label}, topic ${chosen.name}` : target.label;
    return { label, via: 'sns', publisher: { topicArn: chosen.arn, client: target.clients.sns }, errorContext: target.errorContext };
  }
  const url = target.eventsApiUrl;
  if (!url) {
    throw new CliError(
      target.kind === 'local'
        ? `${target.label} has no EVENTS_API_URL: it serves no Events API (the app has none, or the run predates it). Start one that does with \`npm start -- --keep\``
        : `${target.label} has no EventsApiUrl output: its pipeline has no Events API (the EventPipeline prop \`api\`)`,
      EXIT.UNREACHABLE,
    );
  }
  const key = api.apiKey !== undefined ? { apiKey: api.apiKey, from: '--api-key' } : target.eventsApiKey ? { apiKey: target.eventsApiKey, from: `${target.label}'s EVENTS_API_KEY` } : envKey(api, io);
  const sns = target.clients.sns;
  const options: EventsApiOptions = {
    url,
    ...(key ? { apiKey: key.apiKey } : {}),
    // The target's own region and credentials: the stack's, or the local run's.
    ...(api.sigv4 ? { sigv4: { region: target.region, credentials: () => sns.config.credentials() } } : {}),
  };
  return {
    label: `the Events API of ${target.label}`,
    via: 'events-api',
    publisher: { api: options },
    errorContext: { ...target.errorContext, endpoint: url },
    ...(key ? { apiKeyFrom: key.from } : {}),
  };
}

function urlDestination(api: ApiChoice, values: Values, io: CliIO): Destination {
  const key = api.apiKey !== undefined ? { apiKey: api.apiKey, from: '--api-key' } : envKey(api, io);
  let sigv4: EventsApiOptions['sigv4'];
  if (api.sigv4) {
    let host = '';
    try {
      host = new URL(api.url).hostname;
    } catch {
      // The publisher says what is wrong with the URL.
    }
    const region = stringOption(values, 'region') ?? regionOfApiHost(host) ?? (io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || undefined);
    if (region === undefined) {
      throw new CliError(`--sigv4 needs the API's region, and ${api.url} names none (a custom domain): pass --region`, EXIT.USAGE);
    }
    sigv4 = { region };
  } else if (values.region !== undefined) {
    throw new CliError('--region applies to --stack, or to --api with --sigv4', EXIT.USAGE);
  }
  if (values.endpoints !== undefined) throw new CliError('--endpoints applies to --local only', EXIT.USAGE);
  const options: EventsApiOptions = { url: api.url, ...(key ? { apiKey: key.apiKey } : {}), ...(sigv4 ? { sigv4 } : {}) };
  return {
    label: `the Events API at ${api.url}`,
    via: 'events-api',
    publisher: { api: options },
    errorContext: { local: false, endpoint: api.url },
    ...(key ? { apiKeyFrom: key.from } : {}),
  };
}

/** EVENTS_API_KEY from the environment (what `npm start -- --keep` exports), unless the requests are signed. */
function envKey(api: ApiChoice, io: CliIO): { apiKey: string; from: string } | undefined {
  const apiKey = io.env.EVENTS_API_KEY;
  return apiKey && !api.sigv4 ? { apiKey, from: 'EVENTS_API_KEY' } : undefined;
}

function writeSummary(summary: PublishSummary, json: boolean, io: CliIO): void {
  if (json) writeJson(io.stdout, summary);
  else io.stdout.write(formatSummary(summary));
}

/** Publishes the parsed entries to the destination. */
async function publishEntries(
  entries: readonly InputEntry[],
  destination: Destination,
  options: { concurrency: number; fillDefaults: boolean },
  io: CliIO,
): Promise<{ summary: PublishSummary; stoppedBy?: PublishFailure }> {
  const events = entries.filter((e): e is Extract<InputEntry, { value: unknown }> => 'value' in e);
  const unparsable = entries.filter((e): e is Extract<InputEntry, { error: string }> => 'error' in e);
  let snsRequests = 0;
  destination.publisher.client?.middlewareStack.add(
    (next) => async (args) => {
      snsRequests++;
      return next(args);
    },
    { step: 'deserialize', name: 'countSnsRequests', override: true },
  );
  const progress = new Progress(io.stderr, 'publishing', entries.length);
  const publisher = new EventPublisher({
    ...destination.publisher,
    concurrency: options.concurrency,
    fillDefaults: options.fillDefaults,
    onProgress: (p) => {
      const notPublished = p.failed + p.unknown + p.notSent + p.invalid + unparsable.length;
      progress.update(p.published + notPublished, notPublished > 0 ? `${count(notPublished)} not published` : '');
    },
  });
  try {
    const report = await publisher.publish(
      events.map((e) => e.value as CloudEventInput),
      { signal: io.signal },
    );
    progress.done();
    const summary = summarize(destination.label, destination.via, false, entries, events, report, snsRequests);
    return { summary, ...(report.stoppedBy ? { stoppedBy: report.stoppedBy } : {}) };
  } finally {
    publisher.destroy();
  }
}

function dryRunSummary(entries: readonly InputEntry[], fillDefaults: boolean, api: boolean): PublishSummary {
  const events = entries.filter((e): e is Extract<InputEntry, { value: unknown }> => 'value' in e);
  const { prepared, invalid } = validateEvents(
    events.map((e) => e.value as CloudEventInput),
    // With --api, as the Events API takes them (only the presence of `api` counts).
    { fillDefaults, ...(api ? { api: { url: 'http://dry-run' } } : {}) },
  );
  const results: EventResult[] = [...invalid];
  const report: PublishReport = {
    results,
    published: 0,
    failed: 0,
    unknown: 0,
    notSent: 0,
    invalid: invalid.length,
    calls: 0,
    durationMs: 0,
    interrupted: false,
  };
  const summary = summarize(null, api ? 'events-api' : 'sns', true, entries, events, report, 0);
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
  via: PublishSummary['via'],
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
      const { error } = result;
      const message =
        error instanceof DuplicateIdError
          ? `id: ${JSON.stringify(error.id)} is also the id of line ${error.indexes.filter((i) => i !== result.index).map((i) => events[i].line).join(', ')}, with different content: refused, with the other line (give each event its own id, or drop the copies)`
          : error.message;
      problems.push({ line, id: result.id, status: 'invalid', field: error.field, message });
    } else {
      problems.push({
        line,
        id: result.id,
        status: result.status,
        code: result.failure.code,
        attempts: result.attempts,
        retryable: result.failure.retryable,
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
    via,
    dryRun,
    total: entries.length,
    published: report.published,
    valid: entries.length - problems.filter((p) => p.status === 'invalid').length,
    invalid: problems.filter((p) => p.status === 'invalid').length,
    failed: report.failed,
    unknown: report.unknown,
    notSent: report.notSent,
    publishBatchCalls: via === 'sns' ? report.calls : 0,
    snsRequests,
    apiRequests: via === 'events-api' ? report.calls : 0,
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(report.published / seconds) : 0,
    filled: { id: filled('id'), time: filled('time'), specversion: filled('specversion') },
    outOfOrder: published.filter((r) => r.status === 'published' && r.outOfOrder).length,
    stopped: report.stoppedBy ? `${report.stoppedBy.code}: ${report.stoppedBy.message}` : null,
    interrupted: report.interrupted,
    problems,
  };
}

/** The error that stopped publishing, as the operator should read it. */
function stopCause(stopped: PublishFailure, context: ErrorContext): CliError {
  return explain(Object.assign(new Error(stopped.message), { name: stopped.code, code: stopped.code }), context);
}

/** Gateway responses that mean the credentials are missing or refused. */
const API_AUTH_CODES = new Set(['MISSING_AUTHENTICATION_TOKEN', 'INVALID_API_KEY', 'INVALID_SIGNATURE', 'EXPIRED_TOKEN', 'UNAUTHORIZED']);

/** The answer or error that stopped publishing through the Events API. */
function apiStopCause(stopped: PublishFailure, destination: Destination): CliError {
  const { status, code, message } = stopped;
  const what = `${status ?? ''} ${code}`.trim();
  if (status === undefined) {
    if (!destination.errorContext.local && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
      return new CliError(`the Events API does not answer at ${destination.errorContext.endpoint} (${code}): check --api`, EXIT.UNREACHABLE);
    }
    return stopCause(stopped, destination.errorContext);
  }
  if (code === 'INVALID_API_KEY') {
    const from = destination.apiKeyFrom ? `the key from ${destination.apiKeyFrom}` : 'no key was sent';
    return new CliError(`the Events API refused the API key (${what}; ${from}): pass the partner's key with --api-key KEY`, EXIT.UNREACHABLE);
  }
  if (code === 'MISSING_AUTHENTICATION_TOKEN') {
    return new CliError(
      `the Events API asks for credentials (${what}): pass --sigv4 (IAM) or --api-key KEY, as its publish authorization needs; or the URL is not the API's stage URL`,
      EXIT.UNREACHABLE,
    );
  }
  if (API_AUTH_CODES.has(code)) return new CliError(`the Events API refused the credentials (${what}): ${message}`, EXIT.UNREACHABLE);
  if (status === 404) return new CliError(`no Events API at ${destination.errorContext.endpoint} (${what}): check --api`, EXIT.UNREACHABLE);
  if (status === 401 || status === 403) return new CliError(`access denied by the Events API (${what}): ${message}`, EXIT.FAILED);
  return new CliError(`the Events API could not publish (${what}): ${message}`, EXIT.FAILED);
}

/** `: <why>` for one problem line, after `line N`. */
function problemText(p: PublishProblem): string {
  if (p.status === 'invalid') return `: ${p.message}`;
  const id = p.id !== undefined ? ` (${p.id})` : '';
  const attempts = p.attempts ? ` after ${plural(p.attempts, 'attempt')}` : '';
  if (p.status === 'failed') return `${id}: ${p.code}${attempts}: ${p.message}`;
  if (p.status === 'unknown') return `${id}: unknown, may have been published: ${p.code}${attempts}: ${p.message}`;
  return `${id}: not sent (${p.code}): ${p.message}`;
}

const SHOWN_RANGES = 20;

/** [3, 4, 5, 9] -> "3-5, 9"; long lists end with the count of the rest. */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    ranges.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  if (ranges.length === 0) return 'none';
  const shown = ranges.slice(0, SHOWN_RANGES).join(', ');
  return ranges.length > SHOWN_RANGES ? `${shown} and ${plural(ranges.length - SHOWN_RANGES, 'more range')} (every line with --json)` : shown;
}

/** The human summary. */
export function formatSummary(s: PublishSummary): string {
  const lines: string[] = [];
  if (s.dryRun) {
    lines.push(`Dry run: ${count(s.valid)} of ${plural(s.total, 'event')} valid; nothing was published.`);
  } else {
    const calls =
      s.via === 'events-api'
        ? plural(s.apiRequests, 'API request')
        : `${plural(s.publishBatchCalls, 'PublishBatch call')}, ${plural(s.snsRequests, 'SNS request')}`;
    lines.push(
      `Published ${count(s.published)} of ${plural(s.total, 'event')} to ${s.target} in ${s.seconds.toFixed(2)} s (${count(s.eventsPerSecond)} events/s, ${calls}).`,
    );
  }
  if (s.problems.length > 0) {
    const reasons = new Map<string, number>();
    for (const p of s.problems) {
      const reason = p.status === 'invalid' ? `invalid ${p.field}` : p.status === 'unknown' ? `unknown (${p.code})` : p.code ?? p.status;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const why = [...reasons].map(([reason, n]) => `${count(n)} ${reason}`).join(', ');
    lines.push(`Not published: ${count(s.problems.length)} (${why}):`);
    for (const p of s.problems.slice(0, SHOWN_PROBLEMS)) lines.push(`  line ${p.line}${problemText(p)}`);
    if (s.problems.length > SHOWN_PROBLEMS) lines.push(`  … and ${count(s.problems.length - SHOWN_PROBLEMS)} more (all of them with --json)`);
  }
  if (s.unknown > 0) {
    lines.push(
      `Unknown: ${plural(s.unknown, 'event')} may or may not have been published (the call may have reached the topic and its answer was lost). ` +
        'Publishing them again is safe: the same id is deduplicated by the FIFO topic, and the consumers write by id and sequence.',
    );
  }
  if (s.interrupted) {
    const toResume = s.problems.filter((p) => p.status === 'not-sent' || p.status === 'unknown').map((p) => p.line);
    lines.push(
      `Interrupted: ${count(s.published)} published, ${count(s.notSent)} not sent, ${count(s.unknown)} unknown. ` +
        `To resume, publish again the lines not sent and unknown: ${lineRanges(toResume)}.`,
    );
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
