/**
 * Creates a stack plan's topics, queues, subscriptions and tables on the emulators, through
 * their AWS APIs.
 */
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { LocalClients } from './clients';
import type { QueuePlan, StackPlan, TablePlan } from './template';

export class ProvisionError extends Error {
  public readonly name = 'ProvisionError';
}

export interface ProvisionOptions {
  /**
   * VisibilityTimeout to create a queue with instead of the template's, by logical id: the scaled
   * one of the queue's event source, in whole seconds as SQS takes it.
   */
  readonly visibilityTimeoutSeconds?: ReadonlyMap<string, number>;
}

export async function provision(plan: StackPlan, clients: LocalClients, options: ProvisionOptions = {}): Promise<void> {
  for (const queue of queuesInDependencyOrder(plan.queues)) {
    const visibility = options.visibilityTimeoutSeconds?.get(queue.logicalId);
    const attributes = visibility === undefined ? queue.attributes : { ...queue.attributes, VisibilityTimeout: String(visibility) };
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes }));
    if (QueueUrl !== queue.url) {
      throw new ProvisionError(`queue ${queue.logicalId}: the emulator answered URL ${QueueUrl}, expected ${queue.url}`);
    }
  }
  for (const topic of plan.topics) {
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: topic.name, Attributes: topic.attributes }));
    if (TopicArn !== topic.arn) {
      throw new ProvisionError(`topic ${topic.logicalId}: the emulator answered ARN ${TopicArn}, expected ${topic.arn}`);
    }
  }
  for (const sub of plan.subscriptions) {
    const topic = plan.topics.find((t) => t.logicalId === sub.topic);
    const queue = plan.queues.find((q) => q.logicalId === sub.queue);
    await clients.sns.send(
      new SubscribeCommand({
        TopicArn: topic?.arn,
        Protocol: 'sqs',
        Endpoint: queue?.arn,
        Attributes: sub.attributes,
        ReturnSubscriptionArn: true,
      }),
    );
  }
  await Promise.all(plan.tables.map((table) => clients.dynamodb.send(new CreateTableCommand(createTableInput(table)))));
}

/** Dead-letter queues first, so a RedrivePolicy never points at a queue that does not exist yet. */
export function queuesInDependencyOrder(queues: readonly QueuePlan[]): QueuePlan[] {
  const ordered: QueuePlan[] = [];
  const visit = (queue: QueuePlan, path: string[]) => {
    if (ordered.includes(queue)) return;
    if (path.includes(queue.logicalId)) throw new ProvisionError(`redrive cycle: ${[...path, queue.logicalId].join(' -> ')}`);
    const dlq = queues.find((q) => q.logicalId === queue.deadLetterQueue);
    if (dlq) visit(dlq, [...path, queue.logicalId]);
    ordered.push(queue);
  };
  queues.forEach((q) => visit(q, []));
  return ordered;
}

export function createTableInput(table: TablePlan): CreateTableCommandInput {
  return {
    TableName: table.name,
    KeySchema: table.keySchema,
    AttributeDefinitions: table.attributeDefinitions.map((a) => ({
      AttributeName: a.AttributeName,
      AttributeType: a.AttributeType as 'S' | 'N' | 'B',
    })),
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: table.globalSecondaryIndexes.length
      ? (table.globalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'])
      : undefined,
    LocalSecondaryIndexes: table.localSecondaryIndexes.length
      ? (table.localSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'])
      : undefined,
  };
}
