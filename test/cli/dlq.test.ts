import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeadLetterQueueReport } from '../../packages/tools/src/cli/dlq';
import { LOCAL_VARIABLES, REGION, STACK_OUTPUTS, cli, cloudEvent, localDir, sqsMessage } from './helpers';

const sqs = mockClient(SQSClient);
const cloudformation = mockClient(CloudFormationClient);
const EVENT_LOG_DLQ = LOCAL_VARIABLES.EVENT_LOG_DEAD_LETTER_QUEUE_URL;
const STATE_DLQ = LOCAL_VARIABLES.STATE_PROJECTOR_DEAD_LETTER_QUEUE_URL;

function visible(counts: Record<string, number>) {
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => ({
    Attributes: { ApproximateNumberOfMessages: String(counts[QueueUrl] ?? 0) },
  }));
}

let dir: string;

beforeEach(() => {
  sqs.reset();
  cloudformation.reset();
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [] });
  sqs.on(ReceiveMessageCommand).resolves({});
  dir = localDir();
});

describe('dlq inspect', () => {
  test('lists messages with receive count and the malformed field, without consuming them', async () => {
    // GIVEN two dead letters: a malformed event and a valid one
    visible({ [EVENT_LOG_DLQ]: 2 });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ })
      .resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent({ id: 'bad', sequence: 'third' })), sqsMessage('m-2', cloudEvent({ id: 'good' }))] })
      .resolves({});

    // WHEN
    const run = await cli(['dlq', 'inspect', '--queue', 'event-log', '--local', '--json'], { cwd: dir });

    // THEN
    expect(run.code).toBe(0);
    const [report] = (JSON.parse(run.stdout) as { queues: DeadLetterQueueReport[] }).queues;
    expect(report.messages).toEqual([
      expect.objectContaining({
        messageId: 'm-1',
        receiveCount: 6,
        sentAt: '2025-03-01T12:00:00.000Z',
        eventId: 'bad',
        reason: 'sequence: must be a whole number >= 0 or a string of digits (got "third")',
        reasonSource: 'envelope',
      }),
      expect.objectContaining({ messageId: 'm-2', eventId: 'good', subject: 'order-1', sequence: 1 }),
    ]);
    expect(report.messages[1].reason).toBeUndefined();
    // Read with a hold, then made visible again; nothing deleted.
    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toMatchObject({ VisibilityTimeout: 30, MaxNumberOfMessages: 10 });
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: EVENT_LOG_DLQ,
        Entries: [
          { Id: '0', ReceiptHandle: 'rh-m-1', VisibilityTimeout: 0 },
          { Id: '1', ReceiptHandle: 'rh-m-2', VisibilityTimeout: 0 },
        ],
      },
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  test('takes the reason the local handler logged for a valid body', async () => {
    // GIVEN
    visible({ [EVENT_LOG_DLQ]: 1 });
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).resolvesOnce({ Messages: [sqsMessage('m-2', cloudEvent())] })
      .resolves({});
    mkdirSync(join(dir, '.local', 'logs'));
    writeFileSync(
      join(dir, '.local', 'logs', 'PipelineEventLogFunction.log'),
      ['not json', JSON.stringify({ level: 'ERROR', message: 'Record failed', messageId: 'm-2', reason: 'table is gone', errorName: 'WriteFailedError' })].join('\n'),
    );

    // WHEN
    const run = await cli(['dlq', 'inspect', '-q', 'event-log', '--local'], { cwd: dir });

    // THEN
    expect(run.stdout).toMatch(/m-2 +6 +2025-03-01 12:00:00 +evt-1 #1 +handler log +table is gone\n/);
  });

  test('prefers the failure.reason attribute of a message the handler dead-lettered itself', async () => {
    // GIVEN a message sent to the DLQ by the handler, under a message id of its own
    visible({ [EVENT_LOG_DLQ]: 1 });
    const message = sqsMessage('dlq-1', '{broken');
    message.MessageAttributes = {
      ...message.MessageAttributes,
      'failure.reason': { DataType: 'String', StringValue: 'body: not valid JSON (the handler said so)' },
      'failure.sourceMessageId': { DataType: 'String', StringValue: 'src-1' },
    };
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).resolvesOnce({ Messages: [message] }).resolves({});

    // WHEN
    const run = await cli(['dlq', 'inspect', '--queue', 'event-log', '--local', '--json'], { cwd: dir });

    // THEN
    const [report] = (JSON.parse(run.stdout) as { queues: DeadLetterQueueReport[] }).queues;
    expect(report.messages[0]).toMatchObject({
      messageId: 'dlq-1',
      sourceMessageId: 'src-1',
      reason: 'body: not valid JSON (the handler said so)',
      reasonSource: 'message attribute',
    });
  });

  test('finds the logged reason of a message the handler dead-lettered by its source message id', async () => {
    // GIVEN a valid body in the DLQ with no failure.reason, and a handler log keyed by its source message id
    visible({ [EVENT_LOG_DLQ]: 1 });
    const message = sqsMessage('dlq-1', cloudEvent());
    message.MessageAttributes = { ...message.MessageAttributes, 'failure.sourceMessageId': { DataType: 'String', StringValue: 'src-1' } };
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).resolvesOnce({ Messages: [message] }).resolves({});
    mkdirSync(join(dir, '.local', 'logs'));
    writeFileSync(
      join(dir, '.local', 'logs', 'PipelineEventLogFunction.log'),
      JSON.stringify({ level: 'ERROR', message: 'Record dead-lettered', messageId: 'src-1', reason: 'no good', errorName: 'Error', deadLettered: true }),
    );

    // WHEN
    const run = await cli(['dlq', 'inspect', '--queue', 'event-log', '--local'], { cwd: dir });

    // THEN
    expect(run.stdout).toMatch(/dlq-1 .* handler log +no good\n/);
  });

  test('on a FIFO queue, says that messages behind a held one of their group are not shown', async () => {
    visible({ [STATE_DLQ]: 3 });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: STATE_DLQ })
      .resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent(), { MessageGroupId: 'order-1', MessageDeduplicationId: 'evt-1' })] })
      .resolves({});

    const run = await cli(['dlq', 'inspect', '--queue', 'state-projector', '--local'], { cwd: dir });

    expect(run.stdout).toContain('state-projector dead-letter queue (FIFO): 3 messages, 1 shown\n');
    expect(run.stdout).toMatch(/MESSAGE ID +RECEIVES +SENT \(UTC\) +GROUP +EVENT +WHY FROM +WHY\nm-1 +6 +2025-03-01 12:00:00 +order-1 +evt-1 #1 +- +unknown: the body is a valid event/);
    expect(run.stdout).toContain('2 more messages not shown: on a FIFO queue the later messages of a message group cannot be received while its first one is held');
  });

  test('makes the messages visible again even when a receive fails', async () => {
    // GIVEN
    visible({ [EVENT_LOG_DLQ]: 20 });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ })
      .resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent())] })
      .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));

    // WHEN
    const run = await cli(['dlq', 'inspect', '--queue', 'event-log', '--local'], { cwd: dir });

    // THEN
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('event-pipeline dlq inspect: ServiceUnavailable: Service Unavailable\n');
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0].args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'rh-m-1', VisibilityTimeout: 0 },
    ]);
  });

  test('reads every consumer\'s DLQ without --queue, and --save writes the bodies', async () => {
    visible({ [EVENT_LOG_DLQ]: 1, [STATE_DLQ]: 1 });
    sqs.on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ }).resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent())] })
      .resolves({});
    sqs.on(ReceiveMessageCommand, { QueueUrl: STATE_DLQ }).resolvesOnce({ Messages: [sqsMessage('m-2', '{broken')] })
      .resolves({});

    const run = await cli(['dlq', 'inspect', '--local', '--save', 'fixes'], { cwd: dir });

    expect(run.stdout).toContain('event-log dead-letter queue (standard): 1 message, 1 shown');
    expect(run.stdout).toContain('state-projector dead-letter queue (FIFO): 1 message, 1 shown');
    expect(readdirSync(join(dir, 'fixes')).sort()).toEqual(['m-1.json', 'm-2.json']);
    expect(JSON.parse(readFileSync(join(dir, 'fixes', 'm-1.json'), 'utf8'))).toEqual(cloudEvent());
    expect(readFileSync(join(dir, 'fixes', 'm-2.json'), 'utf8')).toBe('{broken');
    expect(run.stderr).toContain('Saved 2 bodies to fixes/<message id>.json: fix them, then run `event-pipeline redrive --queue NAME --edits fixes`.');
  });

  test('on AWS, polls with a wait so that every SQS server answers, and points at the logs', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });
    const dlq = STACK_OUTPUTS[2].OutputValue;
    visible({ [dlq]: 1 });
    sqs.on(ReceiveMessageCommand, { QueueUrl: dlq }).resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent())] })
      .resolves({});

    const run = await cli(['dlq', 'inspect', '--queue', 'event-log', '--stack', 'Orders', '--region', REGION, '--hold', '10'], { cwd: dir });

    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toMatchObject({ WaitTimeSeconds: 1, VisibilityTimeout: 10 });
    expect(run.stdout).toContain("search the consumer's CloudWatch Logs for its message id");
  });

  test('on AWS, shows the reason the handler attached, with no need for the logs', async () => {
    // GIVEN a valid body that a handler of the user's dead-lettered itself, with its reason
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });
    const dlq = STACK_OUTPUTS[2].OutputValue;
    visible({ [dlq]: 1 });
    const message = sqsMessage('dlq-1', cloudEvent());
    message.MessageAttributes = { ...message.MessageAttributes, 'failure.reason': { DataType: 'String', StringValue: 'unknown order' } };
    sqs.on(ReceiveMessageCommand, { QueueUrl: dlq }).resolvesOnce({ Messages: [message] }).resolves({});

    // WHEN
    const run = await cli(['dlq', 'inspect', '--queue', 'event-log', '--stack', 'Orders', '--region', REGION], { cwd: dir });

    // THEN
    expect(run.stdout).toMatch(/WHY FROM +WHY\ndlq-1 .* evt-1 #1 +failure\.reason +unknown order\n/);
    expect(run.stdout).not.toContain('CloudWatch Logs');
  });
});
