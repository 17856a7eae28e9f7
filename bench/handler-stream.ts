/**
 * The event stream of the handler benchmark and how it is cut into batches,
 * the way the SQS event source mapping would hand it to a function.
 */
import type { SQSRecord } from 'aws-lambda';
import { generateScenario, type Scenario } from '../packages/tools/src/local/scenario';

/** How records are grouped into FIFO batches. */
export type BatchShape =
  /** Consecutive records in publish order: what a receive returns when many groups have one message each. */
  | 'publish-order'
  /** Up to a batch of one message group at a time: what a receive returns when each group has a backlog. */
  | 'by-group';

/**
 * The scenario of the local run (parcels, out-of-order and string sequences),
 * without duplicates or malformed events: the SNS FIFO topic deduplicates
 * repeated publishes, and failures are not what this figure measures.
 */
export function benchScenario(events: number, subjects: number, seed = 7): Scenario {
  return generateScenario({ events, subjects, seed, duplicateRate: 0, malformedRate: 0 });
}

/** The records one queue delivers, in publish order; FIFO records carry their message group. */
export function toRecords(scenario: Scenario, fifo: boolean): SQSRecord[] {
  const sent = String(Date.now());
  return scenario.entries.map((entry, n) => ({
    messageId: `m-${n}`,
    receiptHandle: `r-${n}`,
    body: entry.body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: sent,
      SenderId: 'AIDABENCH',
      ApproximateFirstReceiveTimestamp: sent,
      ...(fifo ? { MessageGroupId: entry.subject, MessageDeduplicationId: entry.id, SequenceNumber: String(n) } : {}),
    },
    messageAttributes: { type: { dataType: 'String', stringValue: entry.type, stringListValues: [], binaryListValues: [] } },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:bench${fifo ? '.fifo' : ''}`,
    awsRegion: 'us-east-1',
  }));
}

/** Cuts records into batches of at most `size`, keeping each message group's order. */
export function toBatches(records: readonly SQSRecord[], size: number, shape: BatchShape = 'publish-order'): SQSRecord[][] {
  if (shape === 'publish-order') {
    const batches: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += size) batches.push(records.slice(i, i + size));
    return batches;
  }
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? '';
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  // Round-robin over the groups, one batch of each at a time, as pollers would take them.
  const queues = [...groups.values()];
  const batches: SQSRecord[][] = [];
  for (let offset = 0; queues.some((q) => offset < q.length); offset += size) {
    for (const q of queues) if (offset < q.length) batches.push(q.slice(offset, offset + size));
  }
  return batches;
}
