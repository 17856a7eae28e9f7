/**
 * What the fault proxy sees of DynamoDB writes: the items of each write request, and which writes
 * landed. The events table gets BatchWriteItem (items keyed by `id`), the state table conditional
 * PutItem (items keyed by `subject`, with `sequence` and `eventId`).
 */

type AttributeValue = { S?: string; N?: string; [type: string]: unknown };
type Item = Record<string, AttributeValue>;
type BatchRequest = { PutRequest?: { Item: Item }; DeleteRequest?: unknown };

export interface WriteItem {
  readonly table: string;
  /** `id`, else `subject`: the key of the pipeline's two tables. */
  readonly key: string;
  readonly subject?: string;
  readonly sequence?: number;
  readonly eventId?: string;
}

export interface WriteRequest {
  readonly operation: 'BatchWriteItem' | 'PutItem';
  readonly items: readonly WriteItem[];
  readonly subjects: readonly string[];
  /** The request body without the put requests of these keys (BatchWriteItem). */
  without(keys: ReadonlySet<string>): Buffer;
  /** The put requests of these keys, by table, as UnprocessedItems lists them. */
  requestsFor(keys: ReadonlySet<string>): Record<string, BatchRequest[]>;
}

/** A conditional put of the state table that DynamoDB accepted. */
export interface Application {
  readonly subject: string;
  readonly sequence: number;
  readonly eventId: string;
  /** When the request reached the proxy and when dynalite answered it (epoch ms). */
  readonly sentAt: number;
  readonly doneAt: number;
}

function toItem(table: string, item: Item): WriteItem {
  const subject = item.subject?.S;
  const sequence = item.sequence?.N === undefined ? undefined : Number(item.sequence.N);
  return { table, key: item.id?.S ?? subject ?? JSON.stringify(item), subject, sequence, eventId: item.eventId?.S ?? item.id?.S };
}

export function parseWriteRequest(operation: string, body: Buffer): WriteRequest | undefined {
  if (operation !== 'BatchWriteItem' && operation !== 'PutItem') return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (operation === 'PutItem') {
    const item = toItem(String(json.TableName), (json.Item ?? {}) as Item);
    return {
      operation,
      items: [item],
      subjects: item.subject === undefined ? [] : [item.subject],
      without: () => body,
      requestsFor: () => ({}),
    };
  }
  const requestItems = (json.RequestItems ?? {}) as Record<string, BatchRequest[]>;
  const items: WriteItem[] = [];
  for (const [table, requests] of Object.entries(requestItems)) {
    for (const r of requests) if (r.PutRequest) items.push(toItem(table, r.PutRequest.Item));
  }
  const filter = (keep: (table: string, r: BatchRequest) => boolean) => {
    const out: Record<string, BatchRequest[]> = {};
    for (const [table, requests] of Object.entries(requestItems)) {
      const kept = requests.filter((r) => keep(table, r));
      if (kept.length > 0) out[table] = kept;
    }
    return out;
  };
  const keyOf = (table: string, r: BatchRequest) => (r.PutRequest ? toItem(table, r.PutRequest.Item).key : undefined);
  return {
    operation,
    items,
    subjects: [...new Set(items.flatMap((i) => (i.subject === undefined ? [] : [i.subject])))],
    without: (keys) => {
      const kept = filter((table, r) => !keys.has(keyOf(table, r) ?? ''));
      return Buffer.from(JSON.stringify({ ...json, RequestItems: kept }));
    },
    requestsFor: (keys) => filter((table, r) => keys.has(keyOf(table, r) ?? '')),
  };
}

/** Keys a BatchWriteItem answer lists as unprocessed. */
export function unprocessedKeys(responseBody: Buffer): Set<string> {
  try {
    const json = JSON.parse(responseBody.toString('utf8')) as { UnprocessedItems?: Record<string, BatchRequest[]> };
    const keys = new Set<string>();
    for (const [table, requests] of Object.entries(json.UnprocessedItems ?? {})) {
      for (const r of requests) if (r.PutRequest) keys.add(toItem(table, r.PutRequest.Item).key);
    }
    return keys;
  } catch {
    return new Set();
  }
}

export class WriteLog {
  /** Puts that landed, per item key (events table: event id). */
  public readonly batchPuts = new Map<string, { readonly subject?: string; count: number }>();
  /** Conditional puts that DynamoDB accepted, in the order their answers came. */
  public readonly applications: Application[] = [];
  /** Conditional puts refused because the stored sequence was not older, by subject. */
  public readonly stale = new Map<string, number>();
  /** Write requests DynamoDB answered with an error (faults injected by the proxy are not counted). */
  public failed = 0;

  record(
    write: WriteRequest,
    status: number,
    responseBody: Buffer,
    sentAt: number,
    doneAt: number,
    held: ReadonlySet<string> = new Set(),
  ): void {
    if (write.operation === 'BatchWriteItem') {
      if (status !== 200) {
        this.failed++;
        return;
      }
      const unprocessed = unprocessedKeys(responseBody);
      for (const item of write.items) {
        if (held.has(item.key) || unprocessed.has(item.key)) continue;
        const entry = this.batchPuts.get(item.key);
        if (entry) entry.count++;
        else this.batchPuts.set(item.key, { subject: item.subject, count: 1 });
      }
      return;
    }
    const [item] = write.items;
    if (status === 200 && item.subject !== undefined && item.sequence !== undefined) {
      this.applications.push({ subject: item.subject, sequence: item.sequence, eventId: item.eventId ?? '', sentAt, doneAt });
    } else if (status === 400 && responseBody.toString('utf8').includes('ConditionalCheckFailedException')) {
      const subject = item.subject ?? '';
      this.stale.set(subject, (this.stale.get(subject) ?? 0) + 1);
    } else {
      this.failed++;
    }
  }
}
