import { foldState, generateScenario } from '../../packages/tools/src/local/scenario';

describe('generateScenario', () => {
  const scenario = generateScenario({ events: 1000, subjects: 50, seed: 42 });

  test('is deterministic for a seed', () => {
    expect(generateScenario({ events: 1000, subjects: 50, seed: 42 }).entries).toEqual(scenario.entries);
    expect(generateScenario({ events: 1000, subjects: 50, seed: 43 }).entries).not.toEqual(scenario.entries);
  });

  test('has 1% malformed events, 5% duplicate deliveries and some out-of-order events', () => {
    expect(scenario.malformedIds).toHaveLength(10);
    expect(scenario.events).toHaveLength(990);
    expect(scenario.duplicates).toBe(50);
    expect(scenario.entries).toHaveLength(1050);
    expect(scenario.outOfOrder).toBeGreaterThan(0);
    expect(scenario.entries.filter((e) => e.kind === 'duplicate')).toHaveLength(50);
  });

  test('events are CloudEvents 1.0 whose sequence rises per subject, as integers or digit strings', () => {
    const bySubject = new Map<string, number[]>();
    for (const e of scenario.events) {
      expect(e).toEqual(
        expect.objectContaining({ specversion: '1.0', source: expect.any(String), time: expect.any(String) }),
      );
      expect(String(e.sequence)).toMatch(/^\d+$/);
      bySubject.set(e.subject, [...(bySubject.get(e.subject) ?? []), Number(e.sequence)]);
    }
    expect(bySubject.size).toBe(50);
    for (const sequences of bySubject.values()) {
      expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    }
    expect(scenario.events.some((e) => typeof e.sequence === 'string')).toBe(true);
  });

  test('each parcel goes picked-up, in-transit, delivered', () => {
    const types = scenario.events.filter((e) => e.subject === scenario.events[0].subject).map((e) => e.type);
    expect(types[0]).toBe('parcel.picked-up');
    expect(types[types.length - 1]).toBe('parcel.delivered');
    expect(new Set(types.slice(1, -1))).toEqual(new Set(['parcel.in-transit']));
  });

  test('publishes keep each subject in lifecycle order except for the swapped pairs', () => {
    let inversions = 0;
    const last = new Map<string, number>();
    for (const entry of scenario.entries.filter((e) => e.kind === 'event')) {
      const sequence = Number((JSON.parse(entry.body) as { sequence: number | string }).sequence);
      if (sequence < (last.get(entry.subject) ?? 0)) inversions++;
      last.set(entry.subject, Math.max(sequence, last.get(entry.subject) ?? 0));
    }
    expect(inversions).toBe(scenario.outOfOrder);
  });

  test('the expected state of a subject is its event with the highest sequence', () => {
    expect(scenario.expectedState.size).toBe(50);
    for (const state of scenario.expectedState.values()) expect(state.type).toBe('parcel.delivered');
  });

  test('rejects impossible sizes', () => {
    expect(() => generateScenario({ events: 10, subjects: 11, seed: 1 })).toThrow(/subjects must be between 1 and events/);
  });
});

describe('foldState', () => {
  test('keeps the highest sequence whatever the order, comparing digit strings as numbers', () => {
    const e = (id: string, sequence: number | string) =>
      ({ specversion: '1.0', id, source: 's', type: 't', subject: 'x', time: '', sequence, data: {} }) as const;
    expect(foldState([e('a', '10'), e('b', 9), e('c', '2')]).get('x')?.eventId).toBe('a');
  });
});
