import { Annotations, Validations } from 'aws-cdk-lib';
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
  subscriptionDeadLetterQueue: [
    {
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself a dead-letter queue, of an SNS subscription; a further redrive would hide failed messages. It keeps them 14 days and an alarm fires while it is not empty.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is a dead-letter queue: the SNS subscription’s RedrivePolicy names it, which the rule does not look at (it knows only queue redrive policies). It keeps failed messages 14 days and an alarm fires while it is not empty.',
    },
  ],
  subscription: [
    {
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason:
        'Only on a consumer without a subscription dead-letter queue (opt-in: createSubscriptionDeadLetterQueue). SNS retries delivery to an SQS endpoint 100,015 times over 23 days; only a deleted queue or a broken queue/key policy makes it fail for good, this construct writes both policies and tests them, and the topic’s delivery-failures alarm fires if it happens.',
    },
  ],
} as const;

/**
 * cdk-nag findings that do not apply to the Events API, each with the reason.
 * Listed in docs/security.md.
 */
export const API_ACKNOWLEDGMENTS = {
  stage: [
    {
      id: 'AwsSolutions::AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account, one per account and region, shared by every API there), which a construct should not take over; every request is in the stage’s JSON access log, with its status, latency and error, and traced by X-Ray.',
    },
  ],
  noWebAcl: [
    {
      id: 'AwsSolutions::AwsSolutions-APIG3',
      reason:
        'WAF is opt-in (webAclArn): a web ACL costs $5 a month plus $1 per rule and per million requests; without it, every request is still authenticated (SigV4, API key or your authorizer), validated against the model and throttled per stage and per partner key.',
    },
  ],
  method: [
    {
      id: 'AwsSolutions::AwsSolutions-COG4',
      reason:
        'Callers are AWS principals signing with SigV4 (IAM) or partners with API keys; Cognito user pools are for end users, and a Cognito (or any) authorizer can be given with EventsApiAuthorization.AUTHORIZER.',
    },
  ],
  apiKeyMethod: [
    {
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'This side was set to EventsApiAuthorization.API_KEY: partners that cannot sign with SigV4 send an API key, which API Gateway checks and meters against the partner’s usage plan (rate, burst, quota); choose IAM or AUTHORIZER where a shared secret is not enough.',
    },
  ],
} as const;

/** Records the acknowledgments of `kind` on `scope`. */
export function acknowledge(scope: IConstruct, kind: keyof typeof CONSUMER_ACKNOWLEDGMENTS): void {
  acknowledgeEach(scope, CONSUMER_ACKNOWLEDGMENTS[kind]);
}

/** Records the Events API acknowledgments of `kind` on `scope`. */
export function acknowledgeApi(scope: IConstruct, kind: keyof typeof API_ACKNOWLEDGMENTS): void {
  acknowledgeEach(scope, API_ACKNOWLEDGMENTS[kind]);
}

/**
 * Records each rule with `Validations.acknowledge`. The aws-cdk-lib releases
 * at the start of the peer range (2.263.0 among them) refuse a rule id with
 * `::` inside its finding, as `AwsSolutions::AwsSolutions-IAM5[Resource::*]`
 * (InvalidValidationId); for such an id this records the acknowledgment as
 * those releases record one they accept: the metadata entry and the
 * acknowledged warning.
 */
function acknowledgeEach(scope: IConstruct, rules: ReadonlyArray<{ readonly id: string; readonly reason: string }>): void {
  for (const rule of rules) {
    try {
      Validations.of(scope).acknowledge(rule);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith(`Invalid validation rule ID '${rule.id}'`) && /\[.*::.*\]/.test(rule.id))) {
        throw error;
      }
      scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [rule.id]: rule.reason });
      Annotations.of(scope).acknowledgeWarning(rule.id);
    }
  }
}
