import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseEvent } from '../../packages/publisher/src/envelope';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../shared/backoff';
import { type DeadLetter, type DeadLetterTarget, deadLetterRecords } from '../shared/dead-letter';
import { MalformedEventError, toError } from '../shared/errors';
import { logDeadLettered, logRecordFailure } from '../shared/logger';
import { type Counts, METRIC_NAMES, countReplayed, withCounts } from '../shared/metrics';
import { putItems } from './batch-write';
import { toEventItem, type EventItem } from './item';

export interface EventLogHandlerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Days an event is kept before the table's TTL removes it. */
  readonly retentionDays: number;
  readonly logger: Logger;
  /** @default DEFAULT_RETRY_POLICY - 8 attempts, 50 ms base, 2 s cap */
  readonly retryPolicy?: RetryPolicy;
  /**
   * BatchWriteItem calls in flight at once.
   * @default 4
   */
  readonly writeConcurrency?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /**
   * Where malformed records go at once. Without it they fail and reach the
   * dead-letter queue through the queue's redrive policy.
   * @default - none
   */
  readonly deadLetter?: DeadLetterTarget;
  /**
   * Where the invocation's counts go, flushed once per invocation as EMF:
   * events stored, duplicates skipped, events dead-lettered, events replayed,
   * records failed, BatchWriteItem retries and unprocessed items.
   * @default - no metrics
   */
  readonly metrics?: Metrics;
}

export type EventLogHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Stores every valid event of a standard-queue batch in the events table,
 * keyed by event id, so a redelivered event overwrites itself.
 *
 * The whole batch is parsed and the valid events written; then the malformed
 * records are sent to the dead-letter queue. The batch processor reports each
 * record's outcome, so a record whose write failed, or a malformed one that
 * could not be dead-lettered, fails alone. The counts of the invocation are
 * published as metrics at the end, even when it throws.
 */
export function createEventLogHandler(options: EventLogHandlerOptions): EventLogHandler {
  const { logger, retentionDays } = options;
  const now = options.now ?? (() => new Date());
  const processor = new BatchProcessor(EventType.SQS);

  return withCounts(options.metrics, handleBatch);

  async function handleBatch(
    event: SQSEvent,
    context: Context | undefined,
    counts: Counts,
  ): Promise<SQSBatchResponse> {
    if (context) {
      logger.addContext(context);
    }
    counts[METRIC_NAMES.eventsReplayed] = countReplayed(event.Records);
    const receivedAt = now();
    const failures = new Map<string, Error>();
    const eventIds = new Map<string, string>();
    const items = new Map<string, EventItem>();
    const malformed: DeadLetter[] = [];
    let duplicatesInBatch = 0;

    for (const record of event.Records) {
      try {
        const parsed = parseEvent(record.body);
        eventIds.set(record.messageId, parsed.id);
        if (items.has(parsed.id)) {
          duplicatesInBatch++;
        } else {
          items.set(parsed.id, toEventItem(parsed, receivedAt, retentionDays));
        }
      } catch (thrown) {
        const error = toError(thrown);
        if (error instanceof MalformedEventError) {
          malformed.push({ record, error, eventId: error.eventId });
        } else {
          failures.set(record.messageId, error);
        }
      }
    }

    const written = await putItems([...items.values()], {
      client: options.client,
      tableName: options.tableName,
      retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      concurrency: options.writeConcurrency ?? 4,
    });
    const writeFailures = written.failures;
    counts[METRIC_NAMES.eventsStored] = items.size - writeFailures.size;
    counts[METRIC_NAMES.duplicatesSkipped] = duplicatesInBatch;
    counts[METRIC_NAMES.batchWriteRetries] = written.retries;
    counts[METRIC_NAMES.unprocessedItems] = written.unprocessedItems;
    // After the writes, the longest part: a batch cut short by a crash or a timeout during the writes
    // has sent nothing yet, so its redelivery does not put a second copy in a standard DLQ, which
    // cannot deduplicate.
    const deadLettered = await deadLetterRecords(malformed, options.deadLetter);
    counts[METRIC_NAMES.eventsDeadLettered] = deadLettered.sent.size;
    for (const { record, error } of malformed) {
      if (deadLettered.sent.has(record.messageId)) {
        logDeadLettered(logger, { messageId: record.messageId, error });
      } else {
        failures.set(record.messageId, error);
      }
    }
    eventIds.forEach((eventId, messageId) => {
      const error = writeFailures.get(eventId);
      if (error) {
        failures.set(messageId, error);
      }
    });

    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const error = failures.get(record.messageId);
        if (error) {
          throw error;
        }
      },
      processor,
      { context, throwOnFullBatchFailure: false },
    );

    counts[METRIC_NAMES.recordsFailed] = response.batchItemFailures.length;
    failures.forEach((error, messageId) =>
      logRecordFailure(logger, 'error', {
        messageId,
        error,
        eventId: eventIds.get(messageId),
        deadLetterError: deadLettered.failed.get(messageId),
      }),
    );
    logger.info('Batch processed', {
      records: event.Records.length,
      written: items.size - writeFailures.size,
      duplicatesInBatch,
      deadLettered: deadLettered.sent.size,
      failed: response.batchItemFailures.length,
    });
    return response;
  }
}
