import * as fc from 'fast-check';
import { chunks, costFloor, costPerMillion, minimumUse, type PipelineUse } from '../../bench/cost-model';
import { PRICES } from '../../bench/prices';

/** An event of exactly 1 GB per million events, so payload charges read as the per-GB prices. */
const GB_PER_MILLION_BYTES = 1024 ** 3 / 1_000_000;

const use = (overrides: Partial<PipelineUse> = {}): PipelineUse => ({
  name: 'test',
  eventBytes: GB_PER_MILLION_BYTES,
  publishRequestsPerEvent: 0.1,
  deliveriesPerEvent: 2,
  queues: [
    { fifo: false, sendsPerEvent: 1, receivesPerEvent: 0.1, deletesPerEvent: 0.1 },
    { fifo: true, sendsPerEvent: 1, receivesPerEvent: 0.1, deletesPerEvent: 0.1 },
  ],
  functions: [
    { invocationsPerEvent: 0.01, msPerInvocation: 99.2, memoryMb: 1024, architecture: 'arm64' },
    { invocationsPerEvent: 1, msPerInvocation: 1, memoryMb: 128, architecture: 'x86_64' },
  ],
  writeUnitsPerEvent: 3,
  ...overrides,
});

describe('cost model', () => {
  test('bills each started 64 KB of a request as one request', () => {
    expect([chunks(1), chunks(65_536), chunks(65_537), chunks(256 * 1024)]).toEqual([1, 1, 2, 4]);
  });

  test('prices one million events by service', () => {
    // WHEN
    const cost = costPerMillion(use());

    // THEN SNS: 0.1 M PublishBatch, 1 GB published, 2 M deliveries carrying 2 GB
    expect(cost.sns).toBeCloseTo(0.1 * 0.3 + 0.017 + 2 * 0.01 + 2 * 0.001, 10);
    // SQS: 1.2 M requests per queue, at the standard and the FIFO price
    expect(cost.sqs).toBeCloseTo(1.2 * 0.4 + 1.2 * 0.5, 10);
    // Lambda: 99.2 ms bills as 100 ms; 10,000 × 0.1 s × 1 GB arm64, and 1 M × 1 ms × 0.125 GB x86_64
    expect(cost.lambda).toBeCloseTo(0.01 * 0.2 + 1000 * 0.0000133334 + 1 * 0.2 + 125 * 0.0000166667, 10);
    // DynamoDB: 3 M write request units
    expect(cost.dynamodb).toBeCloseTo(3 * 0.625, 10);
    expect(cost.api).toBe(0);
    expect(cost.total).toBeCloseTo(cost.sns + cost.sqs + cost.lambda + cost.dynamodb, 10);
  });

  test('counts the 64 KB chunks of large events in sends and batched receives', () => {
    // GIVEN 100 KB events: a send is 2 chunks, a receive of 10 events is 16
    const big = use({ eventBytes: 100 * 1024, queues: [{ fifo: false, sendsPerEvent: 1, receivesPerEvent: 0.1, deletesPerEvent: 0.1 }] });

    // THEN
    expect(costPerMillion(big).sqs).toBeCloseTo((1 * 2 + 0.1 * 16 + 0.1) * PRICES.sqsStandard.usd, 10);
  });

  test('publishing one event per request costs ten times the publish requests of batches of ten', () => {
    // GIVEN
    const batched = costPerMillion(use({ publishRequestsPerEvent: 0.1 }));
    const single = costPerMillion(use({ publishRequestsPerEvent: 1 }));

    // THEN only the request charge changes
    expect(single.sns - batched.sns).toBeCloseTo(0.9 * PRICES.snsFifoPublish.usd, 10);
  });

  test('bills API Gateway REST requests by the call, none for SDK publishing', () => {
    // GIVEN the same use published with the SDK, and over HTTPS one event per request
    const sdk = costPerMillion(use());
    const overApi = costPerMillion(use({ apiRequestsPerEvent: 1 }));

    // THEN 1 M REST requests, and nothing else changes
    expect(sdk.api).toBe(0);
    expect(overApi.api).toBeCloseTo(PRICES.apiGatewayRestRequest.usd, 10);
    expect(overApi.total - sdk.total).toBeCloseTo(PRICES.apiGatewayRestRequest.usd, 10);
  });

  test('cites a source and a reading date for every price, and marks those not read', () => {
    for (const price of Object.values(PRICES)) {
      expect(price.source).toMatch(/^https:\/\//);
      expect(price.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.usd).toBeGreaterThan(0);
    }
    expect(Object.values(PRICES).filter((p) => 'asKnown' in p && p.asKnown).length).toBeGreaterThan(0);
  });

  test('the floor takes each term at its lowest over the unavoidable use and every line', () => {
    // GIVEN two lines that are each cheapest in a different term
    const a = use({ name: 'a', publishRequestsPerEvent: 1, writeUnitsPerEvent: 2.1 });
    const b = use({ name: 'b', publishRequestsPerEvent: 0.1, writeUnitsPerEvent: 3 });

    // WHEN
    const floor = minimumUse('floor', [use({ name: 'unavoidable', writeUnitsPerEvent: 4 }), a, b]);

    // THEN
    expect(floor.publishRequestsPerEvent).toBe(0.1);
    expect(floor.writeUnitsPerEvent).toBe(2.1);
    expect(floor.functions[1]).toEqual({ invocationsPerEvent: 1, msPerInvocation: 1, memoryMb: 128, architecture: 'x86_64' });
  });

  test('no line costs less than the floor, whatever the lines, sizes and chunking', () => {
    const queue = (fifo: boolean) =>
      fc.record({ fifo: fc.constant(fifo), sendsPerEvent: fc.constant(1), receivesPerEvent: fc.double({ min: 0.01, max: 1, noNaN: true }), deletesPerEvent: fc.double({ min: 0.01, max: 1, noNaN: true }) });
    const fn = fc.record({
      invocationsPerEvent: fc.double({ min: 0.0001, max: 1, noNaN: true }),
      msPerInvocation: fc.double({ min: 0.1, max: 500, noNaN: true }),
      memoryMb: fc.constantFrom(128, 256, 1024),
      architecture: fc.constantFrom('arm64' as const, 'x86_64' as const),
    });
    const line = fc.record({
      name: fc.constant('line'),
      eventBytes: fc.integer({ min: 100, max: 256 * 1024 }),
      publishRequestsPerEvent: fc.double({ min: 0.1, max: 1, noNaN: true }),
      deliveriesPerEvent: fc.constant(2),
      queues: fc.tuple(queue(false), queue(true)),
      functions: fc.tuple(fn, fn),
      writeUnitsPerEvent: fc.double({ min: 2, max: 6, noNaN: true }),
      apiRequestsPerEvent: fc.constantFrom(0, 0.1, 1),
    });
    fc.assert(
      fc.property(line, fc.array(line, { minLength: 1, maxLength: 5 }), (unavoidable, lines) => {
        const floor = costFloor({ ...unavoidable, name: 'floor' }, lines).cost;
        for (const l of lines) {
          const c = costPerMillion(l);
          for (const k of ['sns', 'sqs', 'lambda', 'dynamodb', 'api', 'total'] as const) expect(floor[k]).toBeLessThanOrEqual(c[k] + 1e-12);
        }
      }),
    );
  });
});
