import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { ConsumerOptions, EventPipeline, EventPipelineProps, PipelinePropsError } from '../lib';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const seconds = (min: number, max: number) => fc.integer({ min, max }).map((s) => Duration.seconds(s));
const fraction = (min: number, max: number) => fc.double({ min, max, noNaN: true }).filter((x) => !Number.isInteger(x));

/** The visibility timeout the consumer needs, or undefined when its window cannot be known. */
const needed = (o: ConsumerOptions, fifo: boolean) =>
  6 * (o.timeout ?? Duration.seconds(30)).toSeconds() + (o.maxBatchingWindow ?? Duration.seconds(fifo ? 0 : 1)).toSeconds();

/** Valid options of one consumer: every prop in range, and the visibility timeout, if given, long enough. */
function validConsumer(fifo: boolean): fc.Arbitrary<ConsumerOptions> {
  const batch = fifo
    ? fc.record({ batchSize: maybe(fc.integer({ min: 1, max: 10 })) })
    : fc.oneof(
        fc.record({ batchSize: maybe(fc.integer({ min: 1, max: 10 })), maxBatchingWindow: maybe(seconds(0, 300)) }),
        fc.record({ batchSize: fc.integer({ min: 11, max: 10000 }), maxBatchingWindow: maybe(seconds(1, 300)) }),
      );
  const rest = fc.record(
    {
      timeout: seconds(1, 60),
      maxReceiveCount: fc.integer({ min: 1, max: 1000 }),
      memorySize: fc.integer({ min: 128, max: 10240 }),
      eventTypes: fc.array(fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}$/), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  // Scaling: the default, a maximum concurrency, or provisioned pollers (one or the other, not both).
  const scaling = fc.oneof(
    fc.constant({}),
    fc.record({ maxConcurrency: fc.integer({ min: 2, max: 1000 }) }),
    fc
      .tuple(maybe(fc.integer({ min: 2, max: 200 })), maybe(fc.integer({ min: 0, max: 1800 })))
      .map(([minimumPollers, above]) => ({
        provisionedPollers: { minimumPollers, maximumPollers: above === undefined ? undefined : (minimumPollers ?? 2) + above },
      })),
  );
  return fc.tuple(batch, rest, scaling, maybe(fc.integer({ min: 0, max: 1000 }))).map(([b, r, sc, extra]) => {
    const options: ConsumerOptions = { ...b, ...r, ...sc };
    return extra === undefined ? options : { ...options, visibilityTimeout: Duration.seconds(needed(options, fifo) + extra) };
  });
}

const validProps: fc.Arbitrary<EventPipelineProps> = fc.record(
  {
    eventRetention: fc.integer({ min: 1, max: 3650 }).map((d) => Duration.days(d)),
    eventLog: validConsumer(false),
    stateProjector: validConsumer(true),
  },
  { requiredKeys: [] },
);

type Target = 'eventLog' | 'stateProjector';
/** One prop made invalid: which, with its path (`eventLog.batchSize`), and the props with it. */
interface Mutation {
  readonly prop: string;
  readonly apply: (props: EventPipelineProps) => EventPipelineProps;
}

/** Sets one consumer prop; a change to the timeout or window drops a given visibility timeout, which would then be wrong too. */
const setConsumer = (target: Target, change: Partial<ConsumerOptions>) => (props: EventPipelineProps) => {
  const current = { ...props[target] };
  if ('timeout' in change || 'maxBatchingWindow' in change) delete (current as { visibilityTimeout?: Duration }).visibilityTimeout;
  return { ...props, [target]: { ...current, ...change } };
};

function consumerMutation(target: Target): fc.Arbitrary<Mutation> {
  const fifo = target === 'stateProjector';
  const mutate = <T>(prop: keyof ConsumerOptions, values: fc.Arbitrary<T>) =>
    values.map((value): Mutation => ({ prop: `${target}.${prop}`, apply: setConsumer(target, { [prop]: value }) }));
  return fc.oneof(
    mutate('batchSize', fc.oneof(fc.integer({ min: -5, max: 0 }), fifo ? fc.integer({ min: 11, max: 12000 }) : fc.integer({ min: 10001, max: 20000 }), fraction(1, 10))),
    mutate('timeout', fc.oneof(fc.constant(Duration.seconds(0)), seconds(901, 3000))),
    mutate('maxReceiveCount', fc.oneof(fc.integer({ min: -2, max: 0 }), fc.integer({ min: 1001, max: 5000 }), fraction(1, 20))),
    // A maximum concurrency out of range, in place of any provisioned pollers.
    fc.oneof(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1001, max: 5000 })).map((maxConcurrency): Mutation => ({
      prop: `${target}.maxConcurrency`,
      apply: (props) => {
        const { provisionedPollers: _dropped, ...current } = props[target] ?? {};
        return { ...props, [target]: { ...current, maxConcurrency } };
      },
    })),
    // Provisioned pollers out of range, in place of any maxConcurrency.
    ...(['minimumPollers', 'maximumPollers'] as const).map((bound) =>
      (bound === 'minimumPollers'
        ? fc.oneof(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 201, max: 500 }))
        : fc.oneof(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 2001, max: 5000 }))
      ).map((value): Mutation => ({
        prop: `${target}.provisionedPollers.${bound}`,
        apply: (props) => {
          const { maxConcurrency: _dropped, ...current } = props[target] ?? {};
          return { ...props, [target]: { ...current, provisionedPollers: { [bound]: value } } };
        },
      })),
    ),
    mutate('memorySize', fc.oneof(fc.integer({ min: 1, max: 127 }), fc.integer({ min: 10241, max: 20000 }), fraction(128, 1024))),
    mutate('maxBatchingWindow', fifo ? seconds(0, 300) : seconds(301, 1000)),
    mutate('eventTypes', fc.constant([])),
    // A visibility timeout shorter than 6 × timeout + window, or over 12 hours.
    fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.boolean()).map(([by, under]): Mutation => ({
      prop: `${target}.visibilityTimeout`,
      apply: (props) => {
        const options = props[target] ?? {};
        const value = under ? Math.max(0, needed(options, fifo) - by) : 43200 + by;
        return setConsumer(target, { visibilityTimeout: Duration.seconds(value) })(props);
      },
    })),
  );
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  consumerMutation('eventLog'),
  consumerMutation('stateProjector'),
  fc
    .oneof(fc.integer({ min: 1, max: 23 }).map((h) => Duration.hours(h)), fc.integer({ min: 3651, max: 10000 }).map((d) => Duration.days(d)))
    .map((eventRetention): Mutation => ({ prop: 'eventRetention', apply: (props) => ({ ...props, eventRetention }) })),
);

/** Half valid props, half valid props with exactly one prop made invalid. */
const cases = fc.oneof(
  validProps.map((props) => ({ props, invalid: undefined as string | undefined })),
  fc.tuple(validProps, mutation).map(([props, m]) => ({ props: m.apply(props), invalid: m.prop })),
);

/** What AWS would refuse at deploy time, checked on a synthesized template. */
function assertDeployable(template: Template): void {
  const json = template.toJSON();
  expect(JSON.stringify(json)).not.toMatch(/undefined|NaN|null/);
  const resources = json.Resources as Record<string, { Type: string; Properties: any }>;
  const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(2);
  for (const esm of mappings) {
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
    expect(queue.VisibilityTimeout).toBeLessThanOrEqual(43200);
    expect(fn.MemorySize).toBeGreaterThanOrEqual(128);
    expect(fn.MemorySize).toBeLessThanOrEqual(10240);
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(1);
    expect(queue.RedrivePolicy.maxReceiveCount).toBeLessThanOrEqual(1000);
    expect(Number.isInteger(esm.Properties.BatchSize)).toBe(true);
    const pollers = esm.Properties.ProvisionedPollerConfig;
    if (pollers) {
      // Provisioned mode excludes a maximum concurrency, and both bounds are written out (an empty configuration turns it off).
      expect(esm.Properties.ScalingConfig).toBeUndefined();
      expect(pollers.MinimumPollers).toBeGreaterThanOrEqual(2);
      expect(pollers.MinimumPollers).toBeLessThanOrEqual(200);
      expect(pollers.MaximumPollers).toBeGreaterThanOrEqual(pollers.MinimumPollers);
      expect(pollers.MaximumPollers).toBeLessThanOrEqual(2000);
    }
  }
}

test('valid props synthesize a deployable template; one invalid prop is refused with a PipelinePropsError naming it', () => {
  const outcomes = { synthesized: 0, refused: 0 };
  fc.assert(
    fc.property(cases, ({ props, invalid }) => {
      const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Fuzz');
      if (invalid === undefined) {
        // THEN valid props synthesize, and the template is deployable
        new EventPipeline(stack, 'Pipeline', props);
        assertDeployable(Template.fromStack(stack));
        outcomes.synthesized++;
        return;
      }
      // THEN the one invalid prop is refused, and every problem reported names it with its path
      let error: unknown;
      try {
        new EventPipeline(stack, 'Pipeline', props);
      } catch (e) {
        error = e;
      }
      if (!PipelinePropsError.isPipelinePropsError(error)) throw new Error(`expected a PipelinePropsError, got ${String(error)}`);
      expect(error.construct).toBe('EventPipeline (Fuzz/Pipeline)');
      const problems = error.problems;
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem.startsWith(`${invalid}:`) || problem.startsWith(`${invalid} must`)).toBe(true);
      outcomes.refused++;
    }),
    { seed: 20261121, numRuns: 120 },
  );
  // Both outcomes were exercised: a generator whose every input is refused, or accepted, fails here.
  expect(outcomes.synthesized).toBeGreaterThanOrEqual(30);
  expect(outcomes.refused).toBeGreaterThanOrEqual(30);
});
