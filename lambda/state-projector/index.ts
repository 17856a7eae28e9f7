import { requiredSetting } from '../shared/config';
import { deadLetterTargetFromEnv } from '../shared/dead-letter';
import { createDocumentClient } from '../shared/dynamodb';
import { createLogger } from '../shared/logger';
import { createMetrics } from '../shared/metrics';
import { createStateProjectorHandler } from './handler';

/**
 * Lambda entry point for the FIFO queue.
 *
 * Environment: TABLE_NAME (state table), DEAD_LETTER_QUEUE_URL (where
 * malformed records go at once, so that they do not hold back their message
 * group; without it they reach the dead-letter queue by redrive),
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL, and for the metrics
 * POWERTOOLS_METRICS_NAMESPACE (default EventPipeline), PIPELINE_NAME and
 * CONSUMER_NAME (the Pipeline and Consumer dimensions).
 */
export const handler = createStateProjectorHandler({
  client: createDocumentClient(),
  tableName: requiredSetting(process.env, 'TABLE_NAME'),
  logger: createLogger('state-projector'),
  deadLetter: deadLetterTargetFromEnv(process.env),
  metrics: createMetrics(process.env, 'state-projector'),
});
