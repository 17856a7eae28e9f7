import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { RetryPolicy } from '../../lambda/shared/backoff';
import { VALID_EVENT } from '../helpers/cloud-event';

export const NOW = new Date('2025-03-01T12:00:00.000Z');

export interface TestEvent {
  readonly specversion?: unknown;
  readonly id?: unknown;
  readonly source?: unknown;
  readonly type?: unknown;
  readonly subject?: unknown;
  readonly sequence?: unknown;
  readonly time?: unknown;
  readonly data?: unknown;
  readonly [extension: string]: unknown;
}

/** A valid CloudEvent; `overrides` replace or add fields. */
export function cloudEvent(overrides: TestEvent = {}): TestEvent {
  return { ...VALID_EVENT, data: { ...VALID_EVENT.data }, ...overrides };
}

/** The same event without the listed fields. */
export function without(event: TestEvent, ...fields: string[]): TestEvent {
  return Object.fromEntries(Object.entries(event).filter(([key]) => !fields.includes(key)));
}

export function sqsRecord(body: string | TestEvent, messageId: string, messageGroupId?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1740830400000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1740830400001',
      ...(messageGroupId === undefined ? {} : { MessageGroupId: messageGroupId, MessageDeduplicationId: messageId }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:events',
    awsRegion: 'eu-west-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Logger that prints nothing; spy on its methods to read what it logged. */
export function quietLogger(): Logger {
  return new Logger({ serviceName: 'test', logLevel: 'SILENT' });
}

/** Retries without waiting; `delays` collects the backoff it would have slept. */
export function instantRetries(maxAttempts = 4): RetryPolicy & { readonly delays: number[] } {
  const delays: number[] = [];
  return {
    maxAttempts,
    baseDelayMs: 50,
    maxDelayMs: 2_000,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    delays,
  };
}

/** The same record, marked as SNS marks a message it redelivers from the topic's archive. */
export function replayed(record: SQSRecord): SQSRecord {
  return { ...record, messageAttributes: { ...record.messageAttributes, Replayed: { dataType: 'String', stringValue: 'true' } } };
}

/** One CloudWatch embedded metric format document, as Powertools Metrics prints it. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: { readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: { Name: string; Unit: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/**
 * Captures what is written to stdout from now on; `documents()` returns the
 * EMF documents among it, one per line. Call `restore()` when done.
 */
export function captureStdout(): { documents: () => EmfDocument[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((line) => line.trim() !== ''));
    return true;
  });
  return {
    documents: () =>
      lines.flatMap((line) => {
        try {
          const parsed = JSON.parse(line) as Partial<EmfDocument>;
          return parsed._aws ? [parsed as EmfDocument] : [];
        } catch {
          return [];
        }
      }),
    restore: () => spy.mockRestore(),
  };
}

/**
 * Each metric of an EMF document with its unit and value, by name: what CloudWatch would
 * extract from it, so that a test can compare the whole set at once.
 */
export function emfMetrics(document: EmfDocument): Record<string, { unit: string; value: unknown }> {
  return Object.fromEntries(
    document._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics).map(({ Name, Unit }) => [Name, { unit: Unit, value: document[Name] }]),
  );
}
