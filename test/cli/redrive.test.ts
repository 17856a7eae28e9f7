import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { redriveDeduplicationId, type RedriveReport } from '../../cli/redrive';
import { LOCAL_VARIABLES, REGION, STACK_OUTPUTS, cli, cloudEvent, localDir, sqsMessage } from './helpers';

const sqs = mockClient(SQSClient);
const cloudformation = mockClient(CloudFormationClient);
const STATE_QUEUE = LOCAL_VARIABLES.STATE_PROJECTOR_QUEUE_URL;
const STATE_DLQ = LOCAL_VARIABLES.STATE_PROJECTOR_DEAD_LETTER_QUEUE_URL;
const EVENT_LOG_DLQ = LOCAL_VARIABLES.EVENT_LOG_DEAD_LETTER_QUEUE_URL;

/** Every send succeeds unless its body contains "fail-send". */
function sendAnswer(input: SendMessageBatchCommandInput) {
  const entries = input.Entries ?? [];
  return {
    Successful: entries.filter((e) => !e.MessageBody?.includes('fail-send')).map((e) => ({ Id: e.Id, MessageId: `new-${e.Id}`, MD5OfMessageBody: '' })),
    Failed: entries.filter((e) => e.MessageBody?.includes('fail-send')).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
  };
}

/** The calls made to SQS, by command name, in order. */
function callOrder(): string[] {
  return sqs.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}

let dir: string;

beforeEach(() => {
  sqs.reset();
  cloudformation.reset();
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
  sqs.on(ReceiveMessageCommand).resolves({});
  sqs.on(SendMessageBatchCommand).callsFake(sendAnswer);
  sqs.on(DeleteMessageBatchCommand).callsFake(({ Entries }) => ({ Successful: Entries.map((e: { Id: string }) => ({ Id: e.Id })) }));
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
  dir = localDir();
});

describe('redrive on the local run (receive, send, delete)', () => {
  test('sends each message back keeping its group, with a redrive dedup id, and deletes it only after the send', async () => {
    // GIVEN two dead letters of one group, the second already redriven once
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: STATE_DLQ })
      .resolvesOnce({
        Messages: [
          sqsMessage('m-1', cloudEvent({ id: 'evt-1' }), { MessageGroupId: 'order-1', MessageDeduplicationId: 'evt-1' }),
          sqsMessage('m-2', cloudEvent({ id: 'evt-2', sequence: 2 }), { MessageGroupId: 'order-1', MessageDeduplicationId: 'evt-2:redrive:1' }),
        ],
      })
      .resolves({});

    // WHEN
    const run = await cli(['redrive', '--queue', 'state-projector', '--local', '--json'], { cwd: dir });

    // THEN
    expect(run.code).toBe(0);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input).toEqual({
      QueueUrl: STATE_QUEUE,
      Entries: [
        {
          Id: '0',
          MessageBody: JSON.stringify(cloudEvent({ id: 'evt-1' })),
          MessageAttributes: { type: { DataType: 'String', StringValue: 'order.updated' } },
          MessageGroupId: 'order-1',
          MessageDeduplicationId: 'evt-1:redrive:1',
        },
        expect.objectContaining({ Id: '1', MessageGroupId: 'order-1', MessageDeduplicationId: 'evt-2:redrive:2' }),
      ],
    });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0].args[0].input).toEqual({
      QueueUrl: STATE_DLQ,
      Entries: [
        { Id: '0', ReceiptHandle: 'rh-m-1' },
        { Id: '1', ReceiptHandle: 'rh-m-2' },
      ],
    });
    expect(callOrder().filter((c) => c !== 'GetQueueAttributes')).toEqual(['ReceiveMessage', 'SendMessageBatch', 'DeleteMessageBatch', 'ReceiveMessage']);
    expect(JSON.parse(run.stdout) as RedriveReport).toMatchObject({ method: 'copy', moved: 2, kept: [], notDeleted: [] });
  });

  test('a message whose send failed is not deleted: it is made visible again, and the exit code is 1', async () => {
    // GIVEN
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ })
      .resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent({ id: 'ok' })), sqsMessage('m-2', cloudEvent({ id: 'fail-send' }))] })
      .resolves({});

    // WHEN
    const run = await cli(['redrive', '--queue', 'event-log', '--local'], { cwd: dir });

    // THEN
    expect(run.code).toBe(1);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries?.[0]).not.toHaveProperty('MessageGroupId');
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0].args[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'rh-m-1' }]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0].args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'rh-m-2', VisibilityTimeout: 0 },
    ]);
    expect(run.stdout).toContain('Moved 1 message from the event-log DLQ to its queue.\n  failed m-2: SendMessage failed: InternalError: \n');
  });

  test('an interruption in the middle loses nothing: nothing is deleted that was not sent', async () => {
    // GIVEN the send call itself fails
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent())] }).resolves({});
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    // WHEN
    const run = await cli(['redrive', '--queue', 'event-log', '--local'], { cwd: dir });

    // THEN
    expect(run.code).toBe(1);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(1);
  });

  test('stops between batches on Ctrl-C', async () => {
    const controller = new AbortController();
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).callsFake(() => {
      controller.abort();
      return { Messages: [sqsMessage(`m-${Math.random()}`, cloudEvent())] };
    });

    const run = await cli(['redrive', '--queue', 'event-log', '--local'], { cwd: dir, signal: controller.signal });

    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(run.stdout).toContain('Moved 1 message from the event-log DLQ to its queue.');
    expect(run.stdout).toContain('Interrupted: the messages not moved are still in the DLQ.');
  });

  test('--edits sends the fixed body, with its type; a still-invalid edit and an unchanged file are handled', async () => {
    // GIVEN three dead letters and an edit directory as `dlq inspect --save` leaves it
    const bad = cloudEvent({ id: 'evt-1', sequence: 'third' });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ })
      .resolvesOnce({ Messages: [sqsMessage('m-1', bad), sqsMessage('m-2', cloudEvent({ id: 'evt-2', sequence: 'x' })), sqsMessage('m-3', cloudEvent({ id: 'evt-3', sequence: 'y' }))] })
      .resolves({});
    const edits = join(dir, 'fixes');
    mkdirSync(edits);
    writeFileSync(join(edits, 'm-1.json'), JSON.stringify({ ...bad, sequence: 3, type: 'order.shipped' }, null, 2));
    writeFileSync(join(edits, 'm-2.json'), JSON.stringify(cloudEvent({ id: 'evt-2', sequence: 'still bad' })));
    writeFileSync(join(edits, 'm-3.json'), `${JSON.stringify(cloudEvent({ id: 'evt-3', sequence: 'y' }), null, 2)}\n`);

    // WHEN
    const run = await cli(['redrive', '--queue', 'event-log', '--edits', 'fixes', '--valid-only', '--local', '--json'], { cwd: dir });

    // THEN only the fixed message moves
    const sent = sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries ?? [];
    expect(sent).toEqual([
      {
        Id: '0',
        MessageBody: JSON.stringify({ ...bad, sequence: 3, type: 'order.shipped' }),
        MessageAttributes: { type: { DataType: 'String', StringValue: 'order.shipped' } },
      },
    ]);
    const report = JSON.parse(run.stdout) as RedriveReport;
    expect(report).toMatchObject({ moved: 1, edited: 1 });
    expect(report.kept).toEqual([
      { messageId: 'm-2', kind: 'failed', reason: 'the edited body is still invalid: sequence: must be a whole number >= 0 or a string of digits (got "still bad")' },
      { messageId: 'm-3', kind: 'skipped', reason: 'not a valid event (sequence: must be a whole number >= 0 or a string of digits (got "y"))' },
    ]);
    expect(run.code).toBe(1);
  });

  test('without --valid-only an invalid body is redriven as it is (the consumer may have been fixed)', async () => {
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).resolvesOnce({ Messages: [sqsMessage('m-1', '{broken')] }).resolves({});

    const run = await cli(['redrive', '--queue', 'event-log', '--local'], { cwd: dir });

    expect(run.code).toBe(0);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries?.[0].MessageBody).toBe('{broken');
  });

  test('the copy leaves out the failure.* attributes the handler attached, and keeps the others', async () => {
    // GIVEN a message the handler dead-lettered itself
    const message = sqsMessage('m-1', '{broken', { MessageGroupId: 'order-1', MessageDeduplicationId: 'src-1' });
    message.MessageAttributes = {
      ...message.MessageAttributes,
      'failure.reason': { DataType: 'String', StringValue: 'body: not valid JSON' },
      'failure.sourceMessageId': { DataType: 'String', StringValue: 'src-1' },
    };
    sqs.on(ReceiveMessageCommand, { QueueUrl: STATE_DLQ }).resolvesOnce({ Messages: [message] }).resolves({});

    // WHEN
    await cli(['redrive', '--queue', 'state-projector', '--local'], { cwd: dir });

    // THEN
    expect(sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries?.[0].MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'order.updated' },
    });
  });

  test('--queue is required', async () => {
    const run = await cli(['redrive', '--local'], { cwd: dir });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('event-pipeline redrive: redrive: --queue NAME is required (e.g. --queue event-log)\n');
  });
});

describe('redrive on AWS (message move task)', () => {
  beforeEach(() => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });
    sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => ({
      Attributes: { QueueArn: `arn:aws:sqs:${REGION}:123456789012:${QueueUrl.slice(QueueUrl.lastIndexOf('/') + 1)}`, ApproximateNumberOfMessages: '0' },
    }));
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 42, ApproximateNumberOfMessagesToMove: 42 }],
    });
  });

  test('starts StartMessageMoveTask from the DLQ to its queue and waits for it', async () => {
    const run = await cli(['redrive', '--queue', 'event-log', '--stack', 'Orders', '--region', REGION]);

    expect(run.code).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0].args[0].input).toEqual({
      SourceArn: `arn:aws:sqs:${REGION}:123456789012:EventLogDeadLetterQueue`,
      DestinationArn: `arn:aws:sqs:${REGION}:123456789012:EventLogQueue`,
    });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(run.stdout).toBe('Move task COMPLETED: 42 messages moved from the event-log DLQ to its queue.\n0 messages left in the DLQ.\n');
  });

  test('--no-wait returns once the task is started', async () => {
    const run = await cli(['redrive', '--queue', 'event-log', '--stack', 'Orders', '--region', REGION, '--no-wait', '--rate', '10']);

    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0].args[0].input.MaxNumberOfMessagesPerSecond).toBe(10);
    expect(sqs.commandCalls(ListMessageMoveTasksCommand)).toHaveLength(0);
    expect(run.stdout).toContain('Started a move task from the event-log DLQ to its queue (task-1).');
    expect(run.stdout).toContain('cancel it with `aws sqs cancel-message-move-task --task-handle task-1`');
  });

  test('a failed task exits 1 with its reason', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'FAILED', ApproximateNumberOfMessagesMoved: 3, FailureReason: 'AccessDenied' }] });

    const run = await cli(['redrive', '--queue', 'state-projector', '--stack', 'Orders', '--region', REGION]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Move task FAILED: 3 messages moved from the state-projector DLQ to its queue: AccessDenied.');
  });

  test('--copy on AWS receives, sends and deletes instead', async () => {
    await cli(['redrive', '--queue', 'event-log', '--stack', 'Orders', '--region', REGION, '--copy']);

    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toMatchObject({ QueueUrl: STACK_OUTPUTS[2].OutputValue, WaitTimeSeconds: 1 });
  });
});

describe('redriveDeduplicationId', () => {
  test('numbers each redrive of a message', () => {
    expect(redriveDeduplicationId('evt-1')).toBe('evt-1:redrive:1');
    expect(redriveDeduplicationId('evt-1:redrive:1')).toBe('evt-1:redrive:2');
    expect(redriveDeduplicationId('evt-1:redrive:9')).toBe('evt-1:redrive:10');
  });

  test('stays within 128 characters', () => {
    const long = 'x'.repeat(125);
    const id = redriveDeduplicationId(long);
    expect(id).toMatch(/^[0-9a-f]{64}:redrive:1$/);
    expect(redriveDeduplicationId(id)).toBe(id.replace(/1$/, '2'));
  });
});
