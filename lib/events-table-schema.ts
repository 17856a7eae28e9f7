/**
 * Names of the events table's attributes and index, for handlers and queries.
 * A table passed as `eventsTable` must follow them.
 */
export class EventsTableSchema {
  /** Partition key (string): the event's `id`. */
  public static readonly PARTITION_KEY = 'id';
  /** TTL attribute (number, epoch seconds): when the event expires. */
  public static readonly TIME_TO_LIVE_ATTRIBUTE = 'expiresAt';
  /** Global secondary index listing a subject's events in sequence order. */
  public static readonly SUBJECT_INDEX = 'bySubject';
  /** Partition key (string) of the subject index: the event's `subject`. */
  public static readonly SUBJECT_INDEX_PARTITION_KEY = 'subject';
  /** Sort key (number) of the subject index: the event's `sequence`. */
  public static readonly SUBJECT_INDEX_SORT_KEY = 'sequence';

  private constructor() {}
}
