import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../shared/backoff';
import { parseEvent } from '../shared/envelope';
import { toError } from '../shared/errors';
import { logRecordFailure } from '../shared/logger';
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
}

export type EventLogHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Stores every valid event of a standard-queue batch in the events table,
 * keyed by event id, so a redelivered event overwrites itself.
 *
 * The whole batch is parsed and written first; the batch processor then
 * reports each record's outcome, so a bad record fails alone.
 */
export function createEventLogHandler(options: EventLogHandlerOptions): EventLogHandler {
  const { logger, retentionDays } = options;
  const now = options.now ?? (() => new Date());
  const processor = new BatchProcessor(EventType.SQS);

  return async (event, context) => {
    if (context) {
      logger.addContext(context);
    }
    const receivedAt = now();
    const failures = new Map<string, Error>();
    const eventIds = new Map<string, string>();
    const items = new Map<string, EventItem>();
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
      } catch (error) {
        failures.set(record.messageId, toError(error));
      }
    }

    const writeFailures = await putItems([...items.values()], {
      client: options.client,
      tableName: options.tableName,
      retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      concurrency: options.writeConcurrency ?? 4,
    });
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

    failures.forEach((error, messageId) =>
      logRecordFailure(logger, 'error', { messageId, error, eventId: eventIds.get(messageId) }),
    );
    logger.info('Batch processed', {
      records: event.Records.length,
      written: items.size - writeFailures.size,
      duplicatesInBatch,
      failed: response.batchItemFailures.length,
    });
    return response;
  };
}
