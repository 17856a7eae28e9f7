import { positiveIntegerSetting, requiredSetting } from '../shared/config';
import { deadLetterTargetFromEnv } from '../shared/dead-letter';
import { createDocumentClient } from '../shared/dynamodb';
import { createLogger } from '../shared/logger';
import { createMetrics } from '../shared/metrics';
import { createEventLogHandler } from './handler';

/**
 * Lambda entry point for the standard queue.
 *
 * Environment: TABLE_NAME (events table), EVENT_RETENTION_DAYS (default 30),
 * DEAD_LETTER_QUEUE_URL (where malformed records go at once; without it they
 * reach the dead-letter queue by redrive), POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_LOG_LEVEL.
 */
export const handler = createEventLogHandler({
  client: createDocumentClient(),
  tableName: requiredSetting(process.env, 'TABLE_NAME'),
  retentionDays: positiveIntegerSetting(process.env, 'EVENT_RETENTION_DAYS', 30),
  logger: createLogger('event-log'),
  deadLetter: deadLetterTargetFromEnv(process.env),
  metrics: createMetrics(process.env, 'event-log'),
});
