/**
 * The metrics Lambda publishes for a consumer's SQS event source mapping when
 * its `eventSourceMetrics` are on (the mapping's `MetricsConfig` with
 * `EventCount`): in `AWS/Lambda`, with the dimension `EventSourceMappingUUID`,
 * each a count of events (messages). Read one with
 * `QueueConsumer.metricEventSource`. `DroppedEventCount` and
 * `OnFailureDestinationDeliveredEventCount` are not here: they count records
 * of stream and Kafka sources (their retry limits and on-failure
 * destinations), which an SQS event source does not have.
 */
export enum EventSourceMetric {
  /** Messages Lambda read from the queue. */
  POLLED = 'PolledEventCount',
  /**
   * Messages the mapping's own filter criteria dropped. The consumers have
   * none (the subscription's filter policy filters at SNS), so it stays at 0.
   */
  FILTERED_OUT = 'FilteredOutEventCount',
  /** Messages that reached the function in an invocation. */
  INVOKED = 'InvokedEventCount',
  /**
   * Messages of invocations that failed or were throttled, or that the
   * function reported as batch item failures.
   */
  FAILED_INVOKE = 'FailedInvokeEventCount',
  /** Messages Lambda deleted from the queue once processed. */
  DELETED = 'DeletedEventCount',
}
