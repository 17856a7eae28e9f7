import { apiSubjects } from '../../packages/tools/src/local/api-publisher';
import { generateScenario } from '../../packages/tools/src/local/scenario';

describe('apiSubjects', () => {
  const scenario = generateScenario({ events: 1000, subjects: 50, seed: 1 });
  const malformed = new Set(scenario.entries.filter((e) => e.kind === 'malformed').map((e) => e.subject));

  test('picks about the share of the subjects without a malformed event, the same ones each time', () => {
    // WHEN
    const subjects = apiSubjects(scenario.entries, 0.3);
    // THEN 40 subjects have no malformed event: 30% of them
    expect(malformed.size).toBe(10);
    expect(subjects.size).toBe(12);
    expect([...subjects].filter((s) => malformed.has(s))).toEqual([]);
    expect(apiSubjects(scenario.entries, 0.3)).toEqual(subjects);
  });

  test('0 sends nothing through the API, 1 every subject without a malformed event', () => {
    expect(apiSubjects(scenario.entries, 0).size).toBe(0);
    expect(apiSubjects(scenario.entries, 1).size).toBe(50 - malformed.size);
  });

  test('a share of a small scenario still picks a subject', () => {
    expect(apiSubjects(generateScenario({ events: 20, subjects: 2, seed: 1 }).entries, 0.3).size).toBe(1);
  });
});
