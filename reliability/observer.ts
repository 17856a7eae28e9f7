/**
 * Watches every invocation the event source pollers make: which messages each function processed
 * successfully, how often each was delivered, and whether one message was in two invocations at
 * once. It can also make a message's visibility timeout expire while its batch is being processed,
 * so that a second invocation receives it (see expireDuringProcessing).
 */
import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventSourceRuntime, LocalPipeline } from '../packages/tools/src/local/pipeline';
import { seededRandom } from '../packages/tools/src/local/scenario';
import { failedMessageIds } from '../packages/tools/src/local/sqs-event';
import type { Consumer } from './conservation';
import { digestOf } from './ledger';

export interface Delivery {
  readonly digest: string;
  readonly groupId?: string;
  count: number;
  failures: number;
  firstAt: number;
  lastFailedAt?: number;
  ackedAt?: number;
}

export interface Invocation {
  readonly consumer: Consumer;
  readonly startedAt: number;
  endedAt: number;
  readonly records: readonly { readonly messageId: string; readonly digest: string; readonly groupId?: string }[];
  failed: ReadonlySet<string>;
  errorType?: string;
}

export interface ExpiryOptions {
  /** Share of invocations whose messages see their visibility timeout expire. */
  readonly rate: number;
  readonly seed: number;
  /** At most this many messages. @default no limit */
  readonly limit?: number;
  /** How long the first invocation waits for a second one to receive the message. @default 2000 */
  readonly waitMs?: number;
}

export function consumerOf(source: EventSourceRuntime): Consumer {
  return source.queue.fifo ? 'state-projector' : 'event-log';
}

export class InvocationObserver {
  public readonly deliveries: Record<Consumer, Map<string, Delivery>> = { 'event-log': new Map(), 'state-projector': new Map() };
  /** Digests of the bodies each function processed successfully. */
  public readonly acknowledged: Record<Consumer, Set<string>> = { 'event-log': new Set(), 'state-projector': new Set() };
  /** Every invocation, when `keepInvocations` is on. */
  public readonly invocations: Invocation[] = [];
  /** Times a message was handed to an invocation while another invocation still held it. */
  public concurrentDeliveries = 0;
  /** Messages made visible again while their batch was being processed. */
  public expired = 0;
  /** Failed invocations, by error type (`Runtime.ExitError`, `Sandbox.Timedout`...). */
  public readonly errors = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly expiredIds = new Set<string>();
  private expiry?: { options: ExpiryOptions; random: () => number };

  constructor(
    private readonly pipeline: LocalPipeline,
    private readonly keepInvocations = false,
  ) {
    for (const source of pipeline.sources) this.watch(source);
  }

  /** From now on, expire the visibility of messages while they are processed; undefined stops it. */
  expireDuringProcessing(options: ExpiryOptions | undefined): void {
    this.expiry = options && { options, random: seededRandom(options.seed) };
  }

  private watch(source: EventSourceRuntime): void {
    const consumer = consumerOf(source);
    const host = source.host;
    const invoke = host.invoke.bind(host);
    host.invoke = async (event) => {
      const records = (event as SQSEvent).Records;
      const invocation: Invocation = {
        consumer,
        startedAt: Date.now(),
        endedAt: 0,
        records: records.map((r) => ({ messageId: r.messageId, digest: digestOf(r.body), groupId: r.attributes.MessageGroupId })),
        failed: new Set(),
      };
      for (const r of invocation.records) {
        const held = this.inFlight.get(r.messageId) ?? 0;
        if (held > 0) this.concurrentDeliveries++;
        this.inFlight.set(r.messageId, held + 1);
        const d = this.deliveries[consumer].get(r.messageId);
        if (d) d.count++;
        else this.deliveries[consumer].set(r.messageId, { digest: r.digest, groupId: r.groupId, count: 1, failures: 0, firstAt: invocation.startedAt });
      }
      try {
        await this.maybeExpire(source, records);
        const outcome = await invoke(event);
        invocation.endedAt = Date.now();
        // What Lambda deletes: every record the response does not list, on a FIFO queue too.
        const failed = failedMessageIds(records, outcome, source.mapping.reportBatchItemFailures);
        invocation.failed = failed;
        invocation.errorType = outcome.error?.errorType;
        if (invocation.errorType) this.errors.set(invocation.errorType, (this.errors.get(invocation.errorType) ?? 0) + 1);
        for (const r of invocation.records) {
          const d = this.deliveries[consumer].get(r.messageId)!;
          if (failed.has(r.messageId)) {
            d.failures++;
            d.lastFailedAt = invocation.endedAt;
          } else {
            d.ackedAt ??= invocation.endedAt;
            this.acknowledged[consumer].add(r.digest);
          }
        }
        return outcome;
      } finally {
        for (const r of invocation.records) {
          const held = this.inFlight.get(r.messageId)! - 1;
          if (held > 0) this.inFlight.set(r.messageId, held);
          else this.inFlight.delete(r.messageId);
        }
        if (this.keepInvocations) this.invocations.push(invocation);
      }
    };
  }

  /**
   * Makes the batch's messages visible again now, as an expired visibility timeout would, then
   * waits until another invocation has received one of them, so that both process it at once.
   */
  private async maybeExpire(source: EventSourceRuntime, records: readonly SQSRecord[]): Promise<void> {
    const expiry = this.expiry;
    if (!expiry || expiry.random() >= expiry.options.rate) return;
    const room = (expiry.options.limit ?? Infinity) - this.expired;
    const fresh = records.filter((r) => !this.expiredIds.has(r.messageId)).slice(0, Math.max(0, room));
    if (fresh.length === 0) return;
    fresh.forEach((r) => this.expiredIds.add(r.messageId));
    for (let i = 0; i < fresh.length; i += 10) {
      const chunk = fresh.slice(i, i + 10);
      await this.pipeline.clients.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: source.queue.url,
          Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
    this.expired += fresh.length;
    const deadline = Date.now() + (expiry.options.waitMs ?? 2_000);
    while (Date.now() < deadline && !fresh.some((r) => (this.inFlight.get(r.messageId) ?? 0) > 1)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
