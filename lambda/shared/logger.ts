import { Logger } from '@aws-lambda-powertools/logger';
import { MalformedEventError } from './errors';

/** A Powertools Logger named by POWERTOOLS_SERVICE_NAME, or by `defaultServiceName`. */
export function createLogger(defaultServiceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || defaultServiceName });
}

/** What is known about a record that failed. */
export interface RecordFailure {
  readonly messageId: string;
  readonly error: Error;
  readonly eventId?: string;
  readonly messageGroupId?: string;
  /** Why the record could not be sent to the dead-letter queue, if that was tried. */
  readonly deadLetterError?: Error;
}

/**
 * Logs a failed record with the keys alarms and queries rely on:
 * `messageId`, `reason`, `errorName` and, when known, `eventId` and `messageGroupId`
 * (and `deadLetterError` when sending it to the dead-letter queue failed).
 */
export function logRecordFailure(logger: Logger, level: 'error' | 'warn', failure: RecordFailure): void {
  logger[level]('Record failed', recordKeys(failure));
}

/**
 * Logs, at ERROR, a record the handler sent to the dead-letter queue itself:
 * the keys of logRecordFailure, and `deadLettered: true`.
 */
export function logDeadLettered(logger: Logger, failure: RecordFailure): void {
  logger.error('Record dead-lettered', { ...recordKeys(failure), deadLettered: true });
}

function recordKeys(failure: RecordFailure): Record<string, string> {
  const { messageId, error, messageGroupId, deadLetterError } = failure;
  const eventId = failure.eventId ?? (error instanceof MalformedEventError ? error.eventId : undefined);
  return {
    messageId,
    reason: error.message,
    errorName: error.name,
    ...(eventId === undefined ? {} : { eventId }),
    ...(messageGroupId === undefined ? {} : { messageGroupId }),
    ...(deadLetterError === undefined ? {} : { deadLetterError: deadLetterError.message }),
  };
}
