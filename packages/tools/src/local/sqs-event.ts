/**
 * Turns messages from ReceiveMessage into the records Lambda passes to an SQS-triggered function.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** System attributes Lambda passes on. The FIFO ones only exist on FIFO queues. */
export const STANDARD_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp'];
export const FIFO_ATTRIBUTES = ['SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId'];

export function toRecord(message: Message, queueArn: string, region: string, fifo: boolean): SQSRecord {
  const attributes: Record<string, string> = {};
  const names = fifo ? [...STANDARD_ATTRIBUTES, ...FIFO_ATTRIBUTES] : STANDARD_ATTRIBUTES;
  for (const name of names) {
    const value = message.Attributes?.[name as keyof typeof message.Attributes];
    if (value !== undefined) attributes[name] = value;
  }
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringValue: value.StringValue,
      binaryValue: binary(value.BinaryValue),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** Binary attribute values arrive base64-encoded on the wire, as bytes from the SDK. */
function binary(value: Uint8Array | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64');
}

/**
 * Which records of a batch failed, following Lambda's rules for ReportBatchItemFailures:
 * a thrown error fails every record; an empty or null response is a full success; a malformed
 * response (not an object: a string, a number, an array), or one naming an unknown message, fails
 * every record.
 */
export function failedMessageIds(
  records: readonly SQSRecord[],
  outcome: { ok: boolean; result?: unknown },
  reportBatchItemFailures: boolean,
): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (!outcome.ok) return all;
  if (!reportBatchItemFailures || outcome.result === null || outcome.result === undefined) return new Set();
  if (typeof outcome.result !== 'object' || Array.isArray(outcome.result)) return all;
  const failures = (outcome.result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const item of failures) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** A message of a FIFO batch, as an ordering violation names it. */
export interface BatchMessage {
  readonly messageId: string;
  /** The CloudEvent `id` in the body, when the body has one. */
  readonly eventId?: string;
}

/**
 * A FIFO response that reports a message of a group as failed and a later message of the same
 * group, in the same batch, as processed. Lambda deletes exactly what the response does not list,
 * so the later message is gone before the failed one is retried: the group is processed out of
 * order. A function on a FIFO queue must stop at a group's first failure and list the rest.
 */
export interface OrderingViolation {
  readonly group: string;
  /** The group's messages the response listed as failed, in batch order. */
  readonly failed: readonly BatchMessage[];
  /** The group's messages after the first failure that the response did not list: deleted out of order. */
  readonly succeededAfter: readonly BatchMessage[];
}

/** The ordering violations in one FIFO response; Lambda does not correct them, nor does the local run. */
export function orderingViolations(records: readonly SQSRecord[], failed: ReadonlySet<string>): OrderingViolation[] {
  const groups = new Map<string, { failed: BatchMessage[]; succeededAfter: BatchMessage[] }>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId;
    if (group === undefined) continue;
    let seen = groups.get(group);
    if (failed.has(record.messageId)) {
      if (!seen) groups.set(group, (seen = { failed: [], succeededAfter: [] }));
      seen.failed.push(batchMessage(record));
    } else if (seen) {
      seen.succeededAfter.push(batchMessage(record));
    }
  }
  return [...groups].filter(([, v]) => v.succeededAfter.length > 0).map(([group, v]) => ({ group, ...v }));
}

function batchMessage(record: SQSRecord): BatchMessage {
  try {
    const id = (JSON.parse(record.body) as { id?: unknown } | null)?.id;
    if (typeof id === 'string') return { messageId: record.messageId, eventId: id };
  } catch {
    // not JSON: the message id alone names it
  }
  return { messageId: record.messageId };
}
