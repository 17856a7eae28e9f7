import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../packages/tools/src/cli/index';
import type { CliIO } from '../../packages/tools/src/cli/io';
import { VALID_EVENT } from '../helpers/cloud-event';

export const REGION = 'eu-west-1';
const SQS = `https://sqs.${REGION}.amazonaws.com/123456789012`;

/** What the sample stack outputs, on AWS. */
export const STACK_OUTPUTS = [
  { OutputKey: 'TopicArn', OutputValue: `arn:aws:sns:${REGION}:123456789012:Pipeline-Topic.fifo` },
  { OutputKey: 'EventLogQueueUrl', OutputValue: `${SQS}/EventLogQueue` },
  { OutputKey: 'EventLogDeadLetterQueueUrl', OutputValue: `${SQS}/EventLogDeadLetterQueue` },
  { OutputKey: 'StateProjectorQueueUrl', OutputValue: `${SQS}/StateProjectorQueue.fifo` },
  { OutputKey: 'StateProjectorDeadLetterQueueUrl', OutputValue: `${SQS}/StateProjectorDeadLetterQueue.fifo` },
  { OutputKey: 'EventsTableName', OutputValue: 'EventsTable' },
  { OutputKey: 'StateTableName', OutputValue: 'StateTable' },
];

const LOCAL_SQS = 'http://sqs.us-east-1.localhost:4566/000000000000';

/** What the local run writes to .local/endpoints.json. */
export const LOCAL_VARIABLES = {
  AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4566',
  AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:Pipeline-Topic.fifo',
  EVENTS_TABLE_NAME: 'EventsTable',
  STATE_TABLE_NAME: 'StateTable',
  EVENT_LOG_DEAD_LETTER_QUEUE_URL: `${LOCAL_SQS}/EventLogDeadLetterQueue`,
  EVENT_LOG_QUEUE_URL: `${LOCAL_SQS}/EventLogQueue`,
  STATE_PROJECTOR_DEAD_LETTER_QUEUE_URL: `${LOCAL_SQS}/StateProjectorDeadLetterQueue.fifo`,
  STATE_PROJECTOR_QUEUE_URL: `${LOCAL_SQS}/StateProjectorQueue.fifo`,
};

/** A temporary working directory with `.local/endpoints.json`. */
export function localDir(variables: Record<string, string> = LOCAL_VARIABLES): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
  const local = join(dir, '.local');
  mkdirSync(local, { recursive: true });
  writeFileSync(join(local, 'endpoints.json'), JSON.stringify(variables));
  return dir;
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process. */
export async function cli(argv: string[], options: { cwd?: string; stdin?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    signal: options.signal,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** An SQS message as ReceiveMessage returns it. */
export function sqsMessage(
  id: string,
  body: unknown,
  attributes: Record<string, string> = {},
): { MessageId: string; ReceiptHandle: string; Body: string; Attributes: Record<string, string>; MessageAttributes: Record<string, { DataType: string; StringValue: string }> } {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: typeof body === 'string' ? body : JSON.stringify(body),
    Attributes: { ApproximateReceiveCount: '6', SentTimestamp: String(Date.UTC(2025, 2, 1, 12)), ...attributes },
    MessageAttributes: { type: { DataType: 'String', StringValue: 'order.updated' } },
  };
}

export function cloudEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...VALID_EVENT, data: { ...VALID_EVENT.data }, ...overrides };
}
