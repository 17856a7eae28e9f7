/**
 * The Events API path of the reliability scenarios, on a local pipeline of its own: a partner
 * publishes through the sample app's REST API, some 202 answers are lost after the API published,
 * and the client sends those requests again with the same ids. Every event must be stored once and
 * applied to its state once; a client that gives its retries new ids must be caught doubling.
 * Each test runs what it needs, so any of them passes alone or in any order.
 */
import { join } from 'node:path';
import { Harness } from '../../reliability/harness';
import { CI_SCALE, rowFailures, scenarioSeed } from '../../reliability/scenarios';
import { apiLostAnswer, runLostAnswers } from '../../reliability/scenarios/api';

const PROJECT_DIR = join(__dirname, '..', '..');
const SEED = 1;

jest.setTimeout(120_000);

let harness: Harness;

beforeAll(async () => {
  // GIVEN the sample app on the emulators, its REST API served locally behind a proxy that can lose answers
  harness = await Harness.start({ projectDir: PROJECT_DIR, timeScale: 0.01, seed: SEED });
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

const runs = new Map<string, ReturnType<typeof runLostAnswers>>();
/** Each run once, in whichever test needs it first. */
function once(id: string, options: { newIdOnRetry?: boolean; events: number; subjects: number }): ReturnType<typeof runLostAnswers> {
  let run = runs.get(id);
  if (!run) {
    run = runLostAnswers(harness, id, { ...options, seed: scenarioSeed(SEED, id) });
    runs.set(id, run);
  }
  return run;
}
const scenario = () => once(apiLostAnswer.id, { events: CI_SCALE.events, subjects: CI_SCALE.subjects });

test('after lost 202s and retries with the same ids, every event is stored once and applied to its state once', async () => {
  // WHEN the partner publishes through the API while answers are lost
  const { row } = await scenario();

  // THEN nothing is lost or doubled, every state is the fold, and every check of the row passes
  const c = row.report.counts;
  expect({ lost: c.lost, doubled: c.doubled, stored: c.stored, folded: c.folded }).toEqual({ lost: 0, doubled: 0, stored: CI_SCALE.events, folded: CI_SCALE.subjects });
  expect(rowFailures(row)).toEqual([]);
});

test('what the row reports as injected is the answers the proxy actually dropped, each a broken connection to the client', async () => {
  // WHEN
  const { row, client } = await scenario();

  // THEN the row's count is the proxy's record of dropped answers to this scenario's requests, and the client saw each
  const { proxy } = await harness.apiPath();
  const dropped = proxy.forwarded.filter((r) => r.dropped && r.body.includes(`"subject":"${apiLostAnswer.id}/`)).length;
  expect(row.injected).toBeGreaterThan(0);
  expect(row.injected).toBe(dropped);
  expect(client.resets).toBe(dropped);
});

test('a client that gives its retries new ids publishes the events twice, and the check says so', async () => {
  // WHEN a careless client retries each lost answer with new event ids
  const { row } = await once('api-retry-new-ids', { newIdOnRetry: true, events: 50, subjects: 10 });

  // THEN the events of the lost answers are stored twice, under two ids, and the row fails
  expect(row.injected).toBeGreaterThan(0);
  expect(row.report.ok).toBe(false);
  expect(row.report.counts.doubled).toBeGreaterThan(0);
  expect(row.report.counts.lost).toBe(0);
});
