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
import { redriveDeduplicationId, type RedriveReport } from '../../packages/tools/src/cli/redrive';
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

  test('one pass moves each message that was in the DLQ once, although the consumer dead-letters it again at once, and says so', async () => {
    // GIVEN a FIFO DLQ with 9 malformed messages, and a consumer that sends each copy straight back to it (4 times at most)
    const dlq = new FakeDeadLetterQueue(9, { fifo: true, returns: 4 });
    dlq.install(STATE_DLQ, STATE_QUEUE);

    // WHEN
    const run = await cli(['redrive', '--queue', 'state-projector', '--local'], { cwd: dir });

    // THEN 9 moved once each, and the consumer's 9 copies are in the DLQ
    expect(dlq.sent).toHaveLength(9);
    expect(new Set(dlq.sent).size).toBe(9);
    expect(run.stdout).toBe('Moved 9 messages from the state-projector DLQ to its queue.\n9 messages left in the DLQ.\n');
    expect(run.stderr).toMatch(/redriven 9\/9/);
    expect(run.stderr).not.toMatch(/redriven (1\d|[2-9]\d)\//);
    expect(dlq.visible()).toBe(9);
  });

  test('recognises the copies the consumer dead-letters again by their source message id even when the DLQ counted 0 at the start', async () => {
    // GIVEN a FIFO DLQ whose approximate count lags (0), holding 9 messages that the consumer sends straight back
    const dlq = new FakeDeadLetterQueue(9, { fifo: true, returns: 4 });
    dlq.install(STATE_DLQ, STATE_QUEUE, { reportedCount: 0 });

    // WHEN
    const run = await cli(['redrive', '--queue', 'state-projector', '--local', '--json'], { cwd: dir });

    // THEN each moved once; the copies were held during the pass and are visible again
    expect(dlq.sent).toHaveLength(9);
    expect(new Set(dlq.sent).size).toBe(9);
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 9, atStart: 0, arrived: { count: 9, returned: 9 } });
    expect((JSON.parse(run.stdout) as RedriveReport).notes).toEqual([
      '9 messages reached the DLQ after the redrive began (9 of them sent back by this redrive and dead-lettered again by the consumer): left for the next redrive.',
    ]);
    expect(dlq.visible()).toBe(9);
  });

  test('on a standard DLQ, a message sent to it after the redrive began is left for the next one', async () => {
    // GIVEN 10 messages at the start, and an 11th that another consumer dead-letters during the pass
    const dlq = new FakeDeadLetterQueue(10, { fifo: false, returns: 1 });
    dlq.install(EVENT_LOG_DLQ, LOCAL_VARIABLES.EVENT_LOG_QUEUE_URL, { newcomerAfterSend: 1, reportedCount: 0 });

    // WHEN
    const run = await cli(['redrive', '--queue', 'event-log', '--local', '--json'], { cwd: dir });

    // THEN
    const report = JSON.parse(run.stdout) as RedriveReport;
    expect(report).toMatchObject({ moved: 10, atStart: 0, arrived: { count: 11, returned: 10 } });
    expect(dlq.sent).toHaveLength(10);
    expect(dlq.sent).not.toContain('newcomer');
  });

  test('moves no more messages than the DLQ held at the start, even when a receive finds more', async () => {
    // GIVEN the DLQ counted 2 (approximately), and 3 old messages can be received
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: EVENT_LOG_DLQ })
      .resolvesOnce({ Messages: [sqsMessage('m-1', cloudEvent()), sqsMessage('m-2', cloudEvent()), sqsMessage('m-3', cloudEvent())] })
      .resolves({});

    const run = await cli(['redrive', '--queue', 'event-log', '--local', '--json'], { cwd: dir });

    expect(sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries).toHaveLength(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 2, atStart: 2 });
  });

  test('--queue is required', async () => {
    const run = await cli(['redrive', '--local'], { cwd: dir });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('event-pipeline redrive: --queue NAME is required (e.g. --queue event-log)\n');
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

/**
 * A dead-letter queue and its consumer, in memory: receive hides messages (and, on FIFO, the rest of their
 * group), delete removes them, visibility 0 shows them again; each copy sent to the queue comes back to
 * the DLQ at once, as a handler does with a malformed event, with failure.sourceMessageId, up to `returns`
 * times per original.
 */
class FakeDeadLetterQueue {
  private readonly messages: { id: string; group: string; body: string; hidden: boolean; origin: string; sent: number; source?: string }[] = [];
  /** The origin of each message sent to the queue, in order. */
  public readonly sent: string[] = [];
  private next = 0;

  public constructor(
    count: number,
    private readonly options: { fifo: boolean; returns: number },
  ) {
    for (let i = 0; i < count; i++) this.add(`old-${i}`, `group-${i % 3}`, Date.UTC(2025, 2, 1));
  }

  private add(origin: string, group: string, sent: number, source?: string): void {
    this.messages.push({ id: `dlq-${this.next++}`, group, body: `{broken ${origin}`, hidden: false, origin, sent, ...(source ? { source } : {}) });
  }

  public visible(): number {
    return this.messages.filter((m) => !m.hidden).length;
  }

  public install(dlqUrl: string, queueUrl: string, extra: { newcomerAfterSend?: number; reportedCount?: number } = {}): void {
    let sends = 0;
    sqs.on(GetQueueAttributesCommand, { QueueUrl: dlqUrl }).callsFake(() => ({
      Attributes: {
        ApproximateNumberOfMessages: String(extra.reportedCount ?? this.visible()),
        ApproximateNumberOfMessagesNotVisible: String(extra.reportedCount ?? this.messages.length - this.visible()),
      },
    }));
    sqs.on(ReceiveMessageCommand, { QueueUrl: dlqUrl }).callsFake(({ MaxNumberOfMessages = 1 }: { MaxNumberOfMessages?: number }) => {
      const busy = new Set(this.messages.filter((m) => m.hidden).map((m) => m.group));
      const out = [];
      for (const m of this.messages) {
        if (out.length >= MaxNumberOfMessages) break;
        if (m.hidden || (this.options.fifo && busy.has(m.group))) continue;
        m.hidden = true;
        out.push(m);
      }
      return {
        Messages: out.map((m) => ({
          ...sqsMessage(m.id, m.body, { SentTimestamp: String(m.sent), ...(this.options.fifo ? { MessageGroupId: m.group, MessageDeduplicationId: m.id } : {}) }),
          ...(m.source ? { MessageAttributes: { 'failure.sourceMessageId': { DataType: 'String', StringValue: m.source } } } : {}),
        })),
      };
    });
    sqs.on(SendMessageBatchCommand, { QueueUrl: queueUrl }).callsFake(({ Entries = [] }: SendMessageBatchCommandInput) => {
      const Successful = Entries.map((entry) => {
        const original = this.messages.find((m) => m.hidden && m.body === entry.MessageBody)!;
        this.sent.push(original.origin);
        const queueId = `q-${this.next++}`;
        if (this.sent.filter((o) => o === original.origin).length <= this.options.returns) {
          this.add(original.origin, entry.MessageGroupId ?? 'none', Date.now(), queueId);
        }
        return { Id: entry.Id, MessageId: queueId, MD5OfMessageBody: '' };
      });
      if (++sends === extra.newcomerAfterSend) this.add('newcomer', 'group-x', Date.now());
      return { Successful };
    });
    sqs.on(DeleteMessageBatchCommand, { QueueUrl: dlqUrl }).callsFake(({ Entries = [] }: { Entries?: { Id: string; ReceiptHandle: string }[] }) => {
      for (const e of Entries) this.messages.splice(this.messages.findIndex((m) => `rh-${m.id}` === e.ReceiptHandle), 1);
      return { Successful: Entries.map((e) => ({ Id: e.Id })) };
    });
    sqs.on(ChangeMessageVisibilityBatchCommand, { QueueUrl: dlqUrl }).callsFake(({ Entries = [] }: { Entries?: { ReceiptHandle: string }[] }) => {
      for (const e of Entries) {
        const m = this.messages.find((x) => `rh-${x.id}` === e.ReceiptHandle);
        if (m) m.hidden = false;
      }
      return {};
    });
  }
}
