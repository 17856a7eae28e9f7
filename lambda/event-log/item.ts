import type { PipelineEvent } from '../../packages/publisher/src/envelope';

const SECONDS_PER_DAY = 86_400;

/** One row of the events table, keyed by the event's id. */
export interface EventItem {
  readonly id: string;
  readonly subject: string;
  readonly type: string;
  readonly source: string;
  readonly specversion: string;
  readonly sequence: number;
  readonly time?: string;
  readonly data?: unknown;
  /** When the batch that carried the event was processed (ISO 8601). */
  readonly receivedAt: string;
  /** The table's TTL attribute, in epoch seconds. */
  readonly expiresAt: number;
}

export function toEventItem(event: PipelineEvent, receivedAt: Date, retentionDays: number): EventItem {
  return {
    id: event.id,
    subject: event.subject,
    type: event.type,
    source: event.source,
    specversion: event.specversion,
    sequence: event.sequence,
    time: event.time,
    data: event.data,
    receivedAt: receivedAt.toISOString(),
    expiresAt: Math.floor(receivedAt.getTime() / 1000) + retentionDays * SECONDS_PER_DAY,
  };
}

/** Splits `items` into runs of at most `size`, in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
