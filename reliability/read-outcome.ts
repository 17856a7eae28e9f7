/**
 * Reads what the pipeline did: the two tables (scanned) and the dead-letter queues (drained, with
 * the reason each message carries in its failure.reason attribute, set by the function that
 * dead-lettered it, or else the reason its function logged for it).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { FAILURE_ATTRIBUTES } from '../packages/publisher/src/failure-attributes';
import type { LocalPipeline } from '../packages/tools/src/local/pipeline';
import type { TablePlan } from '../packages/tools/src/local/template';
import type { DeadLetter } from './conservation';
import { consumerOf } from './observer';

/** The events table is keyed by `id`, the state table by `subject`. */
export function pipelineTables(pipeline: LocalPipeline): { events: TablePlan; state: TablePlan } {
  const keyed = (key: string) => {
    const table = pipeline.plan.tables.find((t) => t.keySchema.length === 1 && t.keySchema[0].AttributeName === key);
    if (!table) throw new Error(`the stack has no table keyed by ${key}`);
    return table;
  };
  return { events: keyed('id'), state: keyed('subject') };
}

export async function scanTable(pipeline: LocalPipeline, table: TablePlan): Promise<Record<string, unknown>[]> {
  const documents = DynamoDBDocumentClient.from(pipeline.clients.dynamodb);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documents.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Receives and deletes every message of each consumer's dead-letter queue. */
export async function drainDeadLetters(pipeline: LocalPipeline): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const source of pipeline.sources) {
    const queue = source.deadLetterQueue;
    if (!queue) continue;
    for (;;) {
      const { Messages = [] } = await pipeline.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageAttributeNames: [FAILURE_ATTRIBUTES.reason, FAILURE_ATTRIBUTES.sourceMessageId],
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        const attribute = (name: string) => m.MessageAttributes?.[name]?.StringValue || undefined;
        const sourceMessageId = attribute(FAILURE_ATTRIBUTES.sourceMessageId);
        const logged = pipeline.logs.reasons.get(m.MessageId ?? '') ?? (sourceMessageId ? pipeline.logs.reasons.get(sourceMessageId) : undefined);
        out.push({
          consumer: consumerOf(source),
          messageId: m.MessageId ?? '',
          body: m.Body ?? '',
          reason: attribute(FAILURE_ATTRIBUTES.reason) ?? logged?.reason,
          ...(sourceMessageId !== undefined ? { sourceMessageId } : {}),
        });
      }
      await pipeline.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return out;
}
