// Integration test for a real account: the Events API of the sample stack.
// A partner POSTs an event over HTTPS with its API key (how the sample stack
// authorizes publishing); the test then waits for the delivery receipt,
// GET /events/{id} answering 200 with the event, which the event log stored.
//
// The POST uses the API key because that is how the sample stack authorizes
// publishing. The reads are IAM-authorized (SigV4): integ-tests' httpApiCall
// sends an unsigned fetch, and awsApiCall only calls AWS SDK clients, none of
// which is execute-api, so a function of the test (test/integ-functions/
// signed-get.ts, bundled at synth by esbuild) signs a GET with its own role and
// the publisher's signer, and an unsigned GET must be refused with 403. The
// stored event is also read through API Gateway's TestInvokeMethod, which runs
// the method's integration (the integration role, the mapping templates,
// DynamoDB) without its IAM authorization.
//
// Run it with `npm run integ` (see the README); CI only synthesizes it
// (`npm run integ:synth`).
import { join } from 'node:path';
import { AwsApiCall, ExpectedResult, type IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { EventPipelineStack, Stage } from '../lib';

/** The sample stack's partner (lib/event-pipeline-stack.ts). */
const SAMPLE_PARTNER = 'vendor-acme';

// Exported for test/integ-events-api-grants.test.ts, which checks the grants of the assertions stack.
export const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
export const stack = new EventPipelineStack(app, 'EventsApiInteg', {
  stage: Stage.SANDBOX, // everything is destroyed with the stack
  description: 'cdk-event-pipeline Events API integration test: safe to delete',
});
const api = stack.pipeline.api!;
const region = Stack.of(stack).region;

/**
 * integ-tests grants each call the IAM action named after its API (`apigateway:GetApiKey`,
 * `apigateway:TestInvokeMethod`, `lambda:Invoke`), which are not IAM actions: API Gateway's
 * management API's actions are the HTTP methods of its resources, and Lambda's is InvokeFunction. This grants `action` on `resource` instead, and drops
 * the wrong grant (as test/integ.pipeline.ts does for sns:PublishBatch), from the call's provider
 * and from its waiter's, which makes the call again and again.
 */
function replaceGrant(call: IApiCall, wrong: string, action: string, resource: string): void {
  const providers = [call.provider, ...(call instanceof AwsApiCall && call.waiterProvider ? [call.waiterProvider] : [])];
  for (const provider of providers) {
    const policies = (provider as unknown as { handler?: { lambdaFunction?: { policies?: unknown } } }).handler?.lambdaFunction?.policies;
    if (!Array.isArray(policies)) throw new Error('integ-tests-alpha no longer keeps its provider grants in handler.lambdaFunction.policies');
    const isWrong = (s: { Action?: unknown }) => Array.isArray(s.Action) && s.Action.length === 1 && s.Action[0] === wrong;
    const before = policies.length;
    policies.splice(0, policies.length, ...policies.filter((s) => !isWrong(s)));
    if (policies.length === before) throw new Error(`integ-tests-alpha no longer grants ${wrong}: remove replaceGrant`);
    provider.addToRolePolicy({ Effect: 'Allow', Action: [action], Resource: [resource] });
  }
}

const integ = new IntegTest(app, 'EventsApi', {
  testCases: [stack],
  // No snapshot of an earlier deployment to update from: deploy the stack as it is.
  stackUpdateWorkflow: false,
});

// A fixed event, so that the synthesized template does not change between runs.
export const event = {
  specversion: '1.0',
  id: 'integ-api-event-0001',
  source: 'integ/cdk-event-pipeline',
  type: 'parcel.picked-up',
  subject: 'parcel-integ-api-1',
  sequence: 1,
  time: '2026-01-01T00:00:00Z',
  data: { hub: 'LYS', note: 'Besançon ✓' },
};

const waitFor = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(10), backoffRate: 1 };

// GIVEN the sample partner's API key, read with its value
const key = api.apiKeys[SAMPLE_PARTNER];
const getKey = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: key.keyId, includeValue: true });
replaceGrant(getKey, 'apigateway:GetApiKey', 'apigateway:GET', `arn:${Stack.of(stack).partition}:apigateway:${region}::/apikeys/${key.keyId}`);

// WHEN the partner POSTs the event with it; a new key can take a moment to be
// usable, so the POST is made again until it is answered 202: a retry with the
// same id is safe (the topic deduplicates it)
const post = integ.assertions
  .httpApiCall(`${api.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': getKey.getAttString('value') },
    body: JSON.stringify(event),
  })
  .expect(ExpectedResult.objectLike({ status: 202, body: { messageId: Match.stringLikeRegexp('^[0-9a-f-]{36}$') } }))
  .waitForAssertions(waitFor);

// THEN the receipt: GET /events/{id} answers 200 with the event, as it was published.
// TestInvokeMethod's answer holds the execution log, too long for a custom
// resource's response: only the body is kept (flattened), and checked by path.
const eventResource = api.api.root.getResource('events')!.getResource('{id}')!;
const methodArn = `arn:${Stack.of(stack).partition}:apigateway:${region}::/restapis/${api.api.restApiId}/resources/${eventResource.resourceId}/methods/GET`;
const getEvent = (path: string) =>
  integ.assertions.awsApiCall(
    'APIGateway',
    'testInvokeMethod',
    { restApiId: api.api.restApiId, resourceId: eventResource.resourceId, httpMethod: 'GET', pathWithQueryString: `/events/${event.id}` },
    [path],
  );
const receipt = getEvent('body.id').assertAtPath('body.id', ExpectedResult.exact(event.id)).waitForAssertions(waitFor);
replaceGrant(receipt, 'apigateway:TestInvokeMethod', 'apigateway:POST', methodArn);

// AND the stored event is the one sent, non-ASCII data included
const stored = getEvent('body.data.note').assertAtPath('body.data.note', ExpectedResult.exact(event.data.note));
replaceGrant(stored, 'apigateway:TestInvokeMethod', 'apigateway:POST', methodArn);

// AND the receipt as an IAM-authorized reader gets it: a SigV4-signed GET answers 200 with the event
const reader = new NodejsFunction(stack, 'IntegSignedReader', {
  entry: join(__dirname, 'integ-functions', 'signed-get.ts'),
  runtime: lambda.Runtime.NODEJS_22_X,
  architecture: lambda.Architecture.ARM_64,
  timeout: Duration.seconds(30),
  bundling: { minify: true, externalModules: ['@aws-sdk/*'] },
});
reader.addToRolePolicy(
  new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [api.api.arnForExecuteApi('GET', '/events/*', api.stage.stageName)] }),
);
const signedRead = integ.assertions
  .invokeFunction({ functionName: reader.functionName, payload: JSON.stringify({ url: `${api.url}/events/${event.id}` }) })
  .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson({ status: 200, id: event.id, note: event.data.note }) }));
// integ-tests grants lambda:Invoke (named after the SDK call), which is not an IAM action, next to lambda:InvokeFunction.
replaceGrant(signedRead, 'lambda:Invoke', 'lambda:InvokeFunction', reader.functionArn);

// AND an unsigned read is refused
const unsignedRead = integ.assertions
  .httpApiCall(`${api.url}/events/${event.id}`, { method: 'GET' })
  .expect(ExpectedResult.objectLike({ status: 403 }));

// The POST takes the key's value by GetAtt, which already orders it after getKey: chaining
// getKey.next(post) would add a DependsOn that CloudFormation does not need (cfn-lint W3005).
post.next(receipt).next(stored).next(signedRead).next(unsignedRead);
