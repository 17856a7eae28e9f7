import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { ConsumerOptions, EventPipeline, EventPipelineProps, PipelinePropsError } from '../lib';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const seconds = (max: number) => fc.integer({ min: 0, max }).map((s) => Duration.seconds(s));
const wholeOrNot = (min: number, max: number) =>
  fc.oneof(fc.integer({ min, max }), fc.double({ min, max, noNaN: true }));

/** Mostly valid values, sometimes anything: both outcomes get exercised. */
const mostly = <T>(valid: fc.Arbitrary<T>, any: fc.Arbitrary<T>) =>
  maybe(fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: any, weight: 1 }));

const consumerOptions: fc.Arbitrary<ConsumerOptions> = fc.record(
  {
    batchSize: mostly(fc.integer({ min: 1, max: 10 }), wholeOrNot(-1, 12000)),
    maxBatchingWindow: maybe(fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: seconds(400), weight: 1 })),
    timeout: mostly(fc.integer({ min: 1, max: 60 }).map((s) => Duration.seconds(s)), seconds(1000)),
    visibilityTimeout: maybe(fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: seconds(50000), weight: 1 })),
    maxReceiveCount: mostly(fc.integer({ min: 1, max: 1000 }), wholeOrNot(-2, 1200)),
    maxConcurrency: mostly(fc.integer({ min: 2, max: 1000 }), fc.integer({ min: 0, max: 1200 })),
    memorySize: mostly(fc.integer({ min: 128, max: 10240 }), fc.integer({ min: 64, max: 11000 })),
    eventTypes: maybe(fc.array(fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}$/), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const pipelineProps: fc.Arbitrary<EventPipelineProps> = fc.record(
  {
    eventRetention: mostly(
      fc.integer({ min: 1, max: 3650 }).map((d) => Duration.days(d)),
      fc.oneof(fc.integer({ min: 0, max: 4000 }).map((d) => Duration.days(d)), fc.integer({ min: 1, max: 100 }).map((h) => Duration.hours(h))),
    ),
    eventLog: maybe(consumerOptions),
    stateProjector: maybe(consumerOptions),
  },
  { requiredKeys: [] },
);

/** What AWS would refuse at deploy time, checked on a synthesized template. */
function assertDeployable(template: Template): void {
  const json = template.toJSON();
  expect(JSON.stringify(json)).not.toMatch(/undefined|NaN|null/);
  const resources = json.Resources as Record<string, { Type: string; Properties: any }>;
  for (const esm of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')) {
    const queue = resources[esm.Properties.EventSourceArn['Fn::GetAtt'][0]].Properties;
    const fn = resources[esm.Properties.FunctionName.Ref].Properties;
    const window = esm.Properties.MaximumBatchingWindowInSeconds ?? 0;
    expect(esm.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    if (queue.FifoQueue) {
      expect(esm.Properties.BatchSize).toBeLessThanOrEqual(10);
      expect(window).toBe(0);
    } else if (esm.Properties.BatchSize > 10) {
      expect(window).toBeGreaterThanOrEqual(1);
    }
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout + window);
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(1);
    expect(queue.RedrivePolicy.maxReceiveCount).toBeLessThanOrEqual(1000);
    expect(Number.isInteger(esm.Properties.BatchSize)).toBe(true);
  }
}

test('random props give a deployable template or a PipelinePropsError, nothing else', () => {
  fc.assert(
    fc.property(pipelineProps, (props) => {
      const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Fuzz');
      let pipeline: EventPipeline;
      try {
        pipeline = new EventPipeline(stack, 'Pipeline', props);
      } catch (error) {
        // THEN a refusal is our validation error, naming each prop at fault
        expect(error).toBeInstanceOf(PipelinePropsError);
        for (const problem of (error as PipelinePropsError).problems) expect(problem).toMatch(/^[a-zA-Z, ]+:? /);
        return;
      }
      expect(pipeline).toBeDefined();
      assertDeployable(Template.fromStack(stack));
    }),
    { seed: 20261121, numRuns: 60 },
  );
});
