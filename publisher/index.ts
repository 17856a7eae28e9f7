/**
 * The pipeline's publisher, for application code: `import { EventPublisher } from 'cdk-event-pipeline/publisher'`.
 * It needs @aws-sdk/client-sns and valibot, not aws-cdk-lib.
 */
export * from './event-publisher';
export * from './errors';
export { type CloudEventInput, type FilledField, type PreparedEvent, messageSize, snsId } from './prepare';
export type { PipelineEvent } from '../lambda/shared/envelope';
