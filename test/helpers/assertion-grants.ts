/**
 * The IAM statements of an integration test's assertions stack: the one stack of the app that is
 * not the test case, where integ-tests puts the functions that make the calls.
 */
import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export interface Statement {
  Action: string | string[];
  Resource: unknown;
}

export interface AssertionRole {
  Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
}

export function assertionGrants(
  app: App,
  testCase: Stack,
): { assertions: Stack; template: Template; roles: AssertionRole[]; statements: Statement[]; actions: string[] } {
  const assertions = app.node.findAll().filter(Stack.isStack).find((s) => s !== testCase)!;
  const template = Template.fromStack(assertions);
  const roles = Object.values(template.findResources('AWS::IAM::Role')) as AssertionRole[];
  const statements = roles.flatMap((r) => (r.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement));
  const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  return { assertions, template, roles, statements, actions };
}
