import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffDelay, isRetryableError, type RetryPolicy } from '../shared/backoff';
import { WriteFailedError, toError } from '../shared/errors';
import { chunk, type EventItem } from './item';

/** BatchWriteItem accepts at most 25 requests per call. */
export const MAX_BATCH_WRITE_ITEMS = 25;

export interface PutItemsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly retryPolicy: RetryPolicy;
  /** BatchWriteItem calls in flight at once. */
  readonly concurrency: number;
}

/** What putItems did. */
export interface PutItemsResult {
  /** The error of each item that was not stored, by item id. */
  readonly failures: Map<string, Error>;
  /** BatchWriteItem calls made again, after unprocessed items or a retryable error. */
  readonly retries: number;
  /** Items DynamoDB returned as UnprocessedItems, summed over the calls (an item left twice counts twice). */
  readonly unprocessedItems: number;
}

interface WriteCounts {
  retries: number;
  unprocessedItems: number;
}

/**
 * Puts items with distinct ids, 25 per BatchWriteItem call.
 *
 * Unprocessed items, and calls that fail with a retryable error, are retried
 * with backoff. A call that fails for another reason, such as one invalid
 * item, is replayed one item per call so that only the bad item fails. Only
 * BatchWriteItem is used, the one action the function needs.
 *
 * @returns the error of each item that was not stored, by item id, and the retries and unprocessed items seen
 */
export async function putItems(items: readonly EventItem[], options: PutItemsOptions): Promise<PutItemsResult> {
  const failures = new Map<string, Error>();
  const counts: WriteCounts = { retries: 0, unprocessedItems: 0 };
  const chunks = chunk(items, MAX_BATCH_WRITE_ITEMS);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunkFailures = await putChunk(chunks[next++], options, counts);
      chunkFailures.forEach((error, id) => failures.set(id, error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, chunks.length) }, worker));
  return { failures, ...counts };
}

async function putChunk(items: readonly EventItem[], options: PutItemsOptions, counts: WriteCounts): Promise<Map<string, Error>> {
  const { client, tableName, retryPolicy } = options;
  let pending = items;
  let lastError: unknown;
  for (let attempt = 1; attempt <= retryPolicy.maxAttempts; attempt++) {
    if (attempt > 1) {
      counts.retries++;
      await retryPolicy.sleep(backoffDelay(attempt - 1, retryPolicy));
    }
    try {
      const output = await client.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: pending.map((item) => ({ PutRequest: { Item: item } })) },
        }),
      );
      const unprocessedRequests = output.UnprocessedItems?.[tableName] ?? [];
      counts.unprocessedItems += unprocessedRequests.length;
      const unprocessed = new Set(unprocessedRequests.map((request) => request.PutRequest?.Item?.id));
      pending = pending.filter((item) => unprocessed.has(item.id));
      lastError = undefined;
    } catch (error) {
      if (!isRetryableError(error)) {
        return pending.length === 1 ? rejected(pending[0], error) : putEachAlone(pending, options, counts);
      }
      lastError = error;
    }
    if (pending.length === 0) {
      return new Map();
    }
  }
  const reason =
    lastError === undefined
      ? `DynamoDB left the item unprocessed after ${retryPolicy.maxAttempts} attempts`
      : `DynamoDB BatchWriteItem failed after ${retryPolicy.maxAttempts} attempts: ${describe(lastError)}`;
  return new Map(pending.map((item) => [item.id, new WriteFailedError(reason, { cause: lastError })]));
}

async function putEachAlone(items: readonly EventItem[], options: PutItemsOptions, counts: WriteCounts): Promise<Map<string, Error>> {
  const results = await Promise.all(items.map((item) => putChunk([item], options, counts)));
  return new Map(results.flatMap((failures) => [...failures]));
}

function rejected(item: EventItem, error: unknown): Map<string, Error> {
  return new Map([[item.id, new WriteFailedError(`DynamoDB rejected the item: ${describe(error)}`, { cause: error })]]);
}

function describe(thrown: unknown): string {
  const error = toError(thrown);
  return `${error.name}: ${error.message}`;
}
