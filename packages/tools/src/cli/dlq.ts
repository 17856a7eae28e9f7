/**
 * `dlq inspect`: the messages in a dead-letter queue, read without consuming them.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { MalformedEventError, parseEvent, FAILURE_ATTRIBUTES } from 'cdk-event-pipeline-publisher';
import { BIN, type Command, type ParsedArgs, integerOption, stringOption } from './args';
import { EXIT, explain } from './errors';
import { type CliIO, count, plural, table, writeJson } from './io';
import { type ConsumerQueues, type Target, findConsumer, isFifoUrl, resolveTarget } from './resources';
import { HeldMessages, queueDepth } from './sqs';

/** One dead-lettered message. */
export interface DeadLetter {
  readonly messageId: string;
  /** ApproximateReceiveCount: receives on the source queue, earlier inspections and this one. */
  readonly receiveCount: number;
  readonly sentAt?: string;
  readonly messageGroupId?: string;
  readonly deduplicationId?: string;
  readonly eventId?: string;
  readonly subject?: string;
  readonly sequence?: number;
  readonly type?: string;
  /** Why it failed, when known. */
  readonly reason?: string;
  /**
   * `message attribute`: the `failure.reason` the handler attached when it sent the message here itself;
   * `envelope`: the body re-validated with the envelope schema; `handler log`: the reason the local handler logged.
   */
  readonly reasonSource?: 'message attribute' | 'envelope' | 'handler log';
  /** Its message id on the consumer's queue, when the handler sent it here itself: the key of the handler's log lines. */
  readonly sourceMessageId?: string;
  readonly body: string;
}

/** One dead-letter queue, as `dlq inspect --json` prints it. */
export interface DeadLetterQueueReport {
  readonly consumer: string;
  readonly queueUrl: string;
  readonly fifo: boolean;
  /** ApproximateNumberOfMessages before the pass. */
  readonly approximateMessages: number;
  readonly messages: readonly DeadLetter[];
  /** Messages counted but not read: beyond --max, or behind a held message of their FIFO group. */
  readonly notShown: number;
  readonly notes: readonly string[];
}

export const DEFAULT_HOLD_SECONDS = 30;

export const dlqInspectCommand: Command = {
  name: 'dlq inspect',
  summary: 'list the messages of dead-letter queues, with why they failed',
  usage: 'dlq inspect [--queue NAME] [--max N] [--save DIR] (--stack NAME | --local)',
  description: [
    'Lists the messages in a consumer\'s dead-letter queue (every consumer\'s without --queue) with their receive',
    'count and, when it can be known, why they failed: the failure.reason message attribute of a message the handler',
    'dead-lettered itself (a malformed event); otherwise the body is re-validated with the envelope schema, which names',
    'the field at fault, and on the local run the reason the handler logged is used too. A valid body without',
    'failure.reason reached the DLQ after maxReceiveCount receives: on AWS, see the consumer\'s CloudWatch Logs for',
    'the message id.',
    '',
    'Messages are not consumed: each is received with a short hold (--hold) so that one pass sees it once, and made',
    'visible again as soon as the pass ends (also on Ctrl-C). Receiving counts as a receive (ApproximateReceiveCount',
    'goes up by one). On a FIFO queue, a message group\'s later messages cannot be received while its first one is',
    'held: they are counted but not shown.',
  ].join('\n'),
  options: {
    queue: { type: 'string', short: 'q' },
    max: { type: 'string' },
    hold: { type: 'string' },
    save: { type: 'string' },
  },
  optionHelp: [
    ['-q, --queue NAME', 'the consumer whose dead-letter queue to read, e.g. event-log, state-projector (default: all)'],
    ['--max N', 'read at most N messages per queue, 1 to 10000 (default 100)'],
    ['--hold SECONDS', 'visibility timeout while reading, 1 to 600 (default 30): how long messages stay hidden if the CLI is killed'],
    ['--save DIR', 'write each body to DIR/<message id>.json, to fix and pass to `redrive --edits DIR`'],
  ],
  needsTarget: true,
  positionals: { min: 0, max: 0 },
  run: runInspect,
};

async function runInspect({ values }: ParsedArgs, io: CliIO): Promise<number> {
  const max = integerOption(values, 'max', 100, 1, 10_000);
  const holdSeconds = integerOption(values, 'hold', DEFAULT_HOLD_SECONDS, 1, 600);
  const save = stringOption(values, 'save');
  const target = await resolveTarget(values, io, { stackResources: true });
  try {
    const name = stringOption(values, 'queue');
    const consumers = (name ? [findConsumer(target, name)] : target.consumers).filter((c) => c.deadLetterQueueUrl);
    const reports: DeadLetterQueueReport[] = [];
    for (const consumer of consumers) {
      reports.push(
        await inspectConsumer(target, consumer, { max, holdSeconds, signal: io.signal }).catch((error: unknown) => {
          throw explain(error, target.errorContext);
        }),
      );
    }
    const saved = save ? saveBodies(resolve(io.cwd, save), reports) : 0;
    if (values.json) writeJson(io.stdout, { target: target.label, queues: reports });
    else io.stdout.write(formatInspect(target, reports));
    if (save) {
      io.stderr.write(
        `Saved ${plural(saved, 'body', 'bodies')} to ${save}/<message id>.json: fix them, then run \`${BIN} redrive --queue NAME --edits ${save}\`.\n`,
      );
    }
    return EXIT.OK;
  } finally {
    target.clients.destroy();
  }
}

export async function inspectConsumer(
  target: Target,
  consumer: ConsumerQueues,
  options: { max: number; holdSeconds: number; signal?: AbortSignal },
): Promise<DeadLetterQueueReport> {
  const queueUrl = consumer.deadLetterQueueUrl!;
  const fifo = isFifoUrl(queueUrl);
  const { visible } = await queueDepth(target.clients.sqs, queueUrl);
  const { messages, notReleased } = await readWithoutConsuming(target.clients.sqs, queueUrl, {
    ...options,
    waitSeconds: target.kind === 'aws' ? 1 : 0,
  });
  const logged = target.logDir ? handlerLogReasons(target.logDir) : new Map<string, string>();
  const letters = messages.map((m) => describeDeadLetter(m, logged));
  const notShown = Math.max(0, visible - letters.length);
  const notes: string[] = [];
  if (notShown > 0 && letters.length >= options.max) notes.push(`${plural(notShown, 'more message')} beyond --max ${options.max}.`);
  else if (notShown > 0 && fifo) {
    notes.push(
      `${plural(notShown, 'more message')} not shown: on a FIFO queue the later messages of a message group cannot be received while its first one is held (FIFO group locking), and reading them would mean deleting the first.`,
    );
  }
  if (notReleased > 0) {
    notes.push(`${plural(notReleased, 'message')} could not be made visible at once: they come back within ${options.holdSeconds} s.`);
  }
  if (target.kind === 'aws' && letters.some((l) => l.reason === undefined)) {
    notes.push(
      'A message with a valid body and no failure.reason attribute failed for another reason (it reached the DLQ after maxReceiveCount receives): search the consumer\'s CloudWatch Logs for its message id (field messageId).',
    );
  }
  return { consumer: consumer.name, queueUrl, fifo, approximateMessages: visible, messages: letters, notShown, notes };
}

/**
 * Receives up to `max` messages, holding each for `holdSeconds`, then makes
 * them all visible again. Nothing is deleted.
 */
export async function readWithoutConsuming(
  sqs: SQSClient,
  queueUrl: string,
  options: { max: number; holdSeconds: number; waitSeconds: number; signal?: AbortSignal },
): Promise<{ messages: Message[]; notReleased: number }> {
  const held = new HeldMessages(sqs, queueUrl, options.holdSeconds, options.waitSeconds);
  const messages: Message[] = [];
  let notReleased: number;
  try {
    while (messages.length < options.max && !options.signal?.aborted) {
      const fresh = await held.receive(options.max - messages.length);
      if (fresh.length === 0) break;
      messages.push(...fresh);
    }
  } finally {
    notReleased = await held.releaseAll();
  }
  return { messages, notReleased };
}

/**
 * What a dead-lettered message says about itself. The reason is, in order of preference, the
 * `failure.reason` attribute the handler attached, the envelope field at fault, or what the
 * handler logged (`logged`, by message id; a message the handler sent here itself is looked up
 * by its source message id too).
 */
export function describeDeadLetter(message: Message, logged: ReadonlyMap<string, string> = new Map()): DeadLetter {
  const messageId = message.MessageId ?? '';
  const body = message.Body ?? '';
  const a = message.Attributes ?? {};
  const failure = (name: string) => message.MessageAttributes?.[name]?.StringValue || undefined;
  const sent = Number(a.SentTimestamp);
  const sourceMessageId = failure(FAILURE_ATTRIBUTES.sourceMessageId);
  const base = {
    messageId,
    receiveCount: Number(a.ApproximateReceiveCount ?? 0),
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(a.MessageGroupId ? { messageGroupId: a.MessageGroupId } : {}),
    ...(a.MessageDeduplicationId ? { deduplicationId: a.MessageDeduplicationId } : {}),
    ...(sourceMessageId ? { sourceMessageId } : {}),
    body,
  };
  const attached = failure(FAILURE_ATTRIBUTES.reason);
  const fromAttribute = attached ? { reason: attached, reasonSource: 'message attribute' as const } : undefined;
  const fromLog = logged.get(messageId) ?? (sourceMessageId ? logged.get(sourceMessageId) : undefined);
  try {
    const event = parseEvent(body);
    return {
      ...base,
      eventId: event.id,
      subject: event.subject,
      sequence: event.sequence,
      type: event.type,
      ...(fromAttribute ?? (fromLog ? { reason: fromLog, reasonSource: 'handler log' as const } : {})),
    };
  } catch (error) {
    if (!(error instanceof MalformedEventError)) throw error;
    const json = safeJson(body);
    const eventId = typeof json?.id === 'string' ? json.id : failure(FAILURE_ATTRIBUTES.eventId);
    return {
      ...base,
      ...(eventId !== undefined ? { eventId } : {}),
      ...(typeof json?.subject === 'string' ? { subject: json.subject } : {}),
      ...(typeof json?.type === 'string' ? { type: json.type } : {}),
      ...(fromAttribute ?? { reason: error.message, reasonSource: 'envelope' as const }),
    };
  }
}

/** The reasons the local run's handlers logged for failed records, by SQS message id. */
export function handlerLogReasons(logDir: string): Map<string, string> {
  const reasons = new Map<string, string>();
  if (!existsSync(logDir)) return reasons;
  for (const file of readdirSync(logDir).filter((f) => f.endsWith('.log'))) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (!line.includes('"messageId"') || !line.includes('"reason"')) continue;
      const record = safeJson(line);
      if (typeof record?.messageId === 'string' && typeof record.reason === 'string') {
        reasons.set(record.messageId, record.reason);
      }
    }
  }
  return reasons;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes each body to DIR/<message id>.json, pretty-printed when it is JSON. */
function saveBodies(dir: string, reports: readonly DeadLetterQueueReport[]): number {
  mkdirSync(dir, { recursive: true });
  let saved = 0;
  for (const letter of reports.flatMap((r) => r.messages)) {
    const json = safeJson(letter.body);
    writeFileSync(join(dir, `${letter.messageId}.json`), json ? `${JSON.stringify(json, null, 2)}\n` : letter.body);
    saved++;
  }
  return saved;
}

/** The WHY FROM column: where each reason was read. */
const REASON_SOURCE_LABEL: Record<NonNullable<DeadLetter['reasonSource']>, string> = {
  'message attribute': 'failure.reason',
  envelope: 'body re-validated',
  'handler log': 'handler log',
};

export function formatInspect(target: Target, reports: readonly DeadLetterQueueReport[]): string {
  const parts: string[] = [];
  if (reports.length === 0) parts.push(`${target.label} has no dead-letter queue outputs.\n`);
  for (const r of reports) {
    const kind = r.fifo ? 'FIFO' : 'standard';
    parts.push(`${r.consumer} dead-letter queue (${kind}): ${plural(r.approximateMessages, 'message')}, ${count(r.messages.length)} shown`);
    if (r.messages.length > 0) {
      parts.push(
        table(
          ['MESSAGE ID', '>RECEIVES', 'SENT (UTC)', ...(r.fifo ? ['GROUP'] : []), 'EVENT', 'WHY FROM', 'WHY'],
          r.messages.map((m) => [
            m.messageId,
            count(m.receiveCount),
            m.sentAt ? m.sentAt.slice(0, 19).replace('T', ' ') : '-',
            ...(r.fifo ? [m.messageGroupId ?? '-'] : []),
            m.eventId ? `${m.eventId}${m.sequence !== undefined ? ` #${m.sequence}` : ''}` : '-',
            m.reasonSource ? REASON_SOURCE_LABEL[m.reasonSource] : '-',
            m.reason ?? 'unknown: the body is a valid event',
          ]),
        ).trimEnd(),
      );
    }
    parts.push(...r.notes, '');
  }
  return parts.join('\n');
}
