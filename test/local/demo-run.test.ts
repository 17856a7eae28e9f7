import { oneEntryPerSubject } from '../../packages/tools/src/local/demo-run';
import { generateScenario } from '../../packages/tools/src/local/scenario';

test('slow arrival publishes rounds of at most one entry per subject, each subject in its own order', () => {
  // GIVEN a scenario with duplicates and out-of-order events
  const scenario = generateScenario({ events: 300, subjects: 7, seed: 3, malformedRate: 0 });

  // WHEN
  const rounds = oneEntryPerSubject(scenario.entries);

  // THEN no round holds a subject twice, nothing is lost, and each subject's entries keep their order
  for (const round of rounds) expect(new Set(round.map((e) => e.subject)).size).toBe(round.length);
  expect(rounds.flat()).toHaveLength(scenario.entries.length);
  const order = (entries: readonly { subject: string; id: string }[], subject: string) => entries.filter((e) => e.subject === subject).map((e) => e.id);
  for (const subject of new Set(scenario.entries.map((e) => e.subject))) expect(order(rounds.flat(), subject)).toEqual(order(scenario.entries, subject));
});
