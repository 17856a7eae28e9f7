/**
 * Names of the state table's attributes. A table passed as `stateTable` must
 * follow them.
 */
export class StateTableSchema {
  /** Partition key (string): the event's `subject`. */
  public static readonly PARTITION_KEY = 'subject';

  private constructor() {}
}
