import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { PutCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PipelineEvent } from '../../packages/publisher/src/envelope';
import { type DeadLetterTarget, deadLetterRecords } from '../shared/dead-letter';
import { MessageGroupBlockedError, toError } from '../shared/errors';
import { logDeadLettered, logRecordFailure, type RecordFailure } from '../shared/logger';
import { type Counts, METRIC_NAMES, countReplayed, withCounts } from '../shared/metrics';
import { malformedRecords, parseRecords, planBatch, type Step, type WriteStep } from './plan';

export interface StateProjectorHandlerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /**
   * Where malformed records go at once, so that they do not hold back their
   * message group. Without it they fail, hold back the later records of their
   * group, and reach the dead-letter queue through the queue's redrive policy.
   * @default - none
   */
  readonly deadLetter?: DeadLetterTarget;
  /**
   * Where the invocation's counts go, flushed once per invocation as EMF:
   * events stored, duplicates skipped (refused by the sequence guard), events
   * superseded, events dead-lettered, events replayed and records failed.
   * @default - no metrics
   */
  readonly metrics?: Metrics;
}

export type StateProjectorHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * A conditional put that keeps the event with the highest sequence of a
 * subject, whatever the order in which events arrive.
 */
export function statePut(tableName: string, event: PipelineEvent, updatedAt: Date): PutCommandInput {
  return {
    TableName: tableName,
    Item: {
      subject: event.subject,
      sequence: event.sequence,
      eventId: event.id,
      type: event.type,
      source: event.source,
      time: event.time,
      data: event.data,
      updatedAt: updatedAt.toISOString(),
    },
    ConditionExpression: 'attribute_not_exists(#subject) OR #sequence < :sequence',
    ExpressionAttributeNames: { '#subject': 'subject', '#sequence': 'sequence' },
    ExpressionAttributeValues: { ':sequence': event.sequence },
  };
}

/**
 * Folds the events of a FIFO batch into the state table: the state of a
 * subject is its event with the highest sequence.
 *
 * Malformed records are sent to the dead-letter queue first; those sent count
 * as processed, and the rest of their group is projected. Each message group
 * is then written in batch order and stops at its first failed write, or at a
 * malformed record that could not be dead-lettered. Groups are written in
 * parallel. The FIFO batch processor, with skipGroupOnError, then fails a
 * failed record and every later record of its group, while other groups go on.
 *
 * A dead-lettered record behind a failed write of its group is failed too,
 * and so redelivered and sent again; on a FIFO dead-letter queue its
 * deduplication id (its message id) drops that copy within 5 minutes.
 *
 * The counts of the invocation are published as metrics at the end, even
 * when it throws.
 */
export function createStateProjectorHandler(options: StateProjectorHandlerOptions): StateProjectorHandler {
  const { client, tableName, logger } = options;
  const now = options.now ?? (() => new Date());
  const processor = new SqsFifoPartialProcessorAsync();

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
    const parsed = parseRecords(event.Records);
    const deadLettered = await deadLetterRecords(malformedRecords(parsed), options.deadLetter);
    counts[METRIC_NAMES.eventsDeadLettered] = deadLettered.sent.size;
    const steps = planBatch(event.Records, deadLettered.sent, parsed);
    const updatedAt = now();
    const writeErrors = new Map<string, Error>();
    let applied = 0;
    let stale = 0;

    const writesByGroup = new Map<string, WriteStep[]>();
    for (const step of steps) {
      if (step.kind === 'write') {
        const writes = writesByGroup.get(step.groupId) ?? [];
        writes.push(step);
        writesByGroup.set(step.groupId, writes);
      }
    }
    await Promise.all(
      [...writesByGroup.values()].map(async (writes) => {
        for (const { messageId, event: projected } of writes) {
          try {
            await client.send(new PutCommand(statePut(tableName, projected, updatedAt)));
            applied++;
          } catch (thrown) {
            const error = toError(thrown);
            if (error.name === 'ConditionalCheckFailedException') {
              stale++;
              continue;
            }
            writeErrors.set(messageId, error);
            return;
          }
        }
      }),
    );

    counts[METRIC_NAMES.eventsStored] = applied;
    counts[METRIC_NAMES.duplicatesSkipped] = stale;
    const failures = recordFailures(steps, writeErrors, deadLettered.failed);
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const failure = failures.get(record.messageId);
        if (failure) {
          throw failure.error;
        }
      },
      processor,
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );

    let superseded = 0;
    for (const step of steps) {
      if (step.kind === 'dead-lettered') {
        logDeadLettered(logger, { messageId: step.messageId, error: step.error, messageGroupId: step.groupId });
      }
      const failure = failures.get(step.messageId);
      if (failure) {
        const blocked = failure.error instanceof MessageGroupBlockedError;
        logRecordFailure(logger, blocked ? 'warn' : 'error', failure);
      } else if (step.kind === 'superseded') {
        superseded++;
      }
    }
    counts[METRIC_NAMES.eventsSuperseded] = superseded;
    counts[METRIC_NAMES.recordsFailed] = response.batchItemFailures.length;
    logger.info('Batch processed', {
      records: event.Records.length,
      applied,
      stale,
      superseded,
      deadLettered: deadLettered.sent.size,
      failed: response.batchItemFailures.length,
    });
    return response;
  }
}

/**
 * The error of each record that fails: its own, or, for any record after a
 * failure in its message group, a MessageGroupBlockedError.
 */
function recordFailures(
  steps: readonly Step[],
  writeErrors: ReadonlyMap<string, Error>,
  deadLetterErrors: ReadonlyMap<string, Error>,
): Map<string, RecordFailure> {
  const failures = new Map<string, RecordFailure>();
  const failedGroups = new Set<string>();
  for (const step of steps) {
    const { messageId, groupId } = step;
    const eventId = 'event' in step ? step.event.id : step.kind === 'blocked' ? step.eventId : undefined;
    const own = step.kind === 'malformed' ? step.error : writeErrors.get(messageId);
    const error =
      own ?? (groupId !== undefined && failedGroups.has(groupId) ? new MessageGroupBlockedError(groupId) : undefined);
    if (error) {
      const deadLetterError = own ? deadLetterErrors.get(messageId) : undefined;
      failures.set(messageId, { messageId, error, eventId, messageGroupId: groupId, deadLetterError });
      if (groupId !== undefined) {
        failedGroups.add(groupId);
      }
    }
  }
  return failures;
}
