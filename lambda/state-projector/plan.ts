import type { SQSRecord } from 'aws-lambda';
import type { DeadLetter } from '../shared/dead-letter';
import { parseEvent, type PipelineEvent } from '../shared/envelope';
import { MalformedEventError, toError } from '../shared/errors';

/**
 * What the projector does with one record of a FIFO batch:
 * - `write`: the newest event of its subject in its message group; written.
 * - `superseded`: an older (or equal) sequence of a subject that a `write`
 *   record of the same batch covers; succeeds without a write.
 * - `dead-lettered`: malformed, and already sent to the dead-letter queue;
 *   succeeds, and the rest of its message group goes on.
 * - `malformed`: malformed and not dead-lettered; fails, and so does the rest
 *   of its message group.
 * - `blocked`: comes after a `malformed` record of its message group; fails.
 */
export type Step = WriteStep | SupersededStep | DeadLetteredStep | MalformedStep | BlockedStep;

interface EventStep {
  readonly messageId: string;
  readonly groupId: string;
  readonly event: PipelineEvent;
}
export interface WriteStep extends EventStep {
  readonly kind: 'write';
}
export interface SupersededStep extends EventStep {
  readonly kind: 'superseded';
}
export interface MalformedStep {
  readonly kind: 'malformed';
  readonly messageId: string;
  /** Unknown when the record has no MessageGroupId. */
  readonly groupId?: string;
  readonly error: Error;
}
export interface DeadLetteredStep extends Omit<MalformedStep, 'kind'> {
  readonly kind: 'dead-lettered';
}
export interface BlockedStep {
  readonly kind: 'blocked';
  readonly messageId: string;
  readonly groupId: string;
  /** For the logs, when the body has one. */
  readonly eventId?: string;
}

interface ValidStep extends EventStep {
  readonly kind: 'valid';
  /** Message group and subject: the unit of compaction. */
  readonly key: string;
}

/** The records of a batch whose body is not a valid event, in batch order, with why. */
export function malformedRecords(records: readonly SQSRecord[]): DeadLetter[] {
  return records.flatMap((record) => {
    try {
      parseEvent(record.body);
      return [];
    } catch (error) {
      return error instanceof MalformedEventError ? [{ record, error, eventId: error.eventId }] : [];
    }
  });
}

/**
 * Compacts a FIFO batch: per message group and subject, only the valid record
 * with the highest sequence is written (the first one on a tie, as the
 * conditional write would keep it). Records after the first malformed record
 * of a group that is not in `deadLettered` take no part, as they are
 * redelivered; a dead-lettered record holds nothing back.
 *
 * The group is the record's MessageGroupId, or the event's subject if the
 * record has none.
 *
 * @param deadLettered message ids of the malformed records already sent to the dead-letter queue
 * @returns one step per record, in batch order
 */
export function planBatch(records: readonly SQSRecord[], deadLettered: ReadonlySet<string> = new Set()): Step[] {
  const blockedGroups = new Set<string>();
  const newest = new Map<string, { readonly index: number; readonly sequence: number }>();

  const parsed = records.map((record, index): ValidStep | DeadLetteredStep | MalformedStep | BlockedStep => {
    const { messageId } = record;
    const messageGroupId = record.attributes?.MessageGroupId;
    if (messageGroupId !== undefined && blockedGroups.has(messageGroupId)) {
      return { kind: 'blocked', messageId, groupId: messageGroupId, eventId: eventIdOf(record.body) };
    }
    let event: PipelineEvent;
    try {
      event = parseEvent(record.body);
    } catch (error) {
      if (deadLettered.has(messageId)) {
        return { kind: 'dead-lettered', messageId, groupId: messageGroupId, error: toError(error) };
      }
      if (messageGroupId !== undefined) {
        blockedGroups.add(messageGroupId);
      }
      return { kind: 'malformed', messageId, groupId: messageGroupId, error: toError(error) };
    }
    const groupId = messageGroupId ?? event.subject;
    const key = JSON.stringify([groupId, event.subject]);
    if (event.sequence > (newest.get(key)?.sequence ?? -1)) {
      newest.set(key, { index, sequence: event.sequence });
    }
    return { kind: 'valid', messageId, groupId, event, key };
  });

  return parsed.map((step, index): Step => {
    if (step.kind !== 'valid') {
      return step;
    }
    const { messageId, groupId, event, key } = step;
    const kind = newest.get(key)?.index === index ? 'write' : 'superseded';
    return { kind, messageId, groupId, event };
  });
}

function eventIdOf(body: string): string | undefined {
  try {
    return parseEvent(body).id;
  } catch (error) {
    return error instanceof MalformedEventError ? error.eventId : undefined;
  }
}
