/**
 * The settings for throughput: the topic's FIFO throughput scope, the event
 * sources' provisioned pollers and their metrics, as they reach the template.
 * (What is refused is in validation.test.ts.)
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline, EventPipelineProps, EventSourceMetric, FanOutTopic } from '../lib';

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

/** The event source mapping of the pipeline's consumer `name` (EventLog or StateProjector). */
function mappingOf(template: Template, name: string): Record<string, unknown> {
  const mappings = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping'));
  const found = mappings.filter(([, m]) => String((m.Properties.FunctionName as { Ref: string }).Ref).includes(name));
  expect(found).toHaveLength(1);
  return found[0][1].Properties as Record<string, unknown>;
}

describe('provisioned pollers', () => {
  test('the bounds given reach the event source mapping', () => {
    // WHEN
    const template = pipelineTemplate({ eventLog: { provisionedPollers: { minimumPollers: 5, maximumPollers: 300 } } });

    // THEN
    expect(mappingOf(template, 'EventLog').ProvisionedPollerConfig).toEqual({ MinimumPollers: 5, MaximumPollers: 300 });
    expect(mappingOf(template, 'EventLog').ScalingConfig).toBeUndefined();
    expect(mappingOf(template, 'StateProjector').ProvisionedPollerConfig).toBeUndefined();
  });

  test('{} is provisioned mode with AWS’s defaults, written out: an empty configuration would turn it off', () => {
    const template = pipelineTemplate({ stateProjector: { provisionedPollers: {} } });
    expect(mappingOf(template, 'StateProjector').ProvisionedPollerConfig).toEqual({ MinimumPollers: 2, MaximumPollers: 200 });
  });

  test('a bound left out takes AWS’s default', () => {
    const template = pipelineTemplate({ eventLog: { provisionedPollers: { maximumPollers: 40 } }, stateProjector: { provisionedPollers: { minimumPollers: 10 } } });
    expect(mappingOf(template, 'EventLog').ProvisionedPollerConfig).toEqual({ MinimumPollers: 2, MaximumPollers: 40 });
    expect(mappingOf(template, 'StateProjector').ProvisionedPollerConfig).toEqual({ MinimumPollers: 10, MaximumPollers: 200 });
  });

  test('on the FIFO queue too', () => {
    const template = pipelineTemplate({ stateProjector: { provisionedPollers: { minimumPollers: 2, maximumPollers: 50 } } });
    expect(mappingOf(template, 'StateProjector')).toMatchObject({ ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 50 }, BatchSize: 10 });
  });

  test('without the prop, the default mode: no ProvisionedPollerConfig', () => {
    const template = pipelineTemplate();
    expect(mappingOf(template, 'EventLog').ProvisionedPollerConfig).toBeUndefined();
    expect(mappingOf(template, 'StateProjector').ProvisionedPollerConfig).toBeUndefined();
  });
});

describe('the event source mapping’s metrics', () => {
  test('are on by default, for both consumers: MetricsConfig EventCount', () => {
    const template = pipelineTemplate();
    for (const name of ['EventLog', 'StateProjector']) {
      expect(mappingOf(template, name).MetricsConfig).toEqual({ Metrics: ['EventCount'] });
    }
  });

  test('eventSourceMetrics: false turns them off for that consumer only', () => {
    const template = pipelineTemplate({ stateProjector: { eventSourceMetrics: false } });
    expect(mappingOf(template, 'StateProjector').MetricsConfig).toBeUndefined();
    expect(mappingOf(template, 'EventLog').MetricsConfig).toEqual({ Metrics: ['EventCount'] });
  });

  test('metricEventSource reads AWS/Lambda by the mapping’s UUID', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new EventPipeline(stack, 'Pipeline');

    // WHEN
    const metric = pipeline.eventLog.metricEventSource(EventSourceMetric.DELETED);

    // THEN the dimension is the Ref of the event log's mapping
    const [mappingId] = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::EventSourceMapping')).find(([, m]) =>
      String(m.Properties.FunctionName.Ref).includes('EventLog'),
    )!;
    expect(metric.namespace).toBe('AWS/Lambda');
    expect(metric.metricName).toBe('DeletedEventCount');
    expect(stack.resolve(metric.dimensions)).toEqual({ EventSourceMappingUUID: { Ref: mappingId } });
    expect(pipeline.eventLog.eventSourceMetrics).toBe(true);
  });
});
