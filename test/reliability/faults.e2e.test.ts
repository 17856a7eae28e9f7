/**
 * Every fault of docs/reliability.md at CI size, on one local pipeline (the real handler bundles on
 * fauxqs and dynalite, DynamoDB through the fault proxy): each scenario must lose nothing, double
 * nothing and pass its own checks. `npm run reliability` runs the same scenarios larger.
 */
import { join } from 'node:path';
import { formatReport } from '../../reliability/format';
import { Harness } from '../../reliability/harness';
import type { PublishedMessage } from '../../reliability/ledger';
import { demoMessages } from '../../reliability/messages';
import { CI_SCALE, SCENARIOS, type Scenario, type ScenarioRow, rowFailures, scenarioSeed } from '../../reliability/scenarios';

const PROJECT_DIR = join(__dirname, '..', '..');
const SEED = 1;

jest.setTimeout(60_000);

let harness: Harness;

beforeAll(async () => {
  // GIVEN the sample app on the emulators, dynalite on disk so it can be restarted, time scale 0.01
  harness = await Harness.start({ projectDir: PROJECT_DIR, timeScale: 0.01, seed: SEED, dynamodbOnDisk: true, keepInvocations: true });
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

/**
 * Each scenario runs once on the shared pipeline, in whichever test needs it first, so that any
 * test passes alone (`-t`) or in any order (`--randomize`): its rows, and what it published.
 */
const runs = new Map<string, Promise<{ rows: ScenarioRow[]; published: PublishedMessage[] }>>();
function runOnce(scenario: Scenario): Promise<{ rows: ScenarioRow[]; published: PublishedMessage[] }> {
  let run = runs.get(scenario.id);
  if (!run) {
    run = (async () => {
      const from = harness.published.length;
      const rows = await scenario.run(harness, CI_SCALE, scenarioSeed(SEED, scenario.id));
      return { rows, published: harness.published.slice(from) };
    })();
    runs.set(scenario.id, run);
  }
  return run;
}

/** The negative control's events: kept apart from the scenarios', whose check must stay green. */
const control = demoMessages('negative-control', { events: 100, subjects: 10, seed: 99, duplicateRate: 0, malformedRate: 0 }).messages;

describe.each(SCENARIOS.map((s) => [s.id, s] as const))('%s', (_id, scenario) => {
  test('nothing lost, nothing doubled, every check passes', async () => {
    // WHEN the fault is injected while its events flow
    const { rows } = await runOnce(scenario);
    // THEN each of its rows balances
    for (const row of rows) {
      expect({ id: row.id, lost: row.report.counts.lost, doubled: row.report.counts.doubled }).toEqual({ id: row.id, lost: 0, doubled: 0 });
      expect(row.injected).toBeGreaterThan(0);
      expect(rowFailures(row)).toEqual([]);
    }
  });
});

test('over every scenario together, the tables and dead-letter queues hold exactly what was published', async () => {
  // GIVEN every scenario has run (those no test ran yet run now, one after the other)
  const rows: ScenarioRow[] = [];
  const published: PublishedMessage[] = [];
  for (const scenario of SCENARIOS) {
    const run = await runOnce(scenario);
    rows.push(...run.rows);
    published.push(...run.published);
  }
  expect(rows).toHaveLength(SCENARIOS.length + 1);
  // WHEN the check runs once over all they published
  const report = await harness.check(published);
  // THEN it balances
  if (!report.ok) throw new Error(formatReport(report));
  expect(report.counts.events).toBe(published.filter((m) => m.event).reduce((ids, m) => ids.add(m.event!.id), new Set<string>()).size);
}, 600_000);

test('the check notices writes DynamoDB acknowledged but never stored, event by event', async () => {
  // GIVEN a broken store: two BatchWriteItem calls answered with success, never forwarded
  const messages = control;
  const limit = harness.proxy.injected.get('swallow')! + 2;
  harness.proxy.setRules([{ kind: 'swallow', rate: 1, operations: ['BatchWriteItem'], limit }]);
  try {
    await harness.publish(messages);
    await harness.drain(30_000);
  } finally {
    harness.proxy.setRules([]);
  }
  // WHEN the check runs over this control's events
  const report = await harness.check(messages);
  // THEN it fails, naming exactly the swallowed events as lost from the events table
  expect(harness.proxy.swallowed.size).toBeGreaterThan(0);
  expect(report.ok).toBe(false);
  const lost = report.differences.filter((d) => d.kind === 'lost' && d.consumer === 'event-log').map((d) => d.eventId);
  expect(new Set(lost)).toEqual(harness.proxy.swallowed);
  expect(formatReport(report)).toContain(`lost ${report.counts.lost}, doubled 0`);
});
