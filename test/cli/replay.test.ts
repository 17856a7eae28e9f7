import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, type PublishBatchCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { replayRunId, type ReplaySummary } from '../../packages/tools/src/cli/replay';
import { cli, cloudEvent, localDir } from './helpers';

const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);

/** An events table item, as the event log writes it. */
function item(sequence: number): Record<string, unknown> {
  return { ...cloudEvent({ id: `evt-${sequence}`, sequence }), receivedAt: '2025-03-01T12:00:00.000Z', expiresAt: 1_743_000_000 };
}

let dir: string;
/** Calls to DynamoDB and SNS, in order. */
let order: string[];

beforeEach(() => {
  for (const mock of [documents, dynamodb, sns]) mock.reset();
  order = [];
  sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    order.push('PublishBatch');
    return { Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm' })) };
  });
  documents.on(QueryCommand).callsFake(({ ExclusiveStartKey }: { ExclusiveStartKey?: unknown }) => {
    order.push('Query');
    return ExclusiveStartKey
      ? { Items: [item(13)] }
      : { Items: Array.from({ length: 12 }, (_, i) => item(i + 1)), LastEvaluatedKey: { id: 'evt-12' } };
  });
  documents.on(DeleteCommand).callsFake(() => {
    order.push('Delete');
    return { Attributes: { subject: 'order-1', sequence: 13 } };
  });
  dir = localDir();
});

describe('replay', () => {
  test("--reset-state deletes the subject's state, then publishes its events in sequence order with replay dedup ids", async () => {
    // WHEN
    const run = await cli(['replay', '--subject', 'order-1', '--reset-state', '--local', '--json'], { cwd: dir });

    // THEN
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as ReplaySummary;
    expect(summary).toMatchObject({ subject: 'order-1', events: 13, sequences: [1, 13], published: 13, resetState: { deletedSequence: 13 } });
    expect(documents.commandCalls(QueryCommand)[0].args[0].input).toEqual({
      TableName: 'EventsTable',
      IndexName: 'bySubject',
      KeyConditionExpression: '#subject = :subject',
      ExpressionAttributeNames: { '#subject': 'subject' },
      ExpressionAttributeValues: { ':subject': 'order-1' },
      ScanIndexForward: true,
      ExclusiveStartKey: undefined,
    });
    expect(documents.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ id: 'evt-12' });
    expect(documents.commandCalls(DeleteCommand)[0].args[0].input).toEqual({
      TableName: 'StateTable',
      Key: { subject: 'order-1' },
      ReturnValues: 'ALL_OLD',
    });
    expect(order).toEqual(['Query', 'Query', 'Delete', 'PublishBatch', 'PublishBatch']);
    const entries = sns.commandCalls(PublishBatchCommand).flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(entries.map((e) => JSON.parse(e.Message!).sequence)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(entries[0].MessageDeduplicationId).toBe(`evt-1:replay:${summary.runId}`);
    expect(entries[0].MessageGroupId).toBe('order-1');
    // The event as stored, without the table's own attributes.
    expect(JSON.parse(entries[0].Message!)).toEqual(cloudEvent({ id: 'evt-1', sequence: 1 }));
  });

  test('without --reset-state the state item is left alone', async () => {
    const run = await cli(['replay', '-s', 'order-1', '--local'], { cwd: dir });

    expect(run.code).toBe(0);
    expect(documents.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(run.stdout).toMatch(/^Replayed 13 of 13 events of order-1 \(sequence 1 to 13\) as run \d{8}T\d{9}Z, in 2 PublishBatch calls\.\n$/);
  });

  test('--dry-run changes nothing', async () => {
    const run = await cli(['replay', '--subject', 'order-1', '--reset-state', '--dry-run', '--local'], { cwd: dir });

    expect(run.stdout).toBe('Dry run: would replay 13 events of order-1 (sequence 1 to 13); nothing changed.\n');
    expect(documents.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(0);
  });

  test('a subject without events is an error, and nothing is deleted', async () => {
    documents.on(QueryCommand).resolves({ Items: [] });

    const run = await cli(['replay', '--subject', 'nobody', '--reset-state', '--local'], { cwd: dir });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('event-pipeline replay: no events of subject "nobody" in EventsTable: nothing to replay\n');
    expect(documents.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  test('each run has its own id, to the millisecond', () => {
    expect(replayRunId(new Date('2025-03-01T12:00:00.123Z'))).toBe('20250301T120000123Z');
  });

  test('Ctrl-C stops the replay at the next batch, says how far it got, and exits 130', async () => {
    // GIVEN Ctrl-C during the first of two PublishBatch calls
    const controller = new AbortController();
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      controller.abort();
      return { Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm' })) };
    });

    // WHEN
    const run = await cli(['replay', '--subject', 'order-1', '--local'], { cwd: dir, signal: controller.signal });

    // THEN
    expect(run.code).toBe(130);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    expect(run.stdout).toContain('Replayed 10 of 13 events of order-1 (sequence 1 to 13)');
    expect(run.stdout).toContain('  not sent evt-11: Interrupted: the publish was interrupted before its batch was sent\n');
    expect(run.stdout).toContain('Interrupted: 10 of 13 events replayed; run the replay again to finish (it sends all of them again).\n');
  });
});
