/**
 * Publishes pipeline events to the SNS fan-out topic: with PublishBatch, or
 * through the Events API over HTTP.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { PipelineEvent } from './envelope';
import { DuplicateIdError, InvalidEventError, type PublishFailure } from './errors';
import { type EventsApiOptions, HttpTransport, eventsUrl } from './http-transport';
import {
  type CloudEventInput,
  DEFAULT_PREPARE_OPTIONS,
  type FilledField,
  type PreparedEvent,
  type PrepareOptions,
  prepareEvent,
} from './prepare';
import { type CallDelivery, DEFAULT_RETRY_OPTIONS, type RetryOptions, backoffDelay } from './retry';
import { SnsTransport } from './sns-transport';
import type { Transport } from './transport';

/** Props of {@link EventPublisher}. */
export interface EventPublisherOptions {
  /**
   * ARN of the fan-out topic, to publish with SNS PublishBatch. A `.fifo` ARN
   * gets MessageGroupId and MessageDeduplicationId. Give this or `api`.
   * @default - none: `api` is given
   */
  readonly topicArn?: string;
  /**
   * The Events API, to publish over HTTP (`POST {url}/events`), for producers
   * outside AWS: with an API key, SigV4, or headers of your own. Give this or
   * `topicArn`. The API sets the message group (the subject), the deduplication
   * id (the event id) and the `type` attribute itself, so an event whose
   * subject or id is not a valid SNS id is refused before sending (the SNS
   * publisher hashes them instead), and `deduplicationId` does not apply.
   * @default - none: `topicArn` is given
   */
  readonly api?: EventsApiOptions;
  /**
   * The SNS client, with `topicArn`.
   * @default - a new SNSClient with the SDK's default configuration
   */
  readonly client?: SNSClient;
  /**
   * Lanes publishing at the same time. Each subject is kept to one lane, so
   * its events are published in the order given.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Attempts at an entry SNS did not publish, the first one included. Only
   * failures that may pass are retried (server faults, throttling). A wait the
   * Events API asks for (Retry-After) is honoured, up to a minute.
   * @default 6
   */
  readonly maxAttempts?: number;
  /**
   * Upper bound of the first retry delay, in ms; it doubles with each retry (full jitter).
   * @default 100
   */
  readonly retryBaseDelayMs?: number;
  /**
   * Upper bound of any retry delay, in ms.
   * @default 5000
   */
  readonly retryMaxDelayMs?: number;
  /**
   * Largest message (body and message attributes) the topic accepts, in bytes.
   * Also the largest total of one PublishBatch call, or of one request to the Events API.
   * @default 262144 (256 KiB, the SNS default)
   */
  readonly maxMessageBytes?: number;
  /**
   * Fill in `specversion` ('1.0'), `id` (a random UUID) and `time` (now) when
   * absent. `subject` and `sequence` are never filled in.
   * @default true
   */
  readonly fillDefaults?: boolean;
  /**
   * The MessageDeduplicationId of an event. A value that is not a valid id
   * (over 128 characters, or other than letters, digits and punctuation) is
   * replaced by its SHA-256. Not with `api`: the Events API deduplicates by the event's id.
   * @default - the event's id
   */
  readonly deduplicationId?: (event: PipelineEvent) => string;
  /**
   * Called after validation and after each batch.
   * @default - nothing
   */
  readonly onProgress?: (progress: PublishProgress) => void;
  /** @default - waits with setTimeout, and returns early when the publish is aborted */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** The clock, for the `time` filled in and the date of SigV4 signatures. @default () => new Date() */
  readonly now?: () => Date;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
}

/** How far a publish has gone: events settled so far, by outcome. */
export interface PublishProgress {
  readonly total: number;
  readonly published: number;
  readonly failed: number;
  readonly unknown: number;
  readonly notSent: number;
  readonly invalid: number;
}

/** Options of one {@link EventPublisher.publish} call. */
export interface PublishOptions {
  /**
   * Stops the publish: no batch is started once it is aborted, the calls in
   * flight are awaited (not cut off, so that their outcome is known), retries
   * and backoff waits end, and every event not sent is reported `not-sent` with
   * the code `Interrupted`. The report has `interrupted: true`.
   * @default - runs to the end
   */
  readonly signal?: AbortSignal;
}

/** An event SNS accepted. */
export interface PublishedResult {
  readonly status: 'published';
  readonly index: number;
  readonly id: string;
  readonly subject: string;
  readonly messageId: string;
  /** Set on FIFO topics. */
  readonly sequenceNumber?: string;
  readonly attempts: number;
  /**
   * True when a later event of the same subject, in the same batch, was
   * published before this one, which needed a retry.
   */
  readonly outOfOrder?: boolean;
  readonly filled: readonly FilledField[];
}

/** An event refused before any call: invalid, too large, or sharing its id with a different event of the same input. */
export interface InvalidResult {
  readonly status: 'invalid';
  readonly index: number;
  /** The event's id, when it has a string one. */
  readonly id?: string;
  readonly error: InvalidEventError;
}

/**
 * An event that was not published, or may not have been.
 *
 * - `failed`: the topic refused it (an entry in PublishBatch's `Failed`, or an
 *   error answer to the call), after any retries. Nothing was stored.
 *   `failure.retryable` follows SNS's code: true for throttling and server
 *   faults, false for a fault of the request (`InvalidParameter`, access denied).
 * - `unknown`: a call that carried it may have reached the topic, and its
 *   answer was lost: the connection was reset or timed out after the request
 *   was sent, SNS answered 5xx, or SNS returned no result for the entry. It
 *   may be stored. `failure.retryable` is true: publishing it again is safe,
 *   because its id is its deduplication id on a FIFO topic (within 5 minutes)
 *   and the consumers write by event id and sequence, so a second copy
 *   changes nothing.
 * - `not-sent`: no call carrying it reached the topic. Nothing was stored.
 *   `failure.retryable` is true. `failure.code` says why: `Skipped` (an
 *   earlier event of its subject was not published, so it was held back to
 *   keep the order), `NotSent` (publishing stopped after an error no call
 *   could get past, given in the message), `Interrupted` (the publish was
 *   aborted), or the error of its own call when no connection could be opened
 *   (`ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`: refused before any byte was sent).
 *
 * An event that a call may have delivered stays `unknown` even when a later
 * attempt fails in another way.
 */
export interface NotPublishedResult {
  readonly status: 'failed' | 'unknown' | 'not-sent';
  readonly index: number;
  readonly id: string;
  readonly subject: string;
  /** Calls that carried it; 0 when it was never sent. */
  readonly attempts: number;
  readonly failure: PublishFailure;
}

export type EventResult = PublishedResult | InvalidResult | NotPublishedResult;

/** An event's outcome: `published`, `invalid`, `failed`, `unknown` or `not-sent`. */
export type EventStatus = EventResult['status'];

/** Every event's outcome, in the order given. */
export interface PublishReport {
  readonly results: readonly EventResult[];
  readonly published: number;
  /** Refused by the topic: see {@link NotPublishedResult}. */
  readonly failed: number;
  /** May or may not have been published: see {@link NotPublishedResult}. */
  readonly unknown: number;
  /** Never sent: see {@link NotPublishedResult}. */
  readonly notSent: number;
  readonly invalid: number;
  /** PublishBatch calls made, or requests to the Events API, retries included. */
  readonly calls: number;
  readonly durationMs: number;
  /** The error after which no more calls were made (no topic, no permission, nothing listening), if any. */
  readonly stoppedBy?: PublishFailure;
  /** The publish was aborted through {@link PublishOptions.signal}. */
  readonly interrupted: boolean;
}

/** Events ready to send and events refused, each in the order given. */
export interface ValidationResult {
  readonly prepared: PreparedEvent[];
  readonly invalid: InvalidResult[];
}

/** Options of {@link validateEvents}: those of {@link EventPublisherOptions} that shape a message. */
export type ValidateOptions = Pick<
  EventPublisherOptions,
  'fillDefaults' | 'maxMessageBytes' | 'deduplicationId' | 'newId' | 'now' | 'api'
>;

/**
 * Validates events as {@link EventPublisher.publish} does, without a topic or
 * a client: for dry runs. With `api`, as for the Events API (see
 * {@link EventPublisherOptions.api}); only its presence counts.
 */
export function validateEvents(events: readonly CloudEventInput[], options: ValidateOptions = {}): ValidationResult {
  const prepareOptions: PrepareOptions = {
    fillDefaults: options.fillDefaults ?? DEFAULT_PREPARE_OPTIONS.fillDefaults,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_PREPARE_OPTIONS.maxMessageBytes,
    deduplicationId: options.deduplicationId ?? DEFAULT_PREPARE_OPTIONS.deduplicationId,
    requireTopicKeys: options.api !== undefined,
    newId: options.newId ?? DEFAULT_PREPARE_OPTIONS.newId,
    now: options.now ?? DEFAULT_PREPARE_OPTIONS.now,
  };
  const prepared: PreparedEvent[] = [];
  const invalid: InvalidResult[] = [];
  events.forEach((input, index) => {
    try {
      prepared.push(prepareEvent(input, index, prepareOptions));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      const id = (input as { id?: unknown } | null)?.id;
      invalid.push({ status: 'invalid', index, error, ...(typeof id === 'string' ? { id } : {}) });
    }
  });
  const conflicting = conflictingIds(prepared, events);
  if (conflicting.size === 0) return { prepared, invalid };
  for (const event of prepared) {
    const indexes = conflicting.get(event.event.id);
    if (indexes) invalid.push({ status: 'invalid', index: event.index, id: event.event.id, error: new DuplicateIdError(event.event.id, event.index, indexes) });
  }
  invalid.sort((a, b) => a.index - b.index);
  return { prepared: prepared.filter((event) => !conflicting.has(event.event.id)), invalid };
}

/**
 * The ids that two or more valid events of one input share with different
 * content, and the indexes of the events that carry each. Events repeated
 * exactly (same id, same content) are no conflict: the topic's deduplication
 * and the consumers' idempotent writes make the copies harmless.
 */
function conflictingIds(prepared: readonly PreparedEvent[], inputs: readonly CloudEventInput[]): Map<string, number[]> {
  const byId = new Map<string, PreparedEvent[]>();
  for (const event of prepared) {
    const same = byId.get(event.event.id);
    if (same) same.push(event);
    else byId.set(event.event.id, [event]);
  }
  const conflicting = new Map<string, number[]>();
  for (const [id, same] of byId) {
    if (same.length < 2) continue;
    const contents = new Set(same.map((event) => canonicalJson(inputs[event.index])));
    if (contents.size > 1) conflicting.set(id, same.map((event) => event.index));
  }
  return conflicting;
}

/** JSON with the keys of every object sorted: equal for equal content, whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const MAX_BATCH_ENTRIES = 10;
const MAX_LANES = 64;
/** The longest Retry-After honoured, in ms. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Publishes CloudEvents to the pipeline's SNS FIFO topic with PublishBatch,
 * 10 entries (and at most `maxMessageBytes`) per call, on a few lanes at once.
 * MessageGroupId is the subject, MessageDeduplicationId the event id, and the
 * `type` message attribute carries the event type for filter policies.
 *
 * Each event is validated with the consumers' envelope schema before any call.
 * Entries SNS did not publish are retried with backoff when the failure may
 * pass. Every event gets a result; none is dropped silently.
 *
 * ```ts
 * const publisher = new EventPublisher({ topicArn: process.env.TOPIC_ARN! });
 * const report = await publisher.publish([
 *   { source: 'vendor/acme', type: 'parcel.picked-up', subject: 'parcel-42', sequence: 1, data: { hub: 'LYS' } },
 * ]);
 * if (report.failed + report.invalid > 0) console.error(report.results.filter((r) => r.status !== 'published'));
 * ```
 *
 * Through the Events API, from outside AWS, with the same batching, retries and results:
 *
 * ```ts
 * const publisher = new EventPublisher({ api: { url: process.env.EVENTS_API_URL!, apiKey: process.env.EVENTS_API_KEY } });
 * // or, with IAM authorization: { api: { url, sigv4: true } } (the SDK's default credentials, the URL's region)
 * ```
 */
export class EventPublisher {
  private readonly transport: Transport;
  private readonly lanes: number;
  private readonly retry: RetryOptions;
  private readonly prepareOptions: ValidateOptions;
  private readonly onProgress?: (progress: PublishProgress) => void;

  public constructor(options: EventPublisherOptions) {
    const problems: string[] = [];
    const whole = (name: string, value: number | undefined, min: number, max: number) => {
      if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
        problems.push(`${name} must be a whole number between ${min} and ${max} (got ${value})`);
      }
    };
    const { api } = options;
    if (api !== undefined) {
      if (options.topicArn !== undefined) problems.push('give topicArn or api, not both');
      if (options.client !== undefined) problems.push('client applies to topicArn, not to api');
      if (options.deduplicationId !== undefined) problems.push('deduplicationId does not apply to api: the Events API deduplicates by the event id');
      try {
        eventsUrl(api.url);
      } catch (error) {
        problems.push((error as Error).message);
      }
      whole('api.timeoutMs', api.timeoutMs, 1, 600_000);
    } else if (!/^arn:[^:]+:sns:/.test(options.topicArn ?? '')) {
      problems.push(`topicArn must be an SNS topic ARN (got ${JSON.stringify(options.topicArn)})`);
    }
    whole('concurrency', options.concurrency, 1, MAX_LANES);
    whole('maxAttempts', options.maxAttempts, 1, 100);
    whole('maxMessageBytes', options.maxMessageBytes, 1_024, 1_048_576);
    if (problems.length > 0) throw new RangeError(`EventPublisher: ${problems.join('; ')}`);

    this.lanes = options.concurrency ?? 4;
    this.transport =
      api !== undefined
        ? new HttpTransport(api, this.lanes, options.now ?? DEFAULT_PREPARE_OPTIONS.now)
        : new SnsTransport(options.client ?? new SNSClient({}), options.topicArn!, options.client === undefined);
    this.retry = {
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_OPTIONS.maxAttempts,
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_OPTIONS.baseDelayMs,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY_OPTIONS.maxDelayMs,
      sleep: options.sleep ?? DEFAULT_RETRY_OPTIONS.sleep,
      random: options.random ?? DEFAULT_RETRY_OPTIONS.random,
    };
    this.prepareOptions = options;
    this.onProgress = options.onProgress;
  }

  /**
   * Closes the connections kept open to the Events API, or the SNS client the
   * publisher made (not one given as `client`: destroy that one yourself).
   */
  public destroy(): void {
    this.transport.destroy();
  }

  /**
   * Validates every event, without sending anything.
   *
   * @returns the events ready to send and the invalid ones, each in the order given
   */
  public validate(events: readonly CloudEventInput[]): ValidationResult {
    return validateEvents(events, this.prepareOptions);
  }

  /**
   * Publishes the events. Invalid events are reported and the rest still go.
   * Never throws for a failed publish: read the report, whose results say for
   * each event `published`, `invalid`, `failed`, `unknown` or `not-sent`
   * (see {@link NotPublishedResult}).
   */
  public async publish(events: readonly CloudEventInput[], options: PublishOptions = {}): Promise<PublishReport> {
    const started = Date.now();
    const { prepared, invalid } = this.validate(events);
    const run = new PublishRun(
      this.transport,
      this.retry,
      this.prepareOptions.maxMessageBytes ?? DEFAULT_PREPARE_OPTIONS.maxMessageBytes,
      events.length,
      this.onProgress,
      options.signal,
    );
    invalid.forEach((result) => run.settle(result));
    run.report();

    const lanes: PreparedEvent[][] = Array.from({ length: this.lanes }, () => []);
    for (const event of prepared) lanes[shard(event.groupId, this.lanes)].push(event);
    await Promise.all(lanes.map((lane) => run.lane(lane)));

    return {
      results: run.results,
      published: run.count('published'),
      failed: run.count('failed'),
      unknown: run.count('unknown'),
      notSent: run.count('not-sent'),
      invalid: run.count('invalid'),
      calls: run.calls,
      durationMs: Date.now() - started,
      ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
      interrupted: options.signal?.aborted === true,
    };
  }
}

/** The last thing known of an event not yet published. */
interface Attempted {
  readonly failure: PublishFailure;
  /** How far its last call got. */
  readonly delivery: CallDelivery;
}

/** The state of one `publish` call. */
class PublishRun {
  public readonly results: EventResult[];
  public calls = 0;
  private readonly counts: Record<EventStatus, number> = { published: 0, failed: 0, unknown: 0, 'not-sent': 0, invalid: 0 };
  private stopped?: PublishFailure;
  /** Events a call may have delivered: whatever happens next, they are `unknown` unless published. */
  private readonly uncertain = new Set<PreparedEvent>();

  public constructor(
    private readonly transport: Transport,
    private readonly retry: RetryOptions,
    /** One call carries at most as many bytes as one message may have. */
    private readonly maxBatchBytes: number,
    total: number,
    private readonly onProgress?: (progress: PublishProgress) => void,
    private readonly signal?: AbortSignal,
  ) {
    this.results = new Array<EventResult>(total);
  }

  public get stoppedBy(): PublishFailure | undefined {
    return this.stopped;
  }

  public count(status: EventStatus): number {
    return this.counts[status];
  }

  public settle(result: EventResult): void {
    this.results[result.index] = result;
    this.counts[result.status]++;
  }

  public report(): void {
    const c = this.counts;
    this.onProgress?.({
      total: this.results.length,
      published: c.published,
      failed: c.failed,
      unknown: c.unknown,
      notSent: c['not-sent'],
      invalid: c.invalid,
    });
  }

  private get interrupted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Publishes one lane's events in order, a batch at a time. */
  public async lane(events: readonly PreparedEvent[]): Promise<void> {
    /** Subjects with an event not published: their later events are not sent, to keep the order. */
    const blocked = new Map<string, string>();
    let next = 0;
    while (next < events.length) {
      const batch: PreparedEvent[] = [];
      let bytes = 0;
      for (; next < events.length && batch.length < MAX_BATCH_ENTRIES; next++) {
        const event = events[next];
        const failedBefore = blocked.get(event.groupId);
        if (this.interrupted) {
          this.notSent(event, 'Interrupted', 'the publish was interrupted before its batch was sent');
        } else if (this.stopped) {
          const { code, message } = this.stopped;
          this.notSent(event, 'NotSent', `publishing stopped after ${code}: ${message}`);
        } else if (failedBefore !== undefined) {
          this.notSent(event, 'Skipped', `event ${failedBefore} of subject ${event.event.subject} was not published before it`);
        } else if (batch.length > 0 && bytes + event.size > this.maxBatchBytes) {
          break;
        } else {
          batch.push(event);
          bytes += event.size;
        }
      }
      if (batch.length === 0) continue;
      for (const failed of await this.sendBatch(batch)) {
        if (!blocked.has(failed.groupId)) blocked.set(failed.groupId, failed.event.id);
      }
      this.report();
    }
  }

  /**
   * Sends a batch, retrying the entries whose failure may pass.
   *
   * @returns the events that were not published
   */
  private async sendBatch(batch: readonly PreparedEvent[]): Promise<PreparedEvent[]> {
    let pending = [...batch];
    const failed: PreparedEvent[] = [];
    const overtaken = new Set<PreparedEvent>();
    const last = new Map<PreparedEvent, Attempted>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1 && (this.stopped || this.interrupted)) {
        // Another lane hit an error no call can get past, or the publish was interrupted: no more attempts.
        for (const event of pending) {
          const before = last.get(event)!;
          const why = this.stopped ? `${this.stopped.code}: ${this.stopped.message}` : 'the publish was interrupted';
          const failure = { ...before.failure, message: `${before.failure.message} (not retried: ${why})` };
          failed.push(this.fail(event, attempt - 1, failure, before.delivery));
        }
        break;
      }
      const final = attempt >= this.retry.maxAttempts;
      let retry: PreparedEvent[] = [];
      let retryAfterMs = 0;
      this.calls++;
      const outcome = await this.transport.send(pending);
      if (outcome.answered) {
        const answered = new Set<number>();
        for (const ok of outcome.successful) {
          const event = pending[ok.n];
          if (!event || answered.has(ok.n)) continue;
          answered.add(ok.n);
          this.uncertain.delete(event);
          this.settle({
            status: 'published',
            index: event.index,
            id: event.event.id,
            subject: event.event.subject,
            messageId: ok.messageId,
            ...(ok.sequenceNumber ? { sequenceNumber: ok.sequenceNumber } : {}),
            attempts: attempt,
            ...(overtaken.has(event) ? { outOfOrder: true } : {}),
            filled: event.filled,
          });
        }
        for (const bad of outcome.failed) {
          const event = pending[bad.n];
          if (!event || answered.has(bad.n)) continue;
          answered.add(bad.n);
          const failure = bad.failure;
          last.set(event, { failure, delivery: 'refused' });
          if (failure.retryable && !final) retry.push(event);
          else failed.push(this.fail(event, attempt, failure, 'refused'));
        }
        pending.forEach((event, n) => {
          if (answered.has(n)) return;
          // The call was answered, but not for this entry: it may have been published.
          const failure = { ...outcome.noResult, retryable: true };
          last.set(event, { failure, delivery: 'uncertain' });
          this.uncertain.add(event);
          if (!final) retry.push(event);
          else failed.push(this.fail(event, attempt, failure, 'uncertain'));
        });
        retry.sort((a, b) => a.index - b.index);
        markOvertaken(pending, retry, failed, overtaken);
      } else {
        const { kind, failure, delivery } = outcome;
        if (delivery === 'uncertain') pending.forEach((event) => this.uncertain.add(event));
        pending.forEach((event) => last.set(event, { failure, delivery }));
        if (kind === 'fatal') this.stopped ??= failure;
        if (kind === 'retryable' && !final) retry = pending;
        else pending.forEach((event) => failed.push(this.fail(event, attempt, failure, delivery)));
        retryAfterMs = outcome.retryAfterMs ?? 0;
      }
      pending = retry;
      // The wait the other end asked for, when longer than the backoff (bounded, so that a wild Retry-After cannot stall the run).
      if (pending.length > 0) await this.pause(Math.max(backoffDelay(attempt, this.retry), Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
    }
    return failed;
  }

  /** The backoff wait, cut short when the publish is interrupted. */
  private async pause(ms: number): Promise<void> {
    const signal = this.signal;
    if (!signal) return this.retry.sleep(ms);
    if (signal.aborted) return;
    let onAbort = (): void => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.retry.sleep(ms, signal), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Settles an event that was sent and not published: `unknown` if any call may have delivered it. */
  private fail(event: PreparedEvent, attempts: number, failure: PublishFailure, delivery: CallDelivery): PreparedEvent {
    const status = this.uncertain.has(event) ? 'unknown' : delivery === 'not-sent' ? 'not-sent' : 'failed';
    const retryable = status === 'failed' ? failure.retryable : true;
    this.settle({ status, index: event.index, id: event.event.id, subject: event.event.subject, attempts, failure: { ...failure, retryable } });
    return event;
  }

  private notSent(event: PreparedEvent, code: string, message: string): void {
    this.settle({
      status: 'not-sent',
      index: event.index,
      id: event.event.id,
      subject: event.event.subject,
      attempts: 0,
      failure: { code, message, retryable: true },
    });
  }
}

/**
 * Notes the retried events of a subject that a later event of the same
 * subject, in the same call, has overtaken.
 */
function markOvertaken(
  sent: readonly PreparedEvent[],
  retry: readonly PreparedEvent[],
  failed: readonly PreparedEvent[],
  overtaken: Set<PreparedEvent>,
): void {
  if (retry.length === 0) return;
  const notPublished = new Set([...retry, ...failed]);
  for (const event of retry) {
    const position = sent.indexOf(event);
    if (sent.some((other, n) => n > position && other.groupId === event.groupId && !notPublished.has(other))) {
      overtaken.add(event);
    }
  }
}

/** FNV-1a: the lane of a message group. */
function shard(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}
