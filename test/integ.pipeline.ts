// Integration test for a real account: deploys the sample stack, publishes
// one event to the topic and waits until both consumers have written it; then
// publishes a malformed event and, right behind it in the same message group,
// a valid one, and checks that the malformed one is in the state projector's
// dead-letter queue with its reason while the valid one was still projected
// (a poison message does not hold back or take down its FIFO group).
// Run it with `npm run integ` (see the README); CI only synthesizes it
// (`npm run integ:synth`).
import { AwsApiCall, ExpectedResult, type IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration } from 'aws-cdk-lib';
import { EventPipelineStack, Stage } from '../lib';

// Both stacks are deployed and destroyed together, so the assertions stack may
// hold strong references (exports) to the test stack.
// Exported for test/integ-grants.test.ts, which checks the grants of the assertions stack.
export const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
export const stack = new EventPipelineStack(app, 'EventPipelineInteg', {
  stage: Stage.SANDBOX, // everything is destroyed with the stack
  description: 'cdk-event-pipeline integration test: safe to delete',
});
const { pipeline } = stack;

/**
 * The topic and the queues are encrypted with the pipeline's key: lets an assertion call use it.
 * A call that waits for its assertion is made again and again by its waiter's own function,
 * which needs the key too.
 */
function useKey(call: IApiCall, ...actions: string[]): void {
  const statement = { Effect: 'Allow', Action: actions, Resource: [pipeline.encryptionKey.keyArn] };
  call.provider.addToRolePolicy(statement);
  if (call instanceof AwsApiCall) call.waiterProvider?.addToRolePolicy(statement);
}

/**
 * integ-tests grants each call the IAM action named after its API, which for SNS PublishBatch
 * is `sns:PublishBatch`: not an IAM action (`sns:Publish` authorizes PublishBatch), so it
 * grants nothing, and AWS's template linter flags it. This grants `action` on `resource`
 * instead, and drops the wrong grant. integ-tests has no public way to drop a grant: the
 * statements are kept in its provider function's `policies`, which is checked to be there.
 */
function replaceGrant(call: IApiCall, wrong: string, action: string, resource: string): void {
  const provider = call.provider as unknown as { handler?: { lambdaFunction?: { policies?: unknown } } };
  const policies = provider.handler?.lambdaFunction?.policies;
  if (!Array.isArray(policies)) throw new Error('integ-tests-alpha no longer keeps its provider grants in handler.lambdaFunction.policies');
  const isWrong = (s: { Action?: unknown }) => Array.isArray(s.Action) && s.Action.length === 1 && s.Action[0] === wrong;
  const before = policies.length;
  policies.splice(0, policies.length, ...policies.filter((s) => !isWrong(s)));
  if (policies.length === before) throw new Error(`integ-tests-alpha no longer grants ${wrong}: remove replaceGrant`);
  call.provider.addToRolePolicy({ Effect: 'Allow', Action: [action], Resource: [resource] });
}

const integ = new IntegTest(app, 'EventPipeline', {
  testCases: [stack],
  // No snapshot of an earlier deployment to update from: deploy the stack as it is.
  stackUpdateWorkflow: false,
});

// A fixed event, so that the synthesized template does not change between runs.
const event = {
  specversion: '1.0',
  id: 'integ-event-0001',
  source: 'integ/cdk-event-pipeline',
  type: 'parcel.in-transit',
  subject: 'parcel-integ-1',
  sequence: '1',
  time: '2026-01-01T00:00:00Z',
  data: { hub: 'LYS' },
};

// GIVEN the deployed pipeline, WHEN an event is published to its topic,
// as a publisher does: group = subject, deduplication id = event id
const publish = integ.assertions.awsApiCall('SNS', 'publish', {
  TopicArn: pipeline.topic.topicArn,
  Message: JSON.stringify(event),
  MessageGroupId: event.subject,
  MessageDeduplicationId: event.id,
  MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
});
// The topic is encrypted with the pipeline's key: the publisher needs to use it.
useKey(publish, 'kms:GenerateDataKey', 'kms:Decrypt');

const waitFor = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(10), backoffRate: 1 };

// THEN the event log writes the event to the events table, keyed by its id
const eventLogged = integ.assertions
  .awsApiCall('DynamoDB', 'getItem', {
    TableName: pipeline.eventsTable.tableName,
    Key: { id: { S: event.id } },
    ConsistentRead: true,
  })
  .expect(
    ExpectedResult.objectLike({
      Item: { id: { S: event.id }, subject: { S: event.subject }, sequence: { N: event.sequence } },
    }),
  )
  .waitForAssertions(waitFor);

// AND the state projector writes the subject's state to the state table
const stateProjected = integ.assertions
  .awsApiCall('DynamoDB', 'getItem', {
    TableName: pipeline.stateTable.tableName,
    Key: { subject: { S: event.subject } },
    ConsistentRead: true,
  })
  .expect(ExpectedResult.objectLike({ Item: { subject: { S: event.subject }, sequence: { N: event.sequence } } }))
  .waitForAssertions(waitFor);

// GIVEN a malformed event (a non-numeric sequence) and, behind it in the same
// message group, the subject's next valid event
const malformed = { ...event, id: 'integ-event-0002', sequence: 'second' };
const next = { ...event, id: 'integ-event-0003', sequence: '3' };
const publishPoison = integ.assertions.awsApiCall('SNS', 'publishBatch', {
  TopicArn: pipeline.topic.topicArn,
  PublishBatchRequestEntries: [malformed, next].map((e, i) => ({
    Id: String(i),
    Message: JSON.stringify(e),
    MessageGroupId: e.subject,
    MessageDeduplicationId: e.id,
    MessageAttributes: { type: { DataType: 'String', StringValue: e.type } },
  })),
});
replaceGrant(publishPoison, 'sns:PublishBatch', 'sns:Publish', pipeline.topic.topicArn);
useKey(publishPoison, 'kms:GenerateDataKey', 'kms:Decrypt');

// THEN the state projector sends the malformed one to its dead-letter queue
// on its first delivery, with the reason in its failure.reason attribute
const poisonDeadLettered = integ.assertions
  .awsApiCall('SQS', 'receiveMessage', {
    QueueUrl: pipeline.stateProjector.deadLetterQueue.queueUrl,
    MaxNumberOfMessages: 10,
    MessageAttributeNames: ['All'],
    VisibilityTimeout: 0,
  })
  .expect(
    ExpectedResult.objectLike({
      Messages: Match.arrayWith([
        Match.objectLike({
          Body: JSON.stringify(malformed),
          MessageAttributes: Match.objectLike({
            'failure.reason': Match.objectLike({ StringValue: Match.stringLikeRegexp('^sequence: ') }),
          }),
        }),
      ]),
    }),
  )
  .waitForAssertions(waitFor);
useKey(poisonDeadLettered, 'kms:Decrypt');

// AND the valid event behind it in the group is projected
const groupNotHeldBack = integ.assertions
  .awsApiCall('DynamoDB', 'getItem', {
    TableName: pipeline.stateTable.tableName,
    Key: { subject: { S: event.subject } },
    ConsistentRead: true,
  })
  .expect(ExpectedResult.objectLike({ Item: { eventId: { S: next.id }, sequence: { N: next.sequence } } }))
  .waitForAssertions(waitFor);

publish.next(eventLogged).next(stateProjected).next(publishPoison).next(poisonDeadLettered).next(groupNotHeldBack);
