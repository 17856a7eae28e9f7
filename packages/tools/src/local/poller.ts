/**
 * Polls one queue for one event source mapping the way Lambda does: batches of up to BatchSize
 * gathered within the batching window, received with the (scaled) visibility timeout, and deletes
 * exactly what the function's response does not list as failed. Nothing else: a failed message,
 * or one whose invocation outlives the visibility timeout, becomes visible again when its
 * visibility timeout ends, as on SQS, and reaches the dead-letter queue after maxReceiveCount
 * receives. A FIFO response that reports a success after a failure in the same message group is
 * not corrected either: it is recorded as an ordering violation.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { FunctionHost } from './lambda-host';
import { FIFO_ATTRIBUTES, type OrderingViolation, STANDARD_ATTRIBUTES, failedMessageIds, orderingViolations, toRecord } from './sqs-event';
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
  /**
   * The queue's VisibilityTimeout, scaled, in ms, passed on every receive: how long a received
   * message stays invisible, whether its invocation is still running or failed it.
   */
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
  /**
   * Receives of a message that an invocation of this event source still held: its visibility
   * timeout ended while it was being processed, as on SQS.
   */
  redeliveredInFlight: number;
  /**
   * Deletes made after the message's visibility timeout ended, or with a receipt handle older than
   * its latest receive. They delete nothing locally, so the message is processed again (on SQS a
   * delete with the latest handle still works until the message is received again, and on a
   * standard queue an older handle may work too).
   */
  staleDeletes: number;
  /** FIFO responses that reported a success after a failure in the same group (none on a standard queue). */
  readonly orderingViolations: OrderingViolation[];
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
    redeliveredInFlight: 0,
    staleDeletes: 0,
    orderingViolations: [],
  };
  private stopped = false;
  private lanes: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private busyLanes = 0;
  /** Messages an invocation holds (received, not yet deleted or failed): how many hold each, and its latest receipt handle. */
  private readonly held = new Map<string, { holders: number; receiptHandle: string; visibleAt: number }>();

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.lanes = Array.from({ length: this.options.concurrency }, () => this.lane());
  }

  /**
   * True while a batch is being gathered, processed or deleted. A failed message waiting for its
   * visibility timeout is in flight on the queue, which the drain check counts.
   */
  get busy(): boolean {
    return this.busyLanes > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
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
    const { sqs, queueUrl, fifo, visibilityTimeoutMs } = this.options;
    this.stats.receives++;
    const out = await sqs.call(
      'ReceiveMessage',
      {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        // Fractional seconds: fauxqs takes them, SQS would not (see docs/local-run.md).
        VisibilityTimeout: visibilityTimeoutMs / 1000,
        MessageSystemAttributeNames: (fifo ? [...STANDARD_ATTRIBUTES, ...FIFO_ATTRIBUTES] : STANDARD_ATTRIBUTES) as never,
        MessageAttributeNames: ['All'],
      },
      this.abort.signal,
    );
    const receivedAt = Date.now();
    const visibleAt = receivedAt + visibilityTimeoutMs;
    const messages = out.Messages ?? [];
    if (messages.length === 0) this.stats.emptyReceives++;
    this.stats.received += messages.length;
    for (const { MessageId = '', ReceiptHandle = '' } of messages) {
      const held = this.held.get(MessageId);
      if (held) {
        this.stats.redeliveredInFlight++;
        held.holders++;
        held.receiptHandle = ReceiptHandle;
        held.visibleAt = visibleAt;
      } else {
        this.held.set(MessageId, { holders: 1, receiptHandle: ReceiptHandle, visibleAt });
      }
    }
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
      // Exactly what Lambda deletes: every record the response does not list as failed.
      const failed = failedMessageIds(records, outcome, reportBatchItemFailures);
      if (fifo) this.stats.orderingViolations.push(...orderingViolations(records, failed));
      const succeeded = records.filter((r) => !failed.has(r.messageId));
      for (const r of succeeded) this.stats.latency.add(completedAt - Number(r.attributes.SentTimestamp));
      if (succeeded.length > 0) this.stats.lastSuccessAt = completedAt;
      this.stats.failedAttempts += failed.size;
      // A failed message stays in flight until its visibility timeout ends; no invocation holds it now.
      records.filter((r) => failed.has(r.messageId)).forEach((r) => this.unhold(r.messageId));
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

  private unhold(messageId: string): void {
    const held = this.held.get(messageId);
    if (held && --held.holders <= 0) this.held.delete(messageId);
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    // fauxqs forgets a receipt handle once its visibility timeout ends, whether or not the message
    // was received again: such a delete deletes nothing here.
    const now = Date.now();
    const stale = new Set(
      records.filter((r) => {
        const held = this.held.get(r.messageId);
        return held?.receiptHandle !== r.receiptHandle || now >= held.visibleAt;
      }),
    );
    this.stats.staleDeletes += stale.size;
    // A message whose visibility timeout has ended is no longer held by this invocation.
    stale.forEach((r) => this.unhold(r.messageId));
    try {
      await this.deleteChunks(records, stale);
    } finally {
      records.filter((r) => !stale.has(r)).forEach((r) => this.unhold(r.messageId));
    }
  }

  /** Deletes as Lambda does, stale handles included; only the others count as deleted. */
  private async deleteChunks(records: SQSRecord[], stale: ReadonlySet<SQSRecord>): Promise<void> {
    const chunks: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += CHUNK) chunks.push(records.slice(i, i + CHUNK));
    await Promise.all(
      chunks.map(async (chunk) => {
        const out = await this.options.sqs.call('DeleteMessageBatch', {
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        });
        this.stats.deleted += (out.Successful ?? []).filter((e) => !stale.has(chunk[Number(e.Id)])).length;
      }),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
