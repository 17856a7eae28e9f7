import type { ApiSummary, QueueSummary, RunSummary } from '../../packages/tools/src/local/summary';
import { formatSummary } from '../../packages/tools/src/local/summary-format';
import type { HandlerMetricsSummary } from '../../packages/tools/src/local/summary-metrics';

function api(overrides: Partial<ApiSummary> = {}): ApiSummary {
  return {
    api: 'PipelineApi',
    url: 'http://127.0.0.1:1/v1',
    apiKeyName: 'vendor-acme',
    subjects: 2,
    publishes: 4,
    failed: 0,
    requests: { single: 2, batch: 1, retried: 0, invalid: 2 },
    byStatus: { '202': 3, '400': 1, '415': 1 },
    latencyMs: { p50: 3, p99: 12 },
    invalid: [
      { request: 'an event without subject', expected: 400, status: 400 },
      { request: 'an event sent as text/plain', expected: 415, status: 415 },
    ],
    ...overrides,
  };
}

function queue(overrides: Partial<QueueSummary> = {}): QueueSummary {
  return {
    queue: 'events',
    function: 'fn-events',
    fifo: false,
    received: 10,
    processed: 10,
    deadLetteredByFunction: 0,
    failedAttempts: 0,
    invocations: 1,
    meanBatchSize: 10,
    remaining: 0,
    latencyMs: { p50: 5, p99: 9 },
    batchSize: 10,
    reportBatchItemFailures: true,
    functionTimeoutMs: 1_000,
    visibilityTimeoutMs: 6_033,
    batchingWindowMs: 33,
    timeFactor: 1 / 30,
    redeliveredInFlight: 0,
    staleDeletes: 0,
    ...overrides,
  };
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    stack: 'S',
    region: 'us-east-1',
    timeScale: 0.01,
    synthesized: false,
    skipped: [],
    notes: [],
    published: { events: 10, duplicates: 0, malformed: 0, outOfOrder: 0, publishes: 10, viaSns: 10, viaApi: 0, failed: 0, seconds: 0.1 },
    drained: true,
    seconds: 1,
    processedSeconds: 0.5,
    eventsPerSecond: 20,
    tables: [],
    queues: [queue()],
    latencyMs: { p50: 5, p99: 9 },
    states: [],
    orderingViolations: [],
    ...overrides,
  };
}

describe('formatSummary', () => {
  test('a drained run gives its throughput', () => {
    expect(formatSummary(summary()).join('\n')).toContain('every valid event processed by every function after 0.50 s: 20 events/s end to end');
  });

  test('a run whose queues did not drain says what is left, and claims no throughput', () => {
    // GIVEN a run stopped by the drain timeout with messages left
    const text = formatSummary(
      summary({ drained: false, queues: [queue({ remaining: 1519 }), queue({ queue: 'state.fifo', fifo: true, remaining: 2040 })] }),
    ).join('\n');
    // THEN
    expect(text).not.toMatch(/every valid event processed|events\/s/);
    expect(text).toContain('NOT every event was processed: 3559 messages left (events 1519, state.fifo 2040)');
    expect(text).toContain('queues NOT drained after 1.00 s');
  });

  test('a subject with no state item says so', () => {
    const text = formatSummary(summary({ states: [{ subject: 'parcel-1', sequence: undefined, type: undefined, eventId: undefined }] })).join('\n');
    expect(text).toContain('parcel-1                 no state yet');
    expect(text).not.toContain('undefined');
  });

  test('ordering violations are listed with the function, the group and the ids', () => {
    const text = formatSummary(
      summary({
        orderingViolations: [
          { function: 'fn-state', queue: 'state.fifo', group: 'g1', failed: [{ messageId: 'm1', eventId: 'e1' }], succeededAfter: [{ messageId: 'm2' }] },
        ],
      }),
    ).join('\n');
    expect(text).toContain('ORDERING VIOLATIONS: 1 FIFO responses reported a success after a failure in the same message group.');
    expect(text).toContain('  - fn-state, group g1: failed m1 (event e1); then reported processed m2');
  });

  test("each dead-letter reason says where it was read", () => {
    const deadLetterQueue = {
      name: 'dlq',
      messages: 2,
      listed: [
        { messageId: 'd1', reason: 'body: not valid JSON', reasonSource: 'message attribute' as const },
        { messageId: 'd2', reason: 'write failed', reasonSource: 'handler log' as const },
      ],
    };
    const text = formatSummary(summary({ queues: [queue({ deadLetterQueue })] })).join('\n');
    expect(text).toContain('- d1: body: not valid JSON [from the failure.reason message attribute]');
    expect(text).toContain("- d2: write failed [from the function's log (the message has no failure.reason attribute)]");
  });

  test('without the Events API, the publishes are not split by path and there is no API section', () => {
    const text = formatSummary(summary()).join('\n');
    expect(text).toContain('= 10 publishes in 0.10 s');
    expect(text).not.toMatch(/Events API|requests by status/);
  });

  test('the Events API part: publishes by path, requests by status, the invalid requests and the request times', () => {
    const published = { events: 10, duplicates: 0, malformed: 0, outOfOrder: 0, publishes: 10, viaSns: 6, viaApi: 4, failed: 0, seconds: 0.1 };
    const text = formatSummary(summary({ published, api: api() })).join('\n');
    expect(text).toContain('= 10 publishes (6 through SNS PublishBatch, 4 through the Events API) in 0.10 s');
    expect(text).toContain('Events API PipelineApi, stage http://127.0.0.1:1/v1, key vendor-acme as x-api-key:');
    expect(text).toContain('  2 subjects, every publish of each: 4 publishes accepted (202) in 1 batch requests and 2 single-event requests, 0 retried\n');
    expect(text).toContain('an event without subject -> 400, an event sent as text/plain -> 415, as expected');
    expect(text).toContain('  requests by status: 202 x 3, 400 x 1, 415 x 1\n');
    expect(text).toContain('  request time p50 3 ms, p99 12 ms (measured by the local API Gateway');
  });

  test('an invalid request the API accepted is called out', () => {
    const invalid = [{ request: 'an event sent as text/plain', expected: 415, status: 202 }];
    const text = formatSummary(summary({ api: api({ invalid, failed: 1 }) })).join('\n');
    expect(text).toContain('an event sent as text/plain -> 202 (expected 415); 1 NOT answered as expected');
    expect(text).toContain('0 retried, 1 FAILED');
  });

  test('the times in use are printed per queue, with their factor', () => {
    expect(formatSummary(summary()).join('\n')).toContain('visibility timeout 6033 ms, batching window 33 ms, function timeout 1000 ms (x0.0333)');
  });

  test("the handlers' metrics: totals per consumer, a sparkline of the events handled per second, and malformed documents", () => {
    // GIVEN two consumers' metrics over 4 seconds and one malformed document
    const metrics: HandlerMetricsSummary = {
      source: 'logs in .local/logs',
      documents: 7,
      firstSecond: 1_740_830_400,
      seconds: 4,
      consumers: [
        {
          namespace: 'EventPipeline',
          pipeline: 'Shop/Orders',
          consumer: 'EventLog',
          functions: ['fn-events'],
          invocations: 3,
          totals: { EventsStored: 30, DuplicatesSkipped: 2, EventsDeadLettered: 1, BatchWriteRetries: 0 },
          perSecond: {},
          eventsPerSecond: [0, 8, 25, 0],
        },
        {
          namespace: 'EventPipeline',
          pipeline: 'Shop/Orders',
          consumer: 'StateProjector',
          functions: ['fn-state'],
          invocations: 4,
          totals: { EventsStored: 5, EventsSuperseded: 27 },
          perSecond: {},
          eventsPerSecond: [0, 0, 12, 20],
        },
      ],
      other: [],
      malformed: { count: 1, listed: [{ source: 'EventLogFn', line: 12, reason: 'metric EventsStored must have a number' }] },
    };
    // WHEN
    const text = formatSummary(summary({ metrics })).join('\n');
    // THEN
    expect(text).toContain("Handler metrics (EMF documents in the functions' logs, read as CloudWatch reads them; logs in .local/logs):");
    expect(text).toContain('  EventLog (pipeline Shop/Orders, namespace EventPipeline): 3 invocations of fn-events\n    EventsStored 30, DuplicatesSkipped 2, EventsDeadLettered 1, BatchWriteRetries 0\n');
    // one scale for both, the highest second of either: 25
    expect(text).toContain('    EventLog        ▁▄█▁  peak 25/s at second 2\n');
    expect(text).toContain('    StateProjector  ▁▁▅▇  peak 20/s at second 3\n');
    expect(text).toContain('  1 MALFORMED metric documents, not counted (CloudWatch would reject them):\n    - EventLogFn line 12: metric EventsStored must have a number');
  });

  test('a run whose functions printed no metrics has no metrics section', () => {
    const empty: HandlerMetricsSummary = { source: 's', documents: 0, firstSecond: 0, seconds: 1, consumers: [], other: [], malformed: { count: 0, listed: [] } };
    expect(formatSummary(summary({ metrics: empty })).join('\n')).not.toContain('Handler metrics');
  });
});
