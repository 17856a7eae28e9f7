import { requiredSetting } from '../shared/config';
import { createDocumentClient } from '../shared/dynamodb';
import { createLogger } from '../shared/logger';
import { createStateProjectorHandler } from './handler';

/**
 * Lambda entry point for the FIFO queue.
 *
 * Environment: TABLE_NAME (state table), POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_LOG_LEVEL.
 */
export const handler = createStateProjectorHandler({
  client: createDocumentClient(),
  tableName: requiredSetting(process.env, 'TABLE_NAME'),
  logger: createLogger('state-projector'),
});
