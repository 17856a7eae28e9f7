/**
 * The settings for throughput: the topic's FIFO throughput scope, the event
 * sources' provisioned pollers and their metrics, as they reach the template.
 * (What is refused is in validation.test.ts.)
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline, EventPipelineProps, FanOutTopic } from '../lib';

const newStack = () => new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');

function pipelineTemplate(props: EventPipelineProps = {}): Template {
  const stack = newStack();
  new EventPipeline(stack, 'Pipeline', props);
  return Template.fromStack(stack);
}

describe('the topic’s FIFO throughput scope', () => {
  test('FanOutTopic sets the scope it is given on its FIFO topic', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const fanOut = new FanOutTopic(stack, 'Events', { fifoThroughputScope: sns.FifoThroughputScope.MESSAGE_GROUP });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, FifoThroughputScope: 'MessageGroup' });
    expect(fanOut.fifoThroughputScope).toBe(sns.FifoThroughputScope.MESSAGE_GROUP);
  });

  test('an EventPipeline passes the scope to the topic it creates', () => {
    pipelineTemplate({ fifoThroughputScope: sns.FifoThroughputScope.MESSAGE_GROUP }).hasResourceProperties('AWS::SNS::Topic', {
      FifoTopic: true,
      FifoThroughputScope: 'MessageGroup',
    });
  });

  test('TOPIC is written as given', () => {
    pipelineTemplate({ fifoThroughputScope: sns.FifoThroughputScope.TOPIC }).hasResourceProperties('AWS::SNS::Topic', { FifoThroughputScope: 'Topic' });
  });

  test('without the prop the topic has no scope: SNS’s default, TOPIC', () => {
    pipelineTemplate().hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, FifoThroughputScope: Match.absent() });
  });
});
