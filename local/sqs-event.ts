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
 * response, or one naming an unknown message, fails every record.
 */
export function failedMessageIds(
  records: readonly SQSRecord[],
  outcome: { ok: boolean; result?: unknown },
  reportBatchItemFailures: boolean,
): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (!outcome.ok) return all;
  if (!reportBatchItemFailures || outcome.result === null || outcome.result === undefined) return new Set();
  if (typeof outcome.result !== 'object') return all;
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

/**
 * On a FIFO queue a failed message blocks the rest of its group: later messages of that group in
 * the same batch are not deleted either, so the group is retried in order.
 */
export function blockFailedGroups(records: readonly SQSRecord[], failed: Set<string>): Set<string> {
  const blocked = new Set<string>();
  const result = new Set(failed);
  for (const record of records) {
    const group = record.attributes.MessageGroupId;
    if (group === undefined) continue;
    if (blocked.has(group)) result.add(record.messageId);
    else if (failed.has(record.messageId)) blocked.add(group);
  }
  return result;
}
