/**
 * The pipeline's publisher and its wire contract, for application code:
 * `import { EventPublisher } from 'cdk-event-pipeline-publisher'`.
 * It needs @aws-sdk/client-sns, @smithy/signature-v4 (SigV4 for the Events API) and valibot, not aws-cdk-lib.
 */
export * from './event-publisher';
export * from './errors';
export { BATCH_CONTENT_TYPE, type EventsApiOptions, SINGLE_CONTENT_TYPE } from './http-transport';
export { type CloudEventInput, type FilledField, type PreparedEvent, messageSize, snsId } from './prepare';
export { type AwsCredentials, type AwsCredentialsSource, type EventsApiSigV4Options, regionOfApiHost } from './sigv4';
export { networkCode } from './retry';
export { type PipelineEvent, parseEvent } from './envelope';
export { MalformedEventError } from './malformed-event-error';
export { FAILURE_ATTRIBUTES, FAILURE_ATTRIBUTE_PREFIX } from './failure-attributes';
