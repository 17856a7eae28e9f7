/**
 * Polls one queue for one event source mapping the way Lambda does: batches of up to BatchSize
 * gathered within the batching window, deletes what succeeded, and lets failures become visible
 * again after the (scaled) visibility timeout, so they reach the dead-letter queue after
 * maxReceiveCount receives.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { FunctionHost } from './lambda-host';
import { FIFO_ATTRIBUTES, STANDARD_ATTRIBUTES, blockFailedGroups, failedMessageIds, toRecord } from './sqs-event';
import type { SqsWire } from './sqs-wire';
import { LatencyRecorder } from './stats';

export interface PollerOptions {
  readonly sqs: SqsWire;
  readonly host: FunctionHost;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fifo: boolean;
  readonly region: string;
  readonly batchSize: number;
  /** MaximumBatchingWindowInSeconds, scaled, in ms. */
  readonly batchingWindowMs: number;
  /** The queue's VisibilityTimeout, scaled, in ms: how long a failed message stays invisible. */
  readonly visibilityTimeoutMs: number;
  readonly reportBatchItemFailures: boolean;
  /** Concurrent batches (Lambda scales pollers with the backlog; here it is fixed). */
  readonly concurrency: number;
}

export interface PollerStats {
  receives: number;
  emptyReceives: number;
  received: number;
  batches: number;
  deleted: number;
  failedAttempts: number;
  /** Distinct message ids seen, so redeliveries are not counted twice. */
  readonly messageIds: Set<string>;
  /** publish (SentTimestamp) -> handler returned success, for deleted messages. */
  readonly latency: LatencyRecorder;
  /** When the handler last returned success for a message (epoch ms), 0 if never. */
  lastSuccessAt: number;
}

const IDLE_SLEEP_MS = 5;
/** Long polls return as soon as a message arrives; stop() aborts the ones still waiting. */
const LONG_POLL_SECONDS = 20;
const CHUNK = 10;

export class QueuePoller {
  public readonly stats: PollerStats = {
    receives: 0,
    emptyReceives: 0,
    received: 0,
    batches: 0,
    deleted: 0,
    failedAttempts: 0,
    messageIds: new Set(),
    latency: new LatencyRecorder(),
    lastSuccessAt: 0,
  };
  private stopped = false;
  private lanes: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private readonly releases = new Set<NodeJS.Timeout>();
  private busyLanes = 0;

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.lanes = Array.from({ length: this.options.concurrency }, () => this.lane());
  }

  /** True while a batch is being processed or failed messages wait to become visible. */
  get busy(): boolean {
    return this.busyLanes > 0 || this.releases.size > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.releases.forEach(clearTimeout);
    this.releases.clear();
    await Promise.all(this.lanes);
  }

  /**
   * Receive, invoke, delete, over and over. The delete of one batch runs while the lane receives
   * the next, as Lambda's pollers do: the deleted messages are in flight meanwhile, so none of them
   * is handed out again, and on a FIFO queue their message group stays held until the delete lands.
   */
  private async lane(): Promise<void> {
    let deleting: Promise<void> = Promise.resolve();
    while (!this.stopped) {
      try {
        const batch = await this.collectBatch();
        await deleting;
        deleting = Promise.resolve();
        if (batch.length > 0) deleting = (await this.process(batch)).deleted;
      } catch (error) {
        if (this.stopped) return;
        process.emitWarning(`poller ${this.options.queueUrl}: ${(error as Error).message}`);
        await sleep(100);
      }
    }
    await deleting;
  }

  private async collectBatch(): Promise<{ message: Message; receivedAt: number }[]> {
    const { batchSize, batchingWindowMs } = this.options;
    const batch = await this.receive(Math.min(CHUNK, batchSize), LONG_POLL_SECONDS);
    if (batch.length === 0 || batchingWindowMs <= 0) return batch;
    this.busyLanes++;
    try {
      const deadline = Date.now() + batchingWindowMs;
      while (batch.length < batchSize && Date.now() < deadline && !this.stopped) {
        const more = await this.receive(Math.min(CHUNK, batchSize - batch.length), 0);
        if (more.length === 0) await sleep(Math.min(IDLE_SLEEP_MS * 4, deadline - Date.now()));
        batch.push(...more);
      }
    } catch (error) {
      // Messages already received are in flight: process them rather than strand them.
      if (!this.stopped) process.emitWarning(`poller ${this.options.queueUrl}: ${(error as Error).message}`);
    } finally {
      this.busyLanes--;
    }
    return batch;
  }

  private async receive(max: number, waitSeconds: number): Promise<{ message: Message; receivedAt: number }[]> {
    const { sqs, queueUrl, fifo } = this.options;
    this.stats.receives++;
    const out = await sqs.call(
      'ReceiveMessage',
      {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: (fifo ? [...STANDARD_ATTRIBUTES, ...FIFO_ATTRIBUTES] : STANDARD_ATTRIBUTES) as never,
        MessageAttributeNames: ['All'],
      },
      this.abort.signal,
    );
    const receivedAt = Date.now();
    const messages = out.Messages ?? [];
    if (messages.length === 0) this.stats.emptyReceives++;
    this.stats.received += messages.length;
    return messages.map((message) => ({ message, receivedAt }));
  }

  /** Invokes the function with the batch; resolves once it returned, with the delete under way. */
  private async process(batch: { message: Message; receivedAt: number }[]): Promise<{ deleted: Promise<void> }> {
    const { host, queueArn, region, fifo, reportBatchItemFailures } = this.options;
    this.busyLanes++;
    let deleted: Promise<void> | undefined;
    try {
      const records = batch.map(({ message }) => toRecord(message, queueArn, region, fifo));
      records.forEach((r) => this.stats.messageIds.add(r.messageId));
      this.stats.batches++;
      const outcome = await host.invoke({ Records: records }).catch((error: Error) => ({
        ok: false,
        error: { errorType: 'Runtime.Unknown', errorMessage: error.message },
      }));
      const completedAt = Date.now();
      let failed = failedMessageIds(records, outcome, reportBatchItemFailures);
      if (fifo) failed = blockFailedGroups(records, failed);
      const succeeded = records.filter((r) => !failed.has(r.messageId));
      for (const r of succeeded) this.stats.latency.add(completedAt - Number(r.attributes.SentTimestamp));
      if (succeeded.length > 0) this.stats.lastSuccessAt = completedAt;
      this.stats.failedAttempts += failed.size;
      this.scheduleRelease(batch.filter(({ message }) => failed.has(message.MessageId ?? '')));
      // The lane stays busy until the delete has landed, so a drain never ends before it.
      deleted = this.delete(succeeded)
        .catch((error: Error) => {
          if (!this.stopped) process.emitWarning(`poller ${this.options.queueUrl}: deleting: ${error.message}`);
        })
        .finally(() => this.busyLanes--);
      return { deleted };
    } finally {
      if (!deleted) this.busyLanes--;
    }
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    const chunks: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += CHUNK) chunks.push(records.slice(i, i + CHUNK));
    await Promise.all(
      chunks.map(async (chunk) => {
        const out = await this.options.sqs.call('DeleteMessageBatch', {
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        });
        this.stats.deleted += out.Successful?.length ?? 0;
      }),
    );
  }

  /** A failed message becomes visible again once its visibility timeout, counted from receipt, ends. */
  private scheduleRelease(failed: { message: Message; receivedAt: number }[]): void {
    const byTime = new Map<number, string[]>();
    for (const { message, receivedAt } of failed) {
      byTime.set(receivedAt, [...(byTime.get(receivedAt) ?? []), message.ReceiptHandle ?? '']);
    }
    for (const [receivedAt, handles] of byTime) {
      const timer = setTimeout(() => {
        this.releases.delete(timer);
        void this.release(handles);
      }, Math.max(0, receivedAt + this.options.visibilityTimeoutMs - Date.now()));
      this.releases.add(timer);
    }
  }

  private async release(handles: string[]): Promise<void> {
    for (let i = 0; i < handles.length && !this.stopped; i += CHUNK) {
      const chunk = handles.slice(i, i + CHUNK);
      await this.options.sqs
        .call('ChangeMessageVisibilityBatch', {
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((handle, n) => ({ Id: String(n), ReceiptHandle: handle, VisibilityTimeout: 0 })),
        })
        .catch((error: Error) => process.emitWarning(`releasing failed messages: ${error.message}`));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
