/**
 * What test/event-pipeline.test.ts ('least privilege', 'encryption') and test/nag.test.ts do not
 * already pin down: every statement of each function's policy, wildcard actions in every policy
 * document (not only IAM policies), custom publisher principals, and who may send to the queues.
 * Non-TLS denial is tested in event-pipeline.test.ts ('the topic and every queue deny non-TLS access').
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EventPipeline, EventTable } from '../../lib';
import { synthStack } from '../helpers/stack';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

// GIVEN the sample stack with default props
let resources: Resources;
beforeAll(() => {
  resources = synthStack().template.toJSON().Resources as Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement) => [s.Action].flat();
const ref = (value: unknown): string | undefined =>
  (value as { Ref?: string })?.Ref ?? (value as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0];

/** Every policy document in the template, named by its resource. */
function policyDocuments(): [string, Statement[]][] {
  return Object.entries(resources).flatMap(([id, r]) => {
    const document = r.Properties?.PolicyDocument ?? r.Properties?.KeyPolicy;
    return document ? [[id, document.Statement as Statement[]] as [string, Statement[]]] : [];
  });
}

test('no Allow statement in any policy grants a wildcard action, but the key policy delegating to the account', () => {
  const account = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] };
  const wildcards = policyDocuments().flatMap(([id, statements]) =>
    statements
      .filter((s) => s.Effect === 'Allow' && actions(s).some((a) => a.includes('*')))
      .map((s) => ({ id, type: resources[id].Type, principal: s.Principal, actions: actions(s) })),
  );
  // The one exception is KMS's default statement: it lets IAM policies of the account grant use of the key.
  expect(wildcards).toEqual([{ id: expect.stringMatching(/^PipelineKey/), type: 'AWS::KMS::Key', principal: { AWS: account }, actions: ['kms:*'] }]);
});

describe.each([
  ['event log', 'PipelineEventLogFunction'],
  ['state projector', 'PipelineStateProjectorFunction'],
])('the %s function', (_name, prefix) => {
  test("its policy names only its own queue and dead-letter queue, its own table, the pipeline key and its own log group; only X-Ray uses Resource '*'", () => {
    // GIVEN the function, its event source and what it was configured with
    const [fnId, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))!;
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, m]) => ref(m.Properties.FunctionName) === fnId)!;
    const roleId = ref(fn.Properties.Role)!;
    const own = new Set([
      ref(mapping.Properties.EventSourceArn), // its queue
      ref(fn.Properties.Environment.Variables.DEAD_LETTER_QUEUE_URL), // its dead-letter queue
      ref(fn.Properties.Environment.Variables.TABLE_NAME), // its table
      ofType('AWS::KMS::Key')[0][0], // the pipeline key
      ref(fn.Properties.LoggingConfig.LogGroup), // its log group
    ]);
    expect(own.size).toBe(5);
    // WHEN every statement of every policy attached to its role is read
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: unknown) => ref(r) === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements.length).toBeGreaterThan(0);
    // THEN each resource is one of its own, or '*' for the X-Ray actions alone
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const resource of [s.Resource].flat()) {
        if (resource === '*') expect(actions(s).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        else expect(own).toContain(ref(resource));
      }
    }
    // ... and it reaches each of them
    expect(new Set(statements.flatMap((s) => [s.Resource].flat().map(ref)).filter(Boolean))).toEqual(own);
  });
});

test('the queues accept messages only from the pipeline topic, and the dead-letter queues from nobody', () => {
  const topicId = ofType('AWS::SNS::Topic')[0][0];
  for (const [id, policy] of ofType('AWS::SQS::QueuePolicy')) {
    const allows = (policy.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Effect === 'Allow');
    if (/DeadLetter/.test(id)) {
      expect(allows).toEqual([]);
    } else {
      expect(allows).toEqual([
        expect.objectContaining({
          Action: 'sqs:SendMessage',
          Principal: { Service: 'sns.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topicId } } },
        }),
      ]);
    }
  }
});

test('the topic allows publishing only from publisherPrincipals, which replace the account default', () => {
  // GIVEN a pipeline with two publisher roles of another account
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Publishers', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const publishers = ['arn:aws:iam::210987654321:role/orders', 'arn:aws:iam::210987654321:role/billing'];
  new EventPipeline(stack, 'Pipeline', { publisherPrincipals: publishers.map((arn) => new iam.ArnPrincipal(arn)) });
  // WHEN the topic policy is read
  const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy'));
  const allows = (policy.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Effect === 'Allow');
  // THEN the only Allow names exactly those principals, and not the stack's account
  expect(allows).toHaveLength(1);
  expect(actions(allows[0])).toEqual(['sns:Publish']);
  expect([(allows[0].Principal as { AWS: string | string[] }).AWS].flat().sort()).toEqual([...publishers].sort());
  expect(JSON.stringify(policy)).not.toContain('123456789012:root');
});

describe('tables encrypted with their own keys', () => {
  // GIVEN a pipeline whose tables each have a customer-managed key of their own
  let tableResources: Resources;
  beforeAll(() => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'OwnKeys', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const table = (id: string, key: string) =>
      new EventTable(stack, id, { partitionKey: { name: key, type: dynamodb.AttributeType.STRING }, encryptionKey: new kms.Key(stack, `${id}Key`) }).table;
    new EventPipeline(stack, 'Pipeline', { eventsTable: table('Events', 'id'), stateTable: table('State', 'subject') });
    tableResources = Template.fromStack(stack).toJSON().Resources as Resources;
  });
  const iamStatements = () =>
    Object.values(tableResources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);

  test('no IAM policy statement in the stack has an action with a wildcard', () => {
    const statements = iamStatements();
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.flatMap(actions).filter((a) => a.includes('*'))).toEqual([]);
  });

  test("each function may use its table's key with exactly the actions DynamoDB calls for it", () => {
    const keyIds = Object.entries(tableResources).filter(([id, r]) => r.Type === 'AWS::KMS::Key' && /^(Events|State)Key/.test(id)).map(([id]) => id);
    expect(keyIds).toHaveLength(2);
    for (const keyId of keyIds) {
      const onKey = iamStatements().filter((s) => [s.Resource].flat().some((r) => ref(r) === keyId));
      expect(onKey.map((s) => actions(s))).toEqual([['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']]);
    }
  });
});
