import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { FAILURE_ATTRIBUTE_PREFIX, FAILURE_ATTRIBUTES } from '../../packages/publisher/src/failure-attributes';
import { truncate } from '../../packages/publisher/src/preview';
import { DEFAULT_RETRY_POLICY, backoffDelay, isRetryableError, type RetryPolicy } from './backoff';
import { DeadLetterFailedError, toError } from './errors';

/**
 * The environment variable that holds the URL of the function's own
 * dead-letter queue. QueueConsumer sets it on every function it creates; when
 * it is absent, records that can never succeed fail and reach the DLQ through
 * the queue's redrive policy, as any failed record does.
 */
export const DEAD_LETTER_QUEUE_URL_ENV = 'DEAD_LETTER_QUEUE_URL';

/** Longest `failure.reason` sent, in characters. */
export const MAX_REASON_LENGTH = 1_024;

/** SendMessageBatch takes at most 10 entries. */
const MAX_ENTRIES = 10;
/** SQS keeps at most 10 message attributes per message. */
const MAX_ATTRIBUTES = 10;
/**
 * Bytes of bodies and attributes per SendMessageBatch call. 256 KiB, the limit
 * SQS long had and a queue may still be set to, so that no call is refused as
 * BatchRequestTooLong whatever the queue's MaximumMessageSize.
 */
const MAX_BATCH_BYTES = 262_144;

/** Three attempts in all: a failed send is not lost, it falls back to the redrive policy. */
export const DEAD_LETTER_RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 };

/** Where to send records that can never succeed. */
export interface DeadLetterTarget {
  readonly client: SQSClient;
  /** A URL ending in `.fifo` is a FIFO queue. */
  readonly queueUrl: string;
  /** Recorded as `failure.function`. */
  readonly functionName?: string;
  /** @default DEAD_LETTER_RETRY_POLICY - 3 attempts, 50 ms base, 2 s cap */
  readonly retryPolicy?: RetryPolicy;
}

/** A record to dead-letter, and why. */
export interface DeadLetter {
  readonly record: SQSRecord;
  readonly error: Error;
  readonly eventId?: string;
}

/**
 * The dead-letter target the environment names, with an SQS client created
 * once, or undefined when DEAD_LETTER_QUEUE_URL is absent or empty.
 */
export function deadLetterTargetFromEnv(env: Readonly<Record<string, string | undefined>>): DeadLetterTarget | undefined {
  const queueUrl = env[DEAD_LETTER_QUEUE_URL_ENV]?.trim();
  if (!queueUrl) {
    return undefined;
  }
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME || undefined;
  // SQS keeps a dead-letter queue in its queue's region, and Lambda polls a queue of its own region:
  // the client's endpoint (from AWS_REGION, or AWS_ENDPOINT_URL_SQS) is the queue's, whatever the
  // host in the URL (the local run's emulator names queues by a host that need not resolve).
  return { client: new SQSClient({ useQueueUrlAsEndpoint: false }), queueUrl, functionName };
}

/**
 * Sends records to the dead-letter queue with SendMessageBatch, at most 10
 * entries and 256 KiB per call, each with its body unchanged and its reason in
 * `failure.*` message attributes. On a FIFO queue an entry keeps the record's
 * MessageGroupId, and its MessageDeduplicationId is the record's message id:
 * a copy of the same message sent again within 5 minutes (a redelivery after
 * a crash between this send and the delete) is dropped by SQS.
 *
 * Entries SQS fails on its side, and calls that fail with a retryable error,
 * are retried with backoff.
 *
 * @returns the error of each record that was not sent, by message id; the
 *   caller reports those as batch item failures, so they still reach the DLQ
 *   through the queue's redrive policy
 */
export async function sendToDeadLetterQueue(
  letters: readonly DeadLetter[],
  target: DeadLetterTarget,
): Promise<Map<string, Error>> {
  const fifo = target.queueUrl.endsWith('.fifo');
  const pending = letters.map((letter) => ({
    messageId: letter.record.messageId,
    entry: deadLetterEntry(letter, fifo, target.functionName),
  }));
  const failures = new Map<string, Error>();
  await Promise.all(
    chunkBySize(pending).map(async (chunk) => {
      const chunkFailures = await sendChunk(chunk, target);
      chunkFailures.forEach((error, messageId) => failures.set(messageId, error));
    }),
  );
  return failures;
}

type Entry = Omit<SendMessageBatchRequestEntry, 'Id'>;
interface Pending {
  readonly messageId: string;
  readonly entry: Entry;
}

async function sendChunk(chunk: readonly Pending[], target: DeadLetterTarget): Promise<Map<string, Error>> {
  const policy = target.retryPolicy ?? DEAD_LETTER_RETRY_POLICY;
  const failures = new Map<string, Error>();
  let pending = chunk;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 1) {
      await policy.sleep(backoffDelay(attempt - 1, policy));
    }
    const last = attempt >= policy.maxAttempts;
    const retry: Pending[] = [];
    try {
      const output = await target.client.send(
        new SendMessageBatchCommand({
          QueueUrl: target.queueUrl,
          Entries: pending.map(({ entry }, index) => ({ ...entry, Id: String(index) })),
        }),
      );
      const sent = new Set((output.Successful ?? []).map((entry) => entry.Id));
      const refused = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry]));
      pending.forEach((item, index) => {
        const id = String(index);
        if (sent.has(id)) {
          return;
        }
        const failed = refused.get(id);
        if (failed?.SenderFault === false && !last) {
          retry.push(item);
        } else {
          const why = !failed
            ? 'the entry is missing from the response'
            : failed.Message
              ? `${failed.Code}: ${failed.Message}`
              : failed.Code;
          failures.set(item.messageId, new DeadLetterFailedError(`SendMessageBatch did not send the record (${why})`));
        }
      });
    } catch (thrown) {
      const error = toError(thrown);
      if (isRetryableError(error) && !last) {
        retry.push(...pending);
      } else {
        for (const item of pending) {
          failures.set(
            item.messageId,
            new DeadLetterFailedError(`SendMessageBatch failed: ${error.name}: ${error.message}`, { cause: error }),
          );
        }
      }
    }
    pending = retry;
  }
  return failures;
}

function deadLetterEntry(letter: DeadLetter, fifo: boolean, functionName: string | undefined): Entry {
  const { record } = letter;
  return {
    MessageBody: record.body,
    MessageAttributes: messageAttributes(letter, functionName),
    ...(fifo && {
      // A FIFO source always has a MessageGroupId; the message id stands in for one otherwise.
      MessageGroupId: record.attributes?.MessageGroupId ?? record.messageId,
      MessageDeduplicationId: record.messageId,
    }),
  };
}

/**
 * The record's own message attributes, then the `failure.*` ones. SQS keeps at
 * most 10 attributes per message: when the record has too many, its own
 * attributes are dropped (the last ones by name first) to make room for the
 * `failure.*` ones, which say why the message is in the DLQ. Any `failure.*`
 * attribute the record already carries, from an earlier failure it was
 * redriven after, is replaced.
 */
function messageAttributes(letter: DeadLetter, functionName: string | undefined): Record<string, MessageAttributeValue> {
  const { record, error, eventId } = letter;
  const failure: Record<string, MessageAttributeValue> = {
    [FAILURE_ATTRIBUTES.reason]: text(error.message || '(no message)', MAX_REASON_LENGTH),
    [FAILURE_ATTRIBUTES.errorName]: text(error.name || 'Error'),
    [FAILURE_ATTRIBUTES.sourceMessageId]: text(record.messageId),
    ...(record.eventSourceARN ? { [FAILURE_ATTRIBUTES.sourceQueueArn]: text(record.eventSourceARN) } : {}),
    ...(eventId ? { [FAILURE_ATTRIBUTES.eventId]: text(eventId) } : {}),
    ...(functionName ? { [FAILURE_ATTRIBUTES.function]: text(functionName) } : {}),
  };
  const room = MAX_ATTRIBUTES - Object.keys(failure).length;
  const own = Object.entries(record.messageAttributes ?? {})
    .filter(([name]) => !name.startsWith(FAILURE_ATTRIBUTE_PREFIX))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([name, value]): [string, MessageAttributeValue][] => {
      const converted = toSdkAttribute(value);
      return converted ? [[name, converted]] : [];
    })
    .slice(0, room);
  return { ...Object.fromEntries(own), ...failure };
}

/** Lambda's record shape (`stringValue`, base64 `binaryValue`) to the SDK's. */
function toSdkAttribute(value: SQSMessageAttribute): MessageAttributeValue | undefined {
  if (value.stringValue !== undefined) {
    return { DataType: value.dataType, StringValue: value.stringValue };
  }
  if (value.binaryValue !== undefined) {
    return { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
  }
  // List values are reserved by SQS and never set.
  return undefined;
}

/** Characters SQS refuses in a message (anything outside XML's Char). */
const INVALID_CHARACTERS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string, maxLength = MAX_REASON_LENGTH): MessageAttributeValue {
  return { DataType: 'String', StringValue: truncate(value.replace(INVALID_CHARACTERS, '\uFFFD'), maxLength) };
}

/** Runs of at most 10 entries and MAX_BATCH_BYTES, in order. An entry too large on its own goes alone. */
function chunkBySize(items: readonly Pending[]): Pending[][] {
  const chunks: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = entrySize(item.entry);
    if (current.length > 0 && (current.length === MAX_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) {
    chunks.push(current);
  }
  return chunks;
}

/** The size SQS counts: the body, and each attribute's name, data type and value. */
function entrySize(entry: Entry): number {
  let size = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += value.StringValue !== undefined ? Buffer.byteLength(value.StringValue) : (value.BinaryValue?.byteLength ?? 0);
  }
  return size;
}

/** What became of the records a handler tried to dead-letter. */
export interface DeadLetterOutcome {
  /** Message ids of the records now in the dead-letter queue. */
  readonly sent: ReadonlySet<string>;
  /** Why each other record was not sent, by message id. */
  readonly failed: ReadonlyMap<string, Error>;
}

/**
 * Sends `letters` to the target, if there is one. Without a target nothing is
 * sent and nothing fails: the records fail as any record does.
 */
export async function deadLetterRecords(
  letters: readonly DeadLetter[],
  target: DeadLetterTarget | undefined,
): Promise<DeadLetterOutcome> {
  if (!target || letters.length === 0) {
    return { sent: new Set(), failed: new Map() };
  }
  const failed = await sendToDeadLetterQueue(letters, target);
  const sent = new Set(letters.map((letter) => letter.record.messageId).filter((messageId) => !failed.has(messageId)));
  return { sent, failed };
}
