/**
 * Publishes pipeline events to the SNS fan-out topic with PublishBatch.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import type { PipelineEvent } from '../lambda/shared/envelope';
import { InvalidEventError, type PublishFailure } from './errors';
import {
  type CloudEventInput,
  DEFAULT_PREPARE_OPTIONS,
  type FilledField,
  type PreparedEvent,
  type PrepareOptions,
  TYPE_ATTRIBUTE,
  prepareEvent,
} from './prepare';
import { DEFAULT_RETRY_OPTIONS, type RetryOptions, backoffDelay, callFailure, classifyCallError, entryFailure } from './retry';

/** Props of {@link EventPublisher}. */
export interface EventPublisherOptions {
  /** ARN of the fan-out topic. A `.fifo` ARN gets MessageGroupId and MessageDeduplicationId. */
  readonly topicArn: string;
  /**
   * The SNS client.
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
   * failures that may pass are retried (server faults, throttling).
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
   * Also the largest total of one PublishBatch call.
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
   * replaced by its SHA-256.
   * @default - the event's id
   */
  readonly deduplicationId?: (event: PipelineEvent) => string;
  /**
   * Called after validation and after each batch.
   * @default - nothing
   */
  readonly onProgress?: (progress: PublishProgress) => void;
  /** @default - waits with setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
}

/** How far a publish has gone. */
export interface PublishProgress {
  readonly total: number;
  readonly published: number;
  readonly failed: number;
  readonly invalid: number;
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

/** An event refused before any call: invalid, or too large. */
export interface InvalidResult {
  readonly status: 'invalid';
  readonly index: number;
  /** The event's id, when it has a string one. */
  readonly id?: string;
  readonly error: InvalidEventError;
}

/**
 * An event that was not published: SNS refused it, retries ran out, an
 * earlier event of its subject failed (`Skipped`, to keep the order), or
 * publishing stopped after a fatal error (`NotSent`).
 */
export interface FailedResult {
  readonly status: 'failed';
  readonly index: number;
  readonly id: string;
  readonly subject: string;
  /** 0 when the event was never sent. */
  readonly attempts: number;
  readonly failure: PublishFailure;
}

export type EventResult = PublishedResult | InvalidResult | FailedResult;

/** Every event's outcome, in the order given. */
export interface PublishReport {
  readonly results: readonly EventResult[];
  readonly published: number;
  readonly failed: number;
  readonly invalid: number;
  /** PublishBatch calls made, retries included. */
  readonly calls: number;
  readonly durationMs: number;
  /** The error after which no more calls were made (no topic, no permission, nothing listening), if any. */
  readonly stoppedBy?: PublishFailure;
}

/** Events ready to send and events refused, each in the order given. */
export interface ValidationResult {
  readonly prepared: PreparedEvent[];
  readonly invalid: InvalidResult[];
}

/** Options of {@link validateEvents}: those of {@link EventPublisherOptions} that shape a message. */
export type ValidateOptions = Pick<
  EventPublisherOptions,
  'fillDefaults' | 'maxMessageBytes' | 'deduplicationId' | 'newId' | 'now'
>;

/**
 * Validates events as {@link EventPublisher.publish} does, without a topic or
 * a client: for dry runs.
 */
export function validateEvents(events: readonly CloudEventInput[], options: ValidateOptions = {}): ValidationResult {
  const prepareOptions: PrepareOptions = {
    fillDefaults: options.fillDefaults ?? DEFAULT_PREPARE_OPTIONS.fillDefaults,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_PREPARE_OPTIONS.maxMessageBytes,
    deduplicationId: options.deduplicationId ?? DEFAULT_PREPARE_OPTIONS.deduplicationId,
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
  return { prepared, invalid };
}

const MAX_BATCH_ENTRIES = 10;
const MAX_LANES = 64;

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
 */
export class EventPublisher {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  private readonly fifo: boolean;
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
    if (!/^arn:[^:]+:sns:/.test(options.topicArn ?? '')) {
      problems.push(`topicArn must be an SNS topic ARN (got ${JSON.stringify(options.topicArn)})`);
    }
    whole('concurrency', options.concurrency, 1, MAX_LANES);
    whole('maxAttempts', options.maxAttempts, 1, 100);
    whole('maxMessageBytes', options.maxMessageBytes, 1_024, 1_048_576);
    if (problems.length > 0) throw new RangeError(`EventPublisher: ${problems.join('; ')}`);

    this.client = options.client ?? new SNSClient({});
    this.topicArn = options.topicArn;
    this.fifo = options.topicArn.endsWith('.fifo');
    this.lanes = options.concurrency ?? 4;
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
   * Validates every event, without sending anything.
   *
   * @returns the events ready to send and the invalid ones, each in the order given
   */
  public validate(events: readonly CloudEventInput[]): ValidationResult {
    return validateEvents(events, this.prepareOptions);
  }

  /**
   * Publishes the events. Invalid events are reported and the rest still go.
   * Never throws for a failed publish: read the report.
   */
  public async publish(events: readonly CloudEventInput[]): Promise<PublishReport> {
    const started = Date.now();
    const { prepared, invalid } = this.validate(events);
    const run = new PublishRun(
      this.client,
      this.topicArn,
      this.fifo,
      this.retry,
      this.prepareOptions.maxMessageBytes ?? DEFAULT_PREPARE_OPTIONS.maxMessageBytes,
      events.length,
      this.onProgress,
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
      invalid: run.count('invalid'),
      calls: run.calls,
      durationMs: Date.now() - started,
      ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
    };
  }
}

/** The state of one `publish` call. */
class PublishRun {
  public readonly results: EventResult[];
  public calls = 0;
  private readonly counts = { published: 0, failed: 0, invalid: 0 };
  private stopped?: PublishFailure;

  public constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly fifo: boolean,
    private readonly retry: RetryOptions,
    /** One call carries at most as many bytes as one message may have. */
    private readonly maxBatchBytes: number,
    total: number,
    private readonly onProgress?: (progress: PublishProgress) => void,
  ) {
    this.results = new Array<EventResult>(total);
  }

  public get stoppedBy(): PublishFailure | undefined {
    return this.stopped;
  }

  public count(status: EventResult['status']): number {
    return this.counts[status];
  }

  public settle(result: EventResult): void {
    this.results[result.index] = result;
    this.counts[result.status]++;
  }

  public report(): void {
    this.onProgress?.({ total: this.results.length, ...this.counts });
  }

  /** Publishes one lane's events in order, a batch at a time. */
  public async lane(events: readonly PreparedEvent[]): Promise<void> {
    /** Subjects with a failed event: their later events are not sent, to keep the order. */
    const blocked = new Map<string, string>();
    let next = 0;
    while (next < events.length) {
      const batch: PreparedEvent[] = [];
      let bytes = 0;
      for (; next < events.length && batch.length < MAX_BATCH_ENTRIES; next++) {
        const event = events[next];
        const failedBefore = blocked.get(event.groupId);
        if (this.stopped) {
          const { code, message, retryable } = this.stopped;
          this.fail(event, 0, { code: 'NotSent', message: `not sent: publishing stopped after ${code}: ${message}`, retryable });
        } else if (failedBefore !== undefined) {
          this.fail(event, 0, {
            code: 'Skipped',
            message: `not sent: event ${failedBefore} of subject ${event.event.subject} failed before it`,
            retryable: true,
          });
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
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1 && this.stopped) {
        // Another lane hit an error no call can get past: retrying would only fail again.
        pending.forEach((event) => failed.push(this.fail(event, attempt - 1, this.stopped!)));
        break;
      }
      const last = attempt >= this.retry.maxAttempts;
      let retry: PreparedEvent[] = [];
      try {
        this.calls++;
        const entries = pending.map((event, n) => this.entry(event, n));
        const out = await this.client.send(new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }));
        const answered = new Set<number>();
        for (const ok of out.Successful ?? []) {
          const n = Number(ok.Id);
          const event = pending[n];
          if (!event || answered.has(n)) continue;
          answered.add(n);
          this.settle({
            status: 'published',
            index: event.index,
            id: event.event.id,
            subject: event.event.subject,
            messageId: ok.MessageId ?? '',
            ...(ok.SequenceNumber ? { sequenceNumber: ok.SequenceNumber } : {}),
            attempts: attempt,
            ...(overtaken.has(event) ? { outOfOrder: true } : {}),
            filled: event.filled,
          });
        }
        for (const bad of out.Failed ?? []) {
          const n = Number(bad.Id);
          const event = pending[n];
          if (!event || answered.has(n)) continue;
          answered.add(n);
          const failure = entryFailure(bad);
          if (failure.retryable && !last) retry.push(event);
          else failed.push(this.fail(event, attempt, failure));
        }
        pending.forEach((event, n) => {
          if (answered.has(n)) return;
          const failure = { code: 'NoResult', message: 'SNS returned no result for this entry', retryable: true };
          if (!last) retry.push(event);
          else failed.push(this.fail(event, attempt, failure));
        });
        retry.sort((a, b) => a.index - b.index);
        markOvertaken(pending, retry, failed, overtaken);
      } catch (error) {
        const kind = classifyCallError(error);
        const failure = callFailure(error);
        if (kind === 'fatal') this.stopped ??= failure;
        if (kind === 'retryable' && !last) retry = pending;
        else pending.forEach((event) => failed.push(this.fail(event, attempt, failure)));
      }
      pending = retry;
      if (pending.length > 0) await this.retry.sleep(backoffDelay(attempt, this.retry));
    }
    return failed;
  }

  private entry(event: PreparedEvent, n: number): PublishBatchRequestEntry {
    return {
      Id: String(n),
      Message: event.body,
      MessageAttributes: { [TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: event.event.type } },
      ...(this.fifo ? { MessageGroupId: event.groupId, MessageDeduplicationId: event.deduplicationId } : {}),
    };
  }

  private fail(event: PreparedEvent, attempts: number, failure: PublishFailure): PreparedEvent {
    this.settle({ status: 'failed', index: event.index, id: event.event.id, subject: event.event.subject, attempts, failure });
    return event;
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
