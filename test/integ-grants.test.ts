/**
 * The grants of the integration test's assertions stack (test/integ.pipeline.ts): each call may
 * make its API call on a real account. integ-tests derives a call's grant from the API's name,
 * which is not always an IAM action.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { assertionGrants } from './helpers/assertion-grants';
import { app, stack } from './integ.pipeline';

const { assertions, template, roles, actions } = assertionGrants(app, stack);
/** The ARN of a resource of the test stack, as the assertions stack imports it. */
const imported = (exportName: RegExp) => ({ 'Fn::ImportValue': Match.stringLikeRegexp(exportName.source) });

test('the assertions stack is found', () => {
  expect(assertions.stackName).toMatch(/DeployAssert/);
});

test('PublishBatch is granted as sns:Publish on the topic, and sns:PublishBatch, not an IAM action, is not granted', () => {
  expect(actions).not.toContain('sns:PublishBatch');
  template.hasResourceProperties('AWS::IAM::Role', {
    Policies: [
      {
        PolicyDocument: {
          Statement: Match.arrayWith([{ Effect: 'Allow', Action: ['sns:Publish'], Resource: [imported(/^EventPipelineInteg:ExportsOutputRefPipelineTopic/)] }]),
        },
      },
    ],
  });
});

test('every granted action is one of the IAM actions the calls need', () => {
  expect([...new Set(actions)].sort()).toEqual([
    'dynamodb:GetItem',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    'lambda:InvokeFunction',
    'sns:Publish',
    'sqs:ReceiveMessage',
    'states:StartExecution',
  ]);
});

test('the function that waits for the dead-lettered message may decrypt it with the pipeline key', () => {
  // GIVEN the role of the waiters' function, the one that receives from the queue
  const receiving = roles.filter((r) =>
    (r.Properties.Policies ?? []).some((p) => p.PolicyDocument.Statement.some((s) => JSON.stringify(s.Action) === '["sqs:ReceiveMessage"]')),
  );
  expect(receiving).toHaveLength(2); // the call's own provider, and its waiter's

  // THEN each may decrypt with the pipeline's key
  for (const role of receiving) {
    expect(role.Properties.Policies![0].PolicyDocument.Statement).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [expect.objectContaining({ 'Fn::ImportValue': expect.stringMatching(/^EventPipelineInteg:ExportsOutputFnGetAttPipelineKey/) })],
    });
  }
});
