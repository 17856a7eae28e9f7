/**
 * QueueConsumer used alone, with code of its own: what every consumer's function gets whatever it
 * runs. (The sample stack's consumers are covered by event-pipeline.test.ts.)
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DEAD_LETTER_QUEUE_URL_ENV } from '../lambda/shared/dead-letter';
import { QueueConsumer } from '../lib';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })');
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

function consumerStack(deadLetterQueue?: (stack: Stack) => sqs.IQueue): { stack: Stack; consumer: QueueConsumer; template: Template } {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
  const consumer = new QueueConsumer(stack, 'Consumer', {
    topic: new sns.Topic(stack, 'Topic', { fifo: true }),
    encryptionKey: new kms.Key(stack, 'Key'),
    code,
    fifo: true,
    deadLetterQueue: deadLetterQueue?.(stack),
    environment: { MODE: 'custom' },
  });
  return { stack, consumer, template: Template.fromStack(stack) };
}

test('the construct sets the variable the handlers read', () => {
  expect(QueueConsumer.DEAD_LETTER_QUEUE_URL_ENV).toBe(DEAD_LETTER_QUEUE_URL_ENV);
});

test('a function with code of its own is told the URL of its dead-letter queue, next to its own variables', () => {
  // GIVEN
  const { stack, consumer, template } = consumerStack();

  // THEN
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        MODE: 'custom',
        DEAD_LETTER_QUEUE_URL: { Ref: logicalId(stack, consumer.deadLetterQueue) },
      }),
    },
  });
});

test('a function may send to a dead-letter queue passed in, and encrypt for it with its key', () => {
  // GIVEN a FIFO dead-letter queue of the user's, with a key of its own
  let queue: sqs.Queue | undefined;
  const { stack, template } = consumerStack((s) => {
    queue = new sqs.Queue(s, 'MyDlq', { fifo: true, encryptionMasterKey: new kms.Key(s, 'DlqKey') });
    return queue;
  });

  // THEN
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(stack, queue!), 'Arn'] } },
        { Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(stack, queue!.encryptionMasterKey!), 'Arn'] } },
      ]),
    },
  });
});
