/**
 * Resource types that do not change what the pipeline does on the emulators. Each is listed in
 * the run's output with its reason, never dropped silently.
 */
const SKIPPED_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['AWS::IAM::', 'IAM is not enforced by the emulators'],
  ['AWS::KMS::', 'the emulators keep data in memory, unencrypted'],
  ['AWS::CloudWatch::', 'no CloudWatch locally; the summary reports queue depths instead'],
  ['AWS::Logs::', 'function logs go to .local/logs instead'],
];

const SKIPPED_TYPES: Readonly<Record<string, string>> = {
  'AWS::CDK::Metadata': 'CDK metadata',
  'AWS::SQS::QueuePolicy': 'resource policies are not enforced by the emulators',
  'AWS::SQS::QueueInlinePolicy': 'resource policies are not enforced by the emulators',
  'AWS::SNS::TopicPolicy': 'resource policies are not enforced by the emulators',
  'AWS::SNS::TopicInlinePolicy': 'resource policies are not enforced by the emulators',
  'AWS::Lambda::Permission': 'resource policies are not enforced by the emulators',
  'AWS::Lambda::Version': 'functions run as $LATEST',
  'AWS::Lambda::Alias': 'functions run as $LATEST',
  'AWS::Lambda::EventInvokeConfig': 'asynchronous invocation settings do not apply to SQS event sources',
  'AWS::Lambda::LayerVersion': 'layers are not loaded; bundles carry their own code',
  'AWS::SSM::Parameter': 'no Parameter Store locally; functions that read it at run time will fail',
  'AWS::CloudFormation::WaitConditionHandle': 'CloudFormation bookkeeping',
  'AWS::ApiGateway::Account': "API Gateway's CloudWatch logging role: no access logs locally",
  'AWS::ApiGateway::DocumentationPart': 'API documentation is not served',
  'AWS::ApiGateway::DocumentationVersion': 'API documentation is not served',
  'Custom::LogRetention': 'log retention does not apply to local logs',
};

/** The reason a resource type is skipped locally, or undefined if it must be created or rejected. */
export function skipReason(type: string): string | undefined {
  if (SKIPPED_TYPES[type]) return SKIPPED_TYPES[type];
  return SKIPPED_PREFIXES.find(([prefix]) => type.startsWith(prefix))?.[1];
}
