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
}

/**
 * Logs a failed record with the keys alarms and queries rely on:
 * `messageId`, `reason`, `errorName` and, when known, `eventId` and `messageGroupId`.
 */
export function logRecordFailure(logger: Logger, level: 'error' | 'warn', failure: RecordFailure): void {
  const { messageId, error, messageGroupId } = failure;
  const eventId = failure.eventId ?? (error instanceof MalformedEventError ? error.eventId : undefined);
  logger[level]('Record failed', {
    messageId,
    reason: error.message,
    errorName: error.name,
    ...(eventId === undefined ? {} : { eventId }),
    ...(messageGroupId === undefined ? {} : { messageGroupId }),
  });
}
