/**
 * The latency benchmark (bench/latency.ts) on a tiny plan: every run, with and without the fault
 * proxy's delay, still stores every event once and folds each subject in order.
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

test('each invocation writes through the fault proxy: the event log in batches, the state projector once per subject', () => {
  // How much the delay slows them is the bench's figure (npm run bench:latency), not a test's: no timing is asserted here.
  for (const latencyMs of [0, 40]) {
    expect(cell('event log', latencyMs).writeRequestsPerInvocation).toBeGreaterThan(0);
    expect(cell('state projector', latencyMs).writeRequestsPerInvocation).toBeGreaterThan(0);
  }
});

test('the table gives the median, min and max of each figure', () => {
  const table = latencyTable(figures);
  expect(table.split('\n')).toHaveLength(2 + figures.length);
  expect(table).toMatch(/\| state projector \(batch 10\) \| 40 ms \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+ \| [\d.]+ \|/);
});
