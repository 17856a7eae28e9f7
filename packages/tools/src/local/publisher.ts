/**
 * Publishes scenario entries with SNS PublishBatch, 10 per call. Entries are sharded by subject
 * over a few concurrent lanes, so each subject's messages keep their order.
 */
import type { PublishEntry } from './scenario';
import type { PublishBatchEntry, SnsWire } from './sns-wire';

export interface PublishOptions {
  readonly sns: SnsWire;
  readonly topicArn: string;
  readonly fifo: boolean;
  /** Concurrent PublishBatch calls. @default 4 */
  readonly lanes?: number;
  readonly onPublished?: (count: number) => void;
  /** Called with each PublishBatch call's entries, before the call. */
  readonly onBatch?: (entries: readonly PublishBatchEntry[]) => void;
}

export interface PublishResult {
  readonly published: number;
  readonly failed: { id: string; code?: string; message?: string }[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

const BATCH = 10;

export async function publishEntries(entries: readonly PublishEntry[], options: PublishOptions): Promise<PublishResult> {
  const laneCount = Math.max(1, options.lanes ?? 4);
  const lanes: PublishEntry[][] = Array.from({ length: laneCount }, () => []);
  for (const entry of entries) lanes[shard(entry.subject, laneCount)].push(entry);
  const failed: PublishResult['failed'] = [];
  let published = 0;
  const startedAt = Date.now();
  await Promise.all(
    lanes.map(async (lane) => {
      for (let i = 0; i < lane.length; i += BATCH) {
        const batch = lane.slice(i, i + BATCH);
        const request = batch.map(
          (entry, n): PublishBatchEntry => ({
            Id: String(n),
            Message: entry.body,
            MessageAttributes: { type: { DataType: 'String', StringValue: entry.type } },
            ...(options.fifo ? { MessageGroupId: entry.subject, MessageDeduplicationId: entry.id } : {}),
          }),
        );
        options.onBatch?.(request);
        const out = await options.sns.publishBatch(options.topicArn, request);
        for (const f of out.failed) failed.push({ id: batch[Number(f.Id)].id, code: f.Code, message: f.Message });
        published += out.successful;
        options.onPublished?.(published);
      }
    }),
  );
  return { published, failed, startedAt, finishedAt: Date.now() };
}

/** The lane of a subject: the same subject always gets the same lane. */
export function shard(key: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
