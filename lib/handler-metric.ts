/**
 * The metrics the default handlers publish, once per invocation, each a
 * Count: in CloudWatch embedded metric format (the function prints them to
 * its log; no CloudWatch API call), in the consumer's `metricsNamespace`,
 * with the dimensions `Pipeline` and `Consumer`. Read one with
 * `QueueConsumer.metricHandler`.
 */
export enum HandlerMetric {
  /** Events written: items stored by the event log, states changed by the state projector. */
  EVENTS_STORED = 'EventsStored',
  /**
   * Events not written again. The event log: an event whose id an earlier
   * record of the same batch carries (a redelivery in a later batch overwrites
   * its item and is not counted). The state projector: an event the sequence
   * guard refused, its sequence not newer than the stored one (a stale event,
   * or a duplicate).
   */
  DUPLICATES_SKIPPED = 'DuplicatesSkipped',
  /** State projector: events a newer event of their subject in the same batch covers, and so not written. */
  EVENTS_SUPERSEDED = 'EventsSuperseded',
  /** Malformed records the handler sent to its dead-letter queue itself. */
  EVENTS_DEAD_LETTERED = 'EventsDeadLettered',
  /** Records that carry SNS's `Replayed` message attribute: redelivered by a replay of the FIFO topic's archive. */
  EVENTS_REPLAYED = 'EventsReplayed',
  /** Records reported as batch item failures: back to the queue, to be received again. */
  RECORDS_FAILED = 'RecordsFailed',
  /** Event log: BatchWriteItem calls made again, after unprocessed items or a retryable error. */
  BATCH_WRITE_RETRIES = 'BatchWriteRetries',
  /** Event log: items BatchWriteItem returned as `UnprocessedItems`, summed over the calls. */
  UNPROCESSED_ITEMS = 'UnprocessedItems',
}
