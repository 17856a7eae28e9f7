import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag findings that do not apply to a queue consumer, each with the reason.
 * Listed in docs/security.md.
 */
export const CONSUMER_ACKNOWLEDGMENTS = {
  runtime: [
    {
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Node.js 22 is a supported LTS runtime and the one the default handlers are bundled and tested for (esbuild target node22); pass `runtime` to choose another.',
    },
    {
      id: 'Serverless::Serverless-LambdaLatestVersion',
      reason:
        'Node.js 22 is a supported LTS runtime and the one the default handlers are bundled and tested for (esbuild target node22); pass `runtime` to choose another.',
    },
  ],
  function: [
    {
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'A Lambda DLQ only catches asynchronous invocations; SQS invokes this function synchronously, and failed messages go to the queue’s own dead-letter queue through its redrive policy.',
    },
    {
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'On-failure destinations exist for stream and Kafka sources, not SQS; for an SQS source the queue’s redrive policy to its dead-letter queue is the failure destination.',
    },
  ],
  role: [
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords use Resource *: X-Ray does not support resource-level permissions.',
    },
  ],
  deadLetterQueue: [
    {
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself a dead-letter queue; a further redrive would hide failed messages. It keeps them 14 days and an alarm fires while it is not empty.',
    },
  ],
  subscription: [
    {
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason:
        'SNS retries delivery to an SQS endpoint 100,015 times over 23 days; only a deleted queue or a broken queue/key policy makes it fail for good, and this construct writes both policies and tests them.',
    },
  ],
} as const;

/** Records the acknowledgments of `kind` on `scope`. */
export function acknowledge(scope: IConstruct, kind: keyof typeof CONSUMER_ACKNOWLEDGMENTS): void {
  Validations.of(scope).acknowledge(...CONSUMER_ACKNOWLEDGMENTS[kind]);
}
