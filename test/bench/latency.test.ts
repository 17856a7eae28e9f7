/**
 * The latency benchmark (bench/latency.ts) on a tiny plan: the fault proxy's delay reaches the
 * handlers' DynamoDB requests, and every run still stores every event once and folds each subject
 * in order.
 */
import { latencyTable, latencyThroughput, type LatencyFigures } from '../../bench/latency';

jest.setTimeout(120_000);

let figures: LatencyFigures[];
beforeAll(async () => {
  // GIVEN both handlers, at no added latency and at 40 ms a request, two counted runs of 200 events each
  figures = await latencyThroughput({ latenciesMs: [0, 40], runs: 2, eventsPerRun: 200, subjects: 20 });
});

const cell = (consumer: string, latencyMs: number) => figures.find((f) => f.consumer === consumer && f.latencyMs === latencyMs)!;

test('one figure per handler and latency, each verified', () => {
  expect(figures.map((f) => `${f.consumer} ${f.latencyMs}`)).toEqual(['event log 0', 'event log 40', 'state projector 0', 'state projector 40']);
  for (const f of figures) expect([f.verified, f.verifyDetail]).toEqual([true, expect.any(String)]);
});

test('the injected latency slows each invocation by at least half of it per round trip', () => {
  // Every request waits 20 to 60 ms; an invocation makes at least one round of requests.
  for (const consumer of ['event log', 'state projector']) {
    expect(cell(consumer, 40).msPerInvocation - cell(consumer, 0).msPerInvocation).toBeGreaterThan(20);
    expect(cell(consumer, 40).eventsPerSecond.median).toBeLessThan(cell(consumer, 0).eventsPerSecond.median);
  }
});

test('the table gives the median, min and max of each figure', () => {
  const table = latencyTable(figures);
  expect(table.split('\n')).toHaveLength(2 + figures.length);
  expect(table).toMatch(/\| state projector \(batch 10\) \| 40 ms \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+ \| [\d.]+ \|/);
});
