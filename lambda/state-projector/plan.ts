import type { SQSRecord } from 'aws-lambda';
import { parseEvent, type PipelineEvent } from '../../packages/publisher/src/envelope';
import type { DeadLetter } from '../shared/dead-letter';
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

/** A record with its body parsed: the event, or why the body is not one. */
export type ParsedRecord =
  | { readonly record: SQSRecord; readonly event: PipelineEvent }
  | { readonly record: SQSRecord; readonly error: Error };

/** Parses each record's body once, for `malformedRecords` and `planBatch` to share. */
export function parseRecords(records: readonly SQSRecord[]): ParsedRecord[] {
  return records.map((record) => {
    try {
      return { record, event: parseEvent(record.body) };
    } catch (error) {
      return { record, error: toError(error) };
    }
  });
}

/** The records of a batch whose body is not a valid event, in batch order, with why. */
export function malformedRecords(parsed: readonly ParsedRecord[]): DeadLetter[] {
  return parsed.flatMap((p) =>
    'error' in p && p.error instanceof MalformedEventError ? [{ record: p.record, error: p.error, eventId: p.error.eventId }] : [],
  );
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
 * @param parsed the records' bodies, parsed (`parseRecords(records)` unless given)
 * @returns one step per record, in batch order
 */
export function planBatch(
  records: readonly SQSRecord[],
  deadLettered: ReadonlySet<string> = new Set(),
  parsed: readonly ParsedRecord[] = parseRecords(records),
): Step[] {
  const blockedGroups = new Set<string>();
  const newest = new Map<string, { readonly index: number; readonly sequence: number }>();

  const steps = parsed.map((p, index): ValidStep | DeadLetteredStep | MalformedStep | BlockedStep => {
    const { messageId } = p.record;
    const messageGroupId = p.record.attributes?.MessageGroupId;
    if (messageGroupId !== undefined && blockedGroups.has(messageGroupId)) {
      return { kind: 'blocked', messageId, groupId: messageGroupId, eventId: eventIdOf(p) };
    }
    if ('error' in p) {
      if (deadLettered.has(messageId)) {
        return { kind: 'dead-lettered', messageId, groupId: messageGroupId, error: p.error };
      }
      if (messageGroupId !== undefined) {
        blockedGroups.add(messageGroupId);
      }
      return { kind: 'malformed', messageId, groupId: messageGroupId, error: p.error };
    }
    const { event } = p;
    const groupId = messageGroupId ?? event.subject;
    const key = JSON.stringify([groupId, event.subject]);
    if (event.sequence > (newest.get(key)?.sequence ?? -1)) {
      newest.set(key, { index, sequence: event.sequence });
    }
    return { kind: 'valid', messageId, groupId, event, key };
  });

  return steps.map((step, index): Step => {
    if (step.kind !== 'valid') {
      return step;
    }
    const { messageId, groupId, event, key } = step;
    const kind = newest.get(key)?.index === index ? 'write' : 'superseded';
    return { kind, messageId, groupId, event };
  });
}

function eventIdOf(p: ParsedRecord): string | undefined {
  if ('event' in p) return p.event.id;
  return p.error instanceof MalformedEventError ? p.error.eventId : undefined;
}
