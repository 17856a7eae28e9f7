import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PipelineEvent } from '../shared/envelope';
import { MessageGroupBlockedError, toError } from '../shared/errors';
import { logRecordFailure } from '../shared/logger';
import { planBatch, type Step, type WriteStep } from './plan';

export interface StateProjectorHandlerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
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
 * Each message group is written in batch order and stops at its first failed
 * write. Groups are written in parallel. The FIFO batch processor, with
 * skipGroupOnError, then fails a failed record and every later record of its
 * group, while other groups go on.
 */
export function createStateProjectorHandler(options: StateProjectorHandlerOptions): StateProjectorHandler {
  const { client, tableName, logger } = options;
  const now = options.now ?? (() => new Date());
  const processor = new SqsFifoPartialProcessorAsync();

  return async (event, context) => {
    if (context) {
      logger.addContext(context);
    }
    const steps = planBatch(event.Records);
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

    const failures = recordFailures(steps, writeErrors);
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
      const failure = failures.get(step.messageId);
      if (failure) {
        const blocked = failure.error instanceof MessageGroupBlockedError;
        logRecordFailure(logger, blocked ? 'warn' : 'error', failure);
      } else if (step.kind === 'superseded') {
        superseded++;
      }
    }
    logger.info('Batch processed', {
      records: event.Records.length,
      applied,
      stale,
      superseded,
      failed: response.batchItemFailures.length,
    });
    return response;
  };
}

interface Failure {
  readonly messageId: string;
  readonly error: Error;
  readonly eventId?: string;
  readonly messageGroupId?: string;
}

/**
 * The error of each record that fails: its own, or, for any record after a
 * failure in its message group, a MessageGroupBlockedError.
 */
function recordFailures(steps: readonly Step[], writeErrors: ReadonlyMap<string, Error>): Map<string, Failure> {
  const failures = new Map<string, Failure>();
  const failedGroups = new Set<string>();
  for (const step of steps) {
    const { messageId, groupId } = step;
    const eventId = 'event' in step ? step.event.id : step.kind === 'blocked' ? step.eventId : undefined;
    const own = step.kind === 'malformed' ? step.error : writeErrors.get(messageId);
    const error =
      own ?? (groupId !== undefined && failedGroups.has(groupId) ? new MessageGroupBlockedError(groupId) : undefined);
    if (error) {
      failures.set(messageId, { messageId, error, eventId, messageGroupId: groupId });
      if (groupId !== undefined) {
        failedGroups.add(groupId);
      }
    }
  }
  return failures;
}
