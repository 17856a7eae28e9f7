import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { QueueConsumer } from '../lib';

// aws-cdk-lib 2.263.0, the floor of the peer range, refuses a rule id with '::'
// inside its finding; test/consumer/languages.test.ts runs the constructs on it.
// Here its refusal is played on the installed aws-cdk-lib.

const FINDING_ID = 'AwsSolutions::AwsSolutions-IAM5[Resource::*]';

function consumer(): QueueConsumer {
  const stack = new Stack(new App(), 'Test');
  const topic = new sns.Topic(stack, 'Topic', { fifo: true });
  const encryptionKey = new kms.Key(stack, 'Key');
  return new QueueConsumer(stack, 'Consumer', { topic, encryptionKey, code: lambda.Code.fromInline('exports.handler = async () => {}'), fifo: true });
}

const acknowledgedOn = (c: QueueConsumer) =>
  c.node
    .findAll()
    .flatMap((node) => node.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .map((entry) => Object.keys(entry.data as object)[0]);

afterEach(() => jest.restoreAllMocks());

test('a finding id that an older aws-cdk-lib refuses is still recorded as acknowledged, as it records those it accepts', () => {
  // GIVEN Validations.acknowledge refusing ids with '::' inside the finding, as 2.263.0 does
  const acknowledge = Validations.prototype.acknowledge;
  jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
    for (const rule of rules) {
      if (rule.id.split('::').length > 2) {
        throw new Error(`Invalid validation rule ID '${rule.id}'. The '::' delimiter is reserved for separating the prefix from the rule name (e.g. 'prefix::RuleName').`);
      }
    }
    acknowledge.apply(this, rules);
  });

  // WHEN
  const c = consumer();

  // THEN every acknowledgment is recorded, the refused one too
  expect(acknowledgedOn(c)).toContain(FINDING_ID);
  expect(acknowledgedOn(c)).toContain('Serverless::Serverless-LambdaDLQ');
});

test('on the installed aws-cdk-lib, Validations.acknowledge records it itself', () => {
  const spy = jest.spyOn(Validations.prototype, 'acknowledge');
  const c = consumer();
  expect(spy.mock.calls.map(([rule]) => rule.id)).toContain(FINDING_ID);
  expect(acknowledgedOn(c)).toContain(FINDING_ID);
});

test('any other refusal is not swallowed: an id without a finding, or another error', () => {
  jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation((...rules) => {
    throw new Error(`Invalid validation rule ID '${rules[0].id}'.`);
  });
  expect(() => consumer()).toThrow(/Invalid validation rule ID 'Serverless::Serverless-SQSRedrivePolicy'/);
  jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {
    throw new Error('something else');
  });
  expect(() => consumer()).toThrow(/something else/);
});
