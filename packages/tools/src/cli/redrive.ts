/**
 * `redrive`: moves a consumer's dead-letter messages back to its queue.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { parseEvent, type PipelineEvent } from 'cdk-event-pipeline-publisher';
import { FAILURE_ATTRIBUTES, FAILURE_ATTRIBUTE_PREFIX, snsId } from 'cdk-event-pipeline-publisher';
import { type Command, type ParsedArgs, integerOption, stringOption } from './args';
import { DEFAULT_HOLD_SECONDS } from './dlq';
import { CliError, EXIT, explain } from './errors';
import { type CliIO, count, plural, writeJson } from './io';
import { Progress } from './progress';
import { findConsumer, isFifoUrl, resolveTarget } from './resources';
import { HeldMessages, queueArn, queueDepth } from './sqs';

/** A message that stayed in the dead-letter queue, and why. */
export interface KeptMessage {
  readonly messageId: string;
  /** `skipped`: left on purpose (--valid-only); `failed`: could not be sent. */
  readonly kind: 'skipped' | 'failed';
  readonly reason: string;
}

/** What `redrive --json` prints. */
export interface RedriveReport {
  readonly consumer: string;
  readonly method: 'move task' | 'copy';
  readonly moved: number;
  /** Messages in the DLQ when the redrive began (visible, in flight and delayed; approximate on AWS). */
  readonly atStart: number;
  /** Moved with the body from --edits. */
  readonly edited: number;
  /**
   * Copy: messages that reached the DLQ after the redrive began, left for the next redrive; `returned` of
   * them are messages this redrive had sent back, dead-lettered again by the consumer.
   */
  readonly arrived?: { readonly count: number; readonly returned: number };
  readonly kept: readonly KeptMessage[];
  /** Sent to the queue but not deleted from the DLQ: a later redrive sends them again. */
  readonly notDeleted: readonly KeptMessage[];
  /** ApproximateNumberOfMessages of the DLQ afterwards. */
  readonly leftInDeadLetterQueue: number;
  readonly task?: MoveTaskState;
  readonly notes: readonly string[];
}

export interface MoveTaskState {
  readonly handle?: string;
  readonly status: string;
  readonly moved: number;
  readonly toMove?: number;
  readonly failureReason?: string;
}

export const redriveCommand: Command = {
  name: 'redrive',
  summary: "move a consumer's dead-letter messages back to its queue",
  usage: 'redrive --queue NAME [--edits DIR] [--valid-only] [--copy] [--no-wait] (--stack NAME | --local)',
  description: [
    'Moves the messages of a consumer\'s dead-letter queue back to its queue, to be processed again.',
    '',
    'On AWS it starts an SQS message move task (StartMessageMoveTask) and waits for it. On the local run, which',
    'has no move tasks, and with --edits or --copy, it copies: receive from the DLQ, send to the queue, and delete',
    'from the DLQ only once the send succeeded, so an interruption loses nothing (at worst a message is sent twice,',
    'which the consumers absorb). On a FIFO queue the copy keeps MessageGroupId and sends a new deduplication id,',
    '`<original>:redrive:<n>`: resending the original id within 5 minutes would be dropped as a duplicate. The copy',
    'leaves out the failure.* message attributes the handler attached when it dead-lettered a message; a move task',
    'keeps them, and a handler that dead-letters the message again replaces them.',
    '--valid-only implies --copy too: a move task cannot leave some messages behind.',
  ].join('\n'),
  options: {
    queue: { type: 'string', short: 'q' },
    edits: { type: 'string' },
    'valid-only': { type: 'boolean' },
    copy: { type: 'boolean' },
    max: { type: 'string' },
    hold: { type: 'string' },
    rate: { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  optionHelp: [
    ['-q, --queue NAME', 'the consumer whose dead-letter queue to redrive, e.g. event-log (required)'],
    ['--edits DIR', 'send DIR/<message id>.json instead of the body of that message (see `dlq inspect --save`); implies --copy'],
    ['--valid-only', 'leave in the DLQ the messages whose body (after --edits) is not a valid event'],
    ['--copy', 'on AWS, copy (receive, send, delete) instead of starting a move task'],
    ['--max N', 'copy: move at most N messages, 1 to 1000000 (default all)'],
    ['--hold SECONDS', `copy: visibility timeout of the received messages, 1 to 600 (default ${DEFAULT_HOLD_SECONDS})`],
    ['--rate N', 'move task: messages per second, 1 to 500 (default: as fast as SQS goes)'],
    ['--no-wait', 'move task: return once the task is started'],
  ],
  needsTarget: true,
  positionals: { min: 0, max: 0 },
  run: runRedrive,
};

async function runRedrive({ values }: ParsedArgs, io: CliIO): Promise<number> {
  const name = stringOption(values, 'queue');
  if (!name) throw new CliError('--queue NAME is required (e.g. --queue event-log)', EXIT.USAGE);
  const max = integerOption(values, 'max', 1_000_000, 1, 1_000_000);
  const holdSeconds = integerOption(values, 'hold', DEFAULT_HOLD_SECONDS, 1, 600);
  const rate = values.rate === undefined ? undefined : integerOption(values, 'rate', 0, 1, 500);
  const editsDir = stringOption(values, 'edits');
  const edits = editsDir ? loadEdits(resolve(io.cwd, editsDir)) : new Map<string, string>();
  const validOnly = values['valid-only'] === true;
  // Move tasks cannot change or pick messages, and the local emulator has none.
  const copy = values.local === true || values.copy === true || editsDir !== undefined || validOnly;
  const moveOnly = (['rate', 'no-wait'] as const).filter((option) => values[option] !== undefined);
  if (copy && moveOnly.length > 0) {
    const why =
      values.local === true
        ? 'the local run has no move tasks: redrive copies there (receive, send, delete)'
        : `${['copy', 'edits', 'valid-only'].filter((o) => values[o] !== undefined).map((o) => `--${o}`).join(', ')} copies (receive, send, delete) instead of starting one`;
    throw new CliError(`${moveOnly.map((o) => `--${o}`).join(' and ')} ${moveOnly.length === 1 ? 'applies' : 'apply'} to an SQS move task only, and ${why}`, EXIT.USAGE);
  }
  const target = await resolveTarget(values, io, { stackResources: true });
  try {
    const consumer = findConsumer(target, name);
    if (!consumer.queueUrl || !consumer.deadLetterQueueUrl) {
      throw new CliError(`${consumer.name} has no queue or no dead-letter queue in ${target.label}`, EXIT.UNREACHABLE);
    }
    const queues = { consumer: consumer.name, queueUrl: consumer.queueUrl, dlqUrl: consumer.deadLetterQueueUrl };
    const atStart = await queueDepth(target.clients.sqs, queues.dlqUrl).catch((error: unknown) => {
      throw explain(error, target.errorContext);
    });
    const total = atStart.visible + atStart.inFlight + atStart.delayed;
    const progress = new Progress(io.stderr, 'redriven', copy ? Math.min(max, total) : total);
    const report = await (copy
      ? copyConsumer(target.clients.sqs, queues, {
          max,
          atStart: total,
          holdSeconds,
          waitSeconds: target.kind === 'aws' ? 1 : 0,
          edits,
          editsDir,
          validOnly,
          signal: io.signal,
          onProgress: (moved) => progress.update(moved),
        })
      : moveConsumer(target.clients.sqs, queues, total, {
          rate,
          wait: values['no-wait'] !== true,
          signal: io.signal,
          onProgress: (task) => progress.update(task.moved),
        })
    )
      .catch((error: unknown) => {
        throw explain(error, target.errorContext);
      })
      .finally(() => progress.done());
    if (values.json) writeJson(io.stdout, { target: target.label, ...report });
    else io.stdout.write(formatRedrive(report));
    const failed =
      report.kept.some((k) => k.kind === 'failed') || report.notDeleted.length > 0 || report.task?.status === 'FAILED';
    return failed ? EXIT.FAILED : EXIT.OK;
  } finally {
    target.clients.destroy();
  }
}

interface ConsumerQueueUrls {
  readonly consumer: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

async function copyConsumer(
  sqs: SQSClient,
  queues: ConsumerQueueUrls,
  options: Omit<CopyOptions, 'dlqUrl' | 'queueUrl'> & { editsDir?: string },
): Promise<RedriveReport> {
  const { report, seen } = await redriveByCopy(sqs, { ...options, dlqUrl: queues.dlqUrl, queueUrl: queues.queueUrl });
  const matched = [...options.edits.keys()].filter((id) => seen.has(id));
  const { arrived } = report;
  const notes = [
    ...(options.signal?.aborted ? ['Interrupted: the messages not moved are still in the DLQ.'] : []),
    ...(arrived.count > 0
      ? [
          `${plural(arrived.count, 'message')} reached the DLQ after the redrive began` +
            (arrived.returned > 0 ? ` (${count(arrived.returned)} of them sent back by this redrive and dead-lettered again by the consumer)` : '') +
            ': left for the next redrive.',
        ]
      : []),
    ...(options.edits.size > 0 && matched.length === 0
      ? [`None of the ${plural(options.edits.size, 'file')} in ${options.editsDir} is named after a message of this DLQ (<message id>.json).`]
      : []),
  ];
  const left = (await queueDepth(sqs, queues.dlqUrl)).visible;
  return { consumer: queues.consumer, method: 'copy', atStart: options.atStart ?? 0, ...report, leftInDeadLetterQueue: left, notes };
}

async function moveConsumer(
  sqs: SQSClient,
  queues: ConsumerQueueUrls,
  atStart: number,
  options: Omit<MoveTaskOptions, 'dlqUrl' | 'queueUrl'>,
): Promise<RedriveReport> {
  const task = await redriveByMoveTask(sqs, { ...options, dlqUrl: queues.dlqUrl, queueUrl: queues.queueUrl });
  const notes =
    task.status === 'RUNNING' && task.handle
      ? [`The move task keeps running; cancel it with \`aws sqs cancel-message-move-task --task-handle ${task.handle}\`.`]
      : [];
  return {
    consumer: queues.consumer,
    method: 'move task',
    moved: task.moved,
    atStart,
    edited: 0,
    kept: [],
    notDeleted: [],
    leftInDeadLetterQueue: (await queueDepth(sqs, queues.dlqUrl)).visible,
    task,
    notes,
  };
}

export interface CopyOptions {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  readonly max: number;
  /**
   * Messages in the DLQ when the redrive began: no more than these are moved or left in one pass. 0 (or
   * absent) sets no bound but `max`: an approximate count of 0 is no proof that the DLQ is empty.
   */
  readonly atStart?: number;
  readonly holdSeconds: number;
  readonly waitSeconds: number;
  /** Bodies to send instead of the original, by message id. */
  readonly edits: ReadonlyMap<string, string>;
  readonly validOnly: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (moved: number) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

type CopyResult = Pick<RedriveReport, 'moved' | 'edited' | 'kept' | 'notDeleted'> & {
  readonly arrived: NonNullable<RedriveReport['arrived']>;
};

/**
 * Receive, send, delete: a message leaves the DLQ only after the send
 * succeeded. Messages that stay are held until the end, so that one pass
 * does not see them twice and, on a FIFO queue, their group's later messages
 * stay behind them; then they are made visible again.
 *
 * One pass moves each message at most once, and only the messages that were
 * in the DLQ when it began: a consumer that fails a redriven message again
 * puts a new copy in the DLQ during the pass. Such a message is recognised
 * and held, not moved: its `failure.sourceMessageId` (or, when SQS moved it
 * after maxReceiveCount, its own id) is a message this pass sent, or it was
 * sent to the DLQ after the pass began (`SentTimestamp`). Being held, it
 * hides only the later messages of its own FIFO group, which are newer still.
 * The pass ends when the DLQ has nothing more to give, when it has dealt with
 * as many messages as the DLQ held at the start, or when more new messages
 * have arrived than that (the DLQ filling faster than it is redriven).
 */
export async function redriveByCopy(sqs: SQSClient, options: CopyOptions): Promise<{ report: CopyResult; seen: Set<string> }> {
  const fifo = isFifoUrl(options.queueUrl);
  const started = (options.now ?? Date.now)();
  const limit = Math.min(options.max, options.atStart && options.atStart > 0 ? options.atStart : options.max);
  const held = new HeldMessages(sqs, options.dlqUrl, options.holdSeconds, options.waitSeconds);
  const kept: KeptMessage[] = [];
  const notDeleted: KeptMessage[] = [];
  const seen = new Set<string>();
  /** Message ids on the queue of the copies this pass sent. */
  const sentIds = new Set<string>();
  const arrived = { count: 0, returned: 0 };
  let moved = 0;
  let edited = 0;
  const dealtWith = () => moved + kept.length + notDeleted.length;
  try {
    while (dealtWith() < limit && arrived.count <= limit && !options.signal?.aborted) {
      const fresh = await held.receive(limit - dealtWith());
      if (fresh.length === 0) break;
      const sends: { message: Message; entry: SendMessageBatchRequestEntry; edited: boolean }[] = [];
      for (const message of fresh) {
        const since = arrivedSince(message, started, sentIds);
        if (since) {
          // Stays held until the end of the pass: the next redrive deals with it.
          arrived.count++;
          if (since === 'returned') arrived.returned++;
          continue;
        }
        if (dealtWith() + sends.length >= limit) continue;
        seen.add(message.MessageId ?? '');
        const plan = planCopy(message, options.edits.get(message.MessageId ?? ''), options.validOnly, fifo);
        if ('keep' in plan) kept.push(plan.keep);
        else sends.push({ message, entry: { ...plan.entry, Id: String(sends.length) }, edited: plan.edited });
      }
      if (sends.length === 0) continue;
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: sends.map((s) => s.entry) }));
      for (const failure of out.Failed ?? []) {
        const send = sends[Number(failure.Id)];
        const reason = `SendMessage failed: ${failure.Code}: ${failure.Message ?? ''}`;
        kept.push({ messageId: send.message.MessageId ?? '', kind: 'failed', reason });
      }
      for (const ok of out.Successful ?? []) if (ok.MessageId) sentIds.add(ok.MessageId);
      const sent = (out.Successful ?? []).map((s) => sends[Number(s.Id)]).filter((s) => s !== undefined);
      if (sent.length === 0) continue;
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.dlqUrl,
          Entries: sent.map((s, n) => ({ Id: String(n), ReceiptHandle: s.message.ReceiptHandle })),
        }),
      );
      for (const ok of deleted.Successful ?? []) {
        const send = sent[Number(ok.Id)];
        held.forget(send.message);
        moved++;
        if (send.edited) edited++;
      }
      for (const failure of deleted.Failed ?? []) {
        const send = sent[Number(failure.Id)];
        notDeleted.push({
          messageId: send.message.MessageId ?? '',
          kind: 'failed',
          reason: `sent, but DeleteMessage failed (${failure.Code}): it stays in the DLQ and a later redrive sends it again`,
        });
      }
      options.onProgress?.(moved);
    }
  } finally {
    await held.releaseAll();
  }
  return { report: { moved, edited, kept, notDeleted, arrived }, seen };
}

/**
 * Whether a DLQ message came after the pass began: `returned` when it is a
 * copy this pass sent, dead-lettered again; `new` when it was sent to the DLQ
 * after `started` (the SQS clock against this machine's: a message that
 * arrived in the first moments may be taken for an old one, which its source
 * id still gives away when it is a copy of ours).
 */
function arrivedSince(message: Message, started: number, sentIds: ReadonlySet<string>): 'returned' | 'new' | undefined {
  const source = message.MessageAttributes?.[FAILURE_ATTRIBUTES.sourceMessageId]?.StringValue;
  if ((source !== undefined && sentIds.has(source)) || sentIds.has(message.MessageId ?? '')) return 'returned';
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent >= started ? 'new' : undefined;
}

/** What to send for one dead-lettered message, or why it stays. */
function planCopy(
  message: Message,
  edit: string | undefined,
  validOnly: boolean,
  fifo: boolean,
): { entry: Omit<SendMessageBatchRequestEntry, 'Id'>; edited: boolean } | { keep: KeptMessage } {
  const messageId = message.MessageId ?? '';
  // A saved body left as it was is no edit.
  if (edit !== undefined && compact(edit) === compact(message.Body ?? '')) edit = undefined;
  const body = edit === undefined ? message.Body ?? '' : compact(edit);
  let event: PipelineEvent | undefined;
  try {
    event = parseEvent(body);
  } catch (error) {
    if (edit !== undefined) {
      return { keep: { messageId, kind: 'failed', reason: `the edited body is still invalid: ${(error as Error).message}` } };
    }
    if (validOnly) return { keep: { messageId, kind: 'skipped', reason: `not a valid event (${(error as Error).message})` } };
  }
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    // Why it failed last time (set by the handler that dead-lettered it) does not go back to the queue.
    if (name.startsWith(FAILURE_ATTRIBUTE_PREFIX)) continue;
    attributes[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
  }
  if (edit !== undefined && event) attributes.type = { DataType: 'String', StringValue: event.type };
  const a = message.Attributes ?? {};
  // An edited event goes to its (possibly new) subject's group; otherwise the group stays as it was.
  const group = edit !== undefined && event ? snsId(event.subject) : a.MessageGroupId ?? (event ? snsId(event.subject) : messageId);
  const deduplicationId = redriveDeduplicationId(a.MessageDeduplicationId ?? messageId);
  return {
    entry: {
      MessageBody: body,
      ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      ...(fifo ? { MessageGroupId: group, MessageDeduplicationId: deduplicationId } : {}),
    },
    edited: edit !== undefined,
  };
}

/**
 * `<id>` -> `<id>:redrive:1` -> `<id>:redrive:2`: the n-th redrive of a
 * message has its own deduplication id, so that the queue's 5-minute window
 * does not drop it as a copy of the original (or of the previous redrive),
 * while a repeated attempt at the same redrive is still deduplicated.
 */
export function redriveDeduplicationId(current: string): string {
  const m = /^(.*):redrive:(\d+)$/.exec(current);
  const base = m ? m[1] : current;
  const next = `${base}:redrive:${m ? Number(m[2]) + 1 : 1}`;
  return next.length <= 128 ? next : `${createHash('sha256').update(base).digest('hex')}:redrive:${m ? Number(m[2]) + 1 : 1}`;
}

/** Edited bodies by message id: DIR/<message id>.json. */
export function loadEdits(dir: string): Map<string, string> {
  if (!existsSync(dir)) throw new CliError(`--edits ${dir}: no such directory`, EXIT.USAGE);
  const edits = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    edits.set(file.slice(0, -'.json'.length), readFileSync(join(dir, file), 'utf8'));
  }
  return edits;
}

/** An edited file as a message body: JSON on one line, or the text as it is. */
function compact(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.trim();
  }
}

export interface MoveTaskOptions {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  readonly rate?: number;
  readonly wait: boolean;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (task: MoveTaskState) => void;
}

/** Starts an SQS message move task from the DLQ to the queue and, when asked, follows it to its end. */
export async function redriveByMoveTask(sqs: SQSClient, options: MoveTaskOptions): Promise<MoveTaskState> {
  const [sourceArn, destinationArn] = await Promise.all([queueArn(sqs, options.dlqUrl), queueArn(sqs, options.queueUrl)]);
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: sourceArn,
      DestinationArn: destinationArn,
      MaxNumberOfMessagesPerSecond: options.rate,
    }),
  );
  let state: MoveTaskState = { handle: TaskHandle, status: 'RUNNING', moved: 0 };
  for (let poll = 0; options.wait && state.status === 'RUNNING' && !options.signal?.aborted; poll++) {
    if (poll > 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 2_000));
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const latest = Results[0];
    if (!latest) break;
    state = {
      handle: TaskHandle,
      status: latest.Status ?? 'UNKNOWN',
      moved: latest.ApproximateNumberOfMessagesMoved ?? 0,
      ...(latest.ApproximateNumberOfMessagesToMove !== undefined ? { toMove: latest.ApproximateNumberOfMessagesToMove } : {}),
      ...(latest.FailureReason ? { failureReason: latest.FailureReason } : {}),
    };
    options.onProgress?.(state);
  }
  return state;
}

const SHOWN = 20;

export function formatRedrive(r: RedriveReport): string {
  const lines: string[] = [];
  if (r.method === 'move task') {
    const task = r.task!;
    lines.push(
      task.status === 'RUNNING'
        ? `Started a move task from the ${r.consumer} DLQ to its queue (${task.handle}).`
        : `Move task ${task.status}: ${plural(task.moved, 'message')} moved from the ${r.consumer} DLQ to its queue${task.failureReason ? `: ${task.failureReason}` : ''}.`,
    );
  } else {
    lines.push(`Moved ${plural(r.moved, 'message')} from the ${r.consumer} DLQ to its queue${r.edited > 0 ? ` (${count(r.edited)} edited)` : ''}.`);
  }
  const stayed = [...r.notDeleted, ...r.kept.filter((k) => k.kind === 'failed'), ...r.kept.filter((k) => k.kind === 'skipped')];
  for (const k of stayed.slice(0, SHOWN)) lines.push(`  ${k.kind === 'skipped' ? 'left' : 'failed'} ${k.messageId}: ${k.reason}`);
  if (stayed.length > SHOWN) lines.push(`  … and ${count(stayed.length - SHOWN)} more (all of them with --json)`);
  lines.push(`${plural(r.leftInDeadLetterQueue, 'message')} left in the DLQ.`, ...r.notes);
  return `${lines.join('\n')}\n`;
}
