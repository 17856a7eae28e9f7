/**
 * The pipeline's publisher, for application code: `import { EventPublisher } from 'cdk-event-pipeline/publisher'`.
 * It needs @aws-sdk/client-sns, @smithy/signature-v4 (SigV4 for the Events API) and valibot, not aws-cdk-lib.
 */
export * from './event-publisher';
export * from './errors';
export { BATCH_CONTENT_TYPE, type EventsApiOptions, SINGLE_CONTENT_TYPE } from './http-transport';
export { type CloudEventInput, type FilledField, type PreparedEvent, messageSize, snsId } from './prepare';
export type { AwsCredentials, AwsCredentialsSource, EventsApiSigV4Options } from './sigv4';
export type { PipelineEvent } from '../lambda/shared/envelope';
