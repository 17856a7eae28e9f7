/**
 * The grants of the Events API integration test's assertions stack (test/integ.events-api.ts):
 * each call may make its API call on a real account. integ-tests derives a call's grant from
 * the API's name, which for API Gateway's management API is never an IAM action.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type Statement, assertionGrants } from './helpers/assertion-grants';
import { app, stack } from './integ.events-api';

const { assertions, statements, actions } = assertionGrants(app, stack);

test('the assertions stack is found', () => {
  expect(assertions.stackName).toMatch(/DeployAssert/);
});

test('every granted action is one of the IAM actions the calls need', () => {
  expect([...new Set(actions)].sort()).toEqual(['apigateway:GET', 'apigateway:POST', 'lambda:InvokeFunction', 'states:StartExecution']);
});

test('nothing is granted as integ-tests names it: apigateway:GetApiKey and apigateway:TestInvokeMethod are not IAM actions', () => {
  expect(actions.filter((a) => /^apigateway:[A-Z][a-z]+[A-Z]/.test(a))).toEqual([]);
});

test('reading the key is GET on that key, and the receipt is POST on GET /events/{id}, for each call and waiter', () => {
  const on = (action: string) => statements.filter((s) => JSON.stringify(s.Action) === JSON.stringify([action])).map((s) => JSON.stringify(s.Resource));
  const keyReads = on('apigateway:GET');
  expect(keyReads.length).toBeGreaterThanOrEqual(1);
  for (const r of keyReads) expect(r).toMatch(/:apigateway:.*::\/apikeys\/.*ExportsOutputRefPipelineApiKeyvendoracme/);
  const invokes = on('apigateway:POST');
  expect(invokes).toHaveLength(3); // the receipt's provider and its waiter's, and the stored event's provider
  for (const r of invokes) {
    expect(r).toMatch(/::\/restapis\/.*ExportsOutputRefPipelineApi.*\/resources\/.*ExportsOutputRefPipelineApieventsid.*\/methods\/GET/);
  }
});

test('the signed reader may invoke exactly GET /events/* on the API stage, and nothing else', () => {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Role')).find((id) => id.startsWith('IntegSignedReader')) }] },
  });
  const readerStatements = Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
  expect(readerStatements).toHaveLength(1);
  expect(readerStatements[0].Action).toBe('execute-api:Invoke');
  const api = stack.pipeline.api!;
  const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  expect(readerStatements[0].Resource).toEqual({
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':',
        { Ref: logicalId(api.api) }, '/', { Ref: logicalId(api.stage) }, '/GET/events/*'],
    ],
  });
});
