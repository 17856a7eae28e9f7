import { costLines } from '../../bench/cost-lines';
import type { EndToEndFigures } from '../../bench/end-to-end';
import type { VariantFigures, VariantId } from '../../bench/handlers';
import { PRICES } from '../../bench/prices';

const variant = (id: VariantId, batchSize: number, writeUnitsPerEvent: number, meanInvocationMs: number): VariantFigures => ({
  id,
  label: id,
  batchSize,
  shape: id === 'stateProjectorByGroup' ? 'by-group' : 'publish-order',
  records: 1000,
  eventsPerSecond: 1000,
  sliceEventsPerSecond: [1000],
  requestsPerEvent: writeUnitsPerEvent,
  writeRequestsPerEvent: writeUnitsPerEvent,
  requestsByAction: {},
  writeUnitsPerEvent,
  invocationsPerEvent: 1 / batchSize,
  meanInvocationMs,
  failedRecords: 0,
  verified: true,
  verifyDetail: '',
});

const HANDLERS = [
  variant('eventLog', 100, 1, 20),
  variant('baselineEventLog', 10, 1, 15),
  variant('naiveEventLog', 1, 1, 2),
  variant('stateProjector', 10, 0.96, 9),
  variant('stateProjectorByGroup', 10, 0.1, 3),
  variant('baselineStateProjector', 10, 1, 15),
  variant('naiveStateProjector', 1, 1, 2),
];

/** A local run whose state projector wrote `stateUnits` write units for 1,000 events. */
const run = (arrival: EndToEndFigures['arrival'], stateUnits: number): EndToEndFigures =>
  ({
    arrival,
    events: 1000,
    queues: [
      { fifo: false, writeUnits: 1000 },
      { fifo: true, writeUnits: stateUnits },
    ],
  }) as unknown as EndToEndFigures;

describe('cost lines', () => {
  const lines = costLines(HANDLERS, [run('backlog', 120), run('backlog', 110), run('backlog', 130), run('slow', 1000)], 290);

  test('no line is below the floor', () => {
    for (const l of [...lines.defaults, lines.baseline, lines.naive]) expect(lines.floor.cost.total).toBeLessThanOrEqual(l.cost.total);
  });

  test('the floor counts the best state compaction measured, and the event items once each with their index', () => {
    expect(lines.floor.use.writeUnitsPerEvent).toBeCloseTo(2 + 0.1, 10);
  });

  test('runs from slow arrival to a backlog, with the local runs measured in between', () => {
    expect(lines.traffic.map((t) => [t.id, t.stateWriteUnitsPerEvent])).toEqual([
      ['slow-arrival', 1],
      ['publish-order', 0.96],
      ['backlog-e2e', 0.12],
      ['backlog-by-group', 0.1],
    ]);
    const totals = lines.defaults.map((d) => d.cost.total);
    expect([...totals].sort((a, b) => b - a)).toEqual(totals);
  });

  test('the baseline runs at batch size 10 and publishes with PublishBatch, like this pipeline', () => {
    expect(lines.baseline.use.publishRequestsPerEvent).toBe(0.1);
    expect(lines.baseline.use.queues.map((q) => q.receivesPerEvent)).toEqual([0.1, 0.1]);
    expect(lines.baseline.use.functions.map((f) => f.invocationsPerEvent)).toEqual([0.1, 0.1]);
    expect(lines.defaults[0].use.queues.map((q) => [q.receivesPerEvent, q.deletesPerEvent])).toEqual([[0.1, 0.1], [0.1, 0.1]]);
    expect(lines.naive.use.publishRequestsPerEvent).toBe(1);
  });

  test('the API lines are the defaults with only the publishing changed: REST requests, and SNS Publish for single events', () => {
    const { usd: rest } = PRICES.apiGatewayRestRequest;
    const { usd: publish } = PRICES.snsFifoPublish;
    lines.defaults.forEach((d, i) => {
      const single = lines.api.single[i];
      const batch = lines.api.batch[i];
      const { name: _s, ...singleUse } = single.use;
      const { name: _b, ...batchUse } = batch.use;
      const { name: _d, ...sdkUse } = d.use;
      expect(singleUse).toEqual({ ...sdkUse, apiRequestsPerEvent: 1, publishRequestsPerEvent: 1 });
      expect(batchUse).toEqual({ ...sdkUse, apiRequestsPerEvent: 0.1, publishRequestsPerEvent: 0.1 });
      // One REST request per event and nine more SNS publish requests per ten events; one REST request per ten events.
      expect(single.cost.total - d.cost.total).toBeCloseTo(rest + 0.9 * publish, 10);
      expect(batch.cost.total - d.cost.total).toBeCloseTo(rest / 10, 10);
      expect([single.cost.sqs, single.cost.lambda, single.cost.dynamodb]).toEqual([d.cost.sqs, d.cost.lambda, d.cost.dynamodb]);
    });
    expect(lines.api.single.map((l) => l.use.name)).toEqual(lines.traffic.map((t) => `defaults + API (single), ${t.label}`));
  });

  test('the floor is the floor of SDK publishing: no API term, and no line, the API lines included, below it', () => {
    expect(lines.floor.use.apiRequestsPerEvent).toBe(0);
    expect(lines.floor.cost.api).toBe(0);
    for (const l of [...lines.api.single, ...lines.api.batch]) expect(lines.floor.cost.total).toBeLessThanOrEqual(l.cost.total);
  });

  test('without a slow-arrival run, one state write per event is modelled and said so', () => {
    const modelled = costLines(HANDLERS, [], 290);
    expect(modelled.traffic[0]).toMatchObject({ id: 'slow-arrival', stateWriteUnitsPerEvent: 1 });
    expect(modelled.modelledInputs).toHaveLength(1);
    expect(modelled.traffic.map((t) => t.id)).not.toContain('backlog-e2e');
  });
});
