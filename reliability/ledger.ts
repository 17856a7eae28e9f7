/**
 * What was published: each SNS message with what the pipeline must do with it (store it, or
 * dead-letter it), and the publisher that records a message only once SNS accepted it.
 */
import { createHash } from 'node:crypto';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { PipelineEvent } from '../packages/publisher/src/envelope';
import type { CloudEvent } from '../packages/tools/src/local/scenario';

/** The fields of a valid event that the tables must reflect. */
export type LedgerEvent = Omit<PipelineEvent, 'specversion'>;

export interface PublishedMessage {
  readonly body: string;
  /** sha-256 of the body: how a message is recognized in a queue or a dead-letter queue. */
  readonly digest: string;
  /** MessageGroupId: the subject, or for a poison message the group it is published to. */
  readonly groupId: string;
  readonly deduplicationId: string;
  /** The `type` message attribute. */
  readonly type: string;
  /** `stored`: a valid event; `dead-lettered`: a poison message. */
  readonly expect: 'stored' | 'dead-lettered';
  /** For a valid event, the event. */
  readonly event?: LedgerEvent;
  /** What the message is, for reports: `event`, `duplicate`, `poison:not-json`... */
  readonly label: string;
}

export function digestOf(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

export function eventMessage(
  event: CloudEvent,
  options: { label?: string; deduplicationId?: string; body?: string } = {},
): PublishedMessage {
  const body = options.body ?? JSON.stringify(event);
  return {
    body,
    digest: digestOf(body),
    groupId: event.subject,
    deduplicationId: options.deduplicationId ?? event.id,
    type: event.type,
    expect: 'stored',
    event: {
      id: event.id,
      source: event.source,
      type: event.type,
      subject: event.subject,
      sequence: Number(event.sequence),
      time: event.time,
      data: event.data,
    },
    label: options.label ?? 'event',
  };
}

export function poisonMessage(body: string, groupId: string, deduplicationId: string, label: string): PublishedMessage {
  return { body, digest: digestOf(body), groupId, deduplicationId, type: 'parcel.in-transit', expect: 'dead-lettered', label };
}

export interface PublishOutcome {
  readonly published: PublishedMessage[];
  readonly failed: { readonly message: PublishedMessage; readonly code?: string; readonly reason?: string }[];
}

/** SNS limits: 10 entries per PublishBatch, 256 KiB per message and per batch, attributes included. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_PAYLOAD_BYTES = 262_144;

/** Bytes a message counts for against SNS's size limit: the body and its message attributes. */
export function payloadBytes(message: PublishedMessage): number {
  return Buffer.byteLength(message.body) + 'type'.length + 'String'.length + Buffer.byteLength(message.type);
}

/** Splits messages into PublishBatch calls, in order, within SNS's count and size limits. */
export function batches(messages: readonly PublishedMessage[]): PublishedMessage[][] {
  const out: PublishedMessage[][] = [];
  let current: PublishedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = payloadBytes(m);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_PAYLOAD_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Publishes to a FIFO topic with PublishBatch, sharded by message group over a few concurrent
 * lanes so each group keeps its order. Only what SNS accepted is returned as published.
 */
export async function publishMessages(
  sns: SNSClient,
  topicArn: string,
  messages: readonly PublishedMessage[],
  options: { lanes?: number; onPublished?: (count: number) => void } = {},
): Promise<PublishOutcome> {
  const laneCount = Math.max(1, options.lanes ?? 4);
  const lanes: PublishedMessage[][] = Array.from({ length: laneCount }, () => []);
  for (const m of messages) lanes[shard(m.groupId, laneCount)].push(m);
  const published: PublishedMessage[] = [];
  const failed: PublishOutcome['failed'] = [];
  await Promise.all(
    lanes.map(async (lane) => {
      for (const batch of batches(lane)) {
        const out = await sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: batch.map((m, n) => ({
              Id: String(n),
              Message: m.body,
              MessageAttributes: { type: { DataType: 'String', StringValue: m.type } },
              MessageGroupId: m.groupId,
              MessageDeduplicationId: m.deduplicationId,
            })),
          }),
        );
        for (const s of out.Successful ?? []) published.push(batch[Number(s.Id)]);
        for (const f of out.Failed ?? []) failed.push({ message: batch[Number(f.Id)], code: f.Code, reason: f.Message });
        options.onPublished?.(published.length);
      }
    }),
  );
  return { published, failed };
}

function shard(key: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
