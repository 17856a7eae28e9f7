/**
 * Turns an event given by application code into an SNS message: fills in the
 * fields the publisher may supply, validates it with the consumers' envelope
 * schema and measures it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { MalformedEventError, parseEvent, type PipelineEvent } from './envelope';
import { EventTooLargeError, InvalidEventError } from './errors';
import { preview } from './preview';

/** A CloudEvent as application code gives it to the publisher. */
export interface CloudEventInput {
  /** @default '1.0' when the publisher fills in defaults */
  readonly specversion?: '1.0';
  /** @default - a random UUID when the publisher fills in defaults */
  readonly id?: string;
  readonly source: string;
  readonly type: string;
  /** The entity the event is about; the FIFO message group. Never filled in. */
  readonly subject: string;
  /** Position among the subject's events: an integer or a string of digits. Never filled in. */
  readonly sequence: number | string;
  /** @default - the current time when the publisher fills in defaults */
  readonly time?: string;
  readonly data?: unknown;
  readonly [extension: string]: unknown;
}

/** Fields the publisher fills in when they are absent. */
export type FilledField = 'specversion' | 'id' | 'time';

/** An event ready to send. */
export interface PreparedEvent {
  /** Position in the list given to the publisher. */
  readonly index: number;
  /** The event as consumers will parse it. */
  readonly event: PipelineEvent;
  /** The SNS message body: the event as JSON. */
  readonly body: string;
  /** Bytes of the body and the message attributes. */
  readonly size: number;
  /** MessageGroupId: the subject, or its SHA-256 when the subject is not a valid group id. */
  readonly groupId: string;
  /** MessageDeduplicationId. */
  readonly deduplicationId: string;
  /** Fields that were absent and filled in. */
  readonly filled: readonly FilledField[];
}

export interface PrepareOptions {
  /** Fill in `specversion`, `id` and `time` when absent. */
  readonly fillDefaults: boolean;
  /** Largest message (body and attributes) the topic accepts, in bytes. */
  readonly maxMessageBytes: number;
  /** The deduplication id of an event, before it is made a valid SNS id. */
  readonly deduplicationId: (event: PipelineEvent) => string;
  /**
   * Refuse an event whose subject or id is not a valid MessageGroupId or
   * MessageDeduplicationId, instead of hashing it: the Events API passes them
   * to the topic as they are, and would refuse the whole request.
   */
  readonly requireTopicKeys?: boolean;
  readonly newId: () => string;
  readonly now: () => Date;
}

export const DEFAULT_PREPARE_OPTIONS: PrepareOptions = {
  fillDefaults: true,
  maxMessageBytes: 262_144,
  deduplicationId: (event) => event.id,
  newId: randomUUID,
  now: () => new Date(),
};

/** The message attribute consumers' subscription filter policies match on. */
export const TYPE_ATTRIBUTE = 'type';

/**
 * Validates and serializes one event.
 *
 * @throws {InvalidEventError} naming the field at fault
 * @throws {EventTooLargeError} when the message would exceed `maxMessageBytes`
 */
export function prepareEvent(input: unknown, index: number, options: PrepareOptions): PreparedEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidEventError('body', 'must be a JSON object');
  }
  const given = input as Record<string, unknown>;
  const filled: FilledField[] = [];
  const event: Record<string, unknown> = { ...given };
  if (options.fillDefaults) {
    if (given.specversion === undefined) {
      event.specversion = '1.0';
      filled.push('specversion');
    }
    if (given.id === undefined) {
      event.id = options.newId();
      filled.push('id');
    }
    if (given.time === undefined) {
      event.time = options.now().toISOString();
      filled.push('time');
    }
  }
  let body: string;
  try {
    body = JSON.stringify(event);
  } catch (error) {
    throw new InvalidEventError('body', `cannot be written as JSON (${(error as Error).message})`);
  }
  let parsed: PipelineEvent;
  try {
    parsed = parseEvent(body);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      throw new InvalidEventError(error.field, error.message.slice(error.field.length + 2));
    }
    throw error;
  }
  if (options.requireTopicKeys) {
    for (const field of ['id', 'subject'] as const) {
      if (!SNS_ID.test(parsed[field])) {
        throw new InvalidEventError(
          field,
          `must be 1 to 128 printable ASCII characters without spaces through the Events API, which gives it to the FIFO topic as its ${field === 'id' ? 'deduplication' : 'message group'} id (got ${preview(parsed[field])})`,
        );
      }
    }
  }
  const size = messageSize(body, parsed.type);
  if (size > options.maxMessageBytes) throw new EventTooLargeError(size, options.maxMessageBytes);
  return {
    index,
    event: parsed,
    body,
    size,
    groupId: snsId(parsed.subject),
    deduplicationId: snsId(options.deduplicationId(parsed)),
    filled,
  };
}

/** Bytes SNS counts for a message: its body, and each attribute's name, data type and value. */
export function messageSize(body: string, type: string): number {
  return Buffer.byteLength(body) + Buffer.byteLength(TYPE_ATTRIBUTE) + Buffer.byteLength('String') + Buffer.byteLength(type);
}

/** 1 to 128 letters, digits and punctuation: what MessageGroupId and MessageDeduplicationId accept. */
const SNS_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The value itself when it is a valid MessageGroupId or MessageDeduplicationId,
 * else its SHA-256 in hex: still one id per value, so grouping and
 * deduplication keep working.
 */
export function snsId(value: string): string {
  return SNS_ID.test(value) ? value : createHash('sha256').update(value).digest('hex');
}
