import { MIN_FUNCTION_TIMEOUT_MS, sourceTimings } from '../../packages/tools/src/local/event-sources';
import type { EventSourcePlan, StackPlan } from '../../packages/tools/src/local/template';

/** A plan with one function, one queue and one event source mapping between them. */
function plan(timeoutSeconds: number, visibilitySeconds: number, windowSeconds: number): { plan: StackPlan; mapping: EventSourcePlan } {
  const mapping = { logicalId: 'M', function: 'F', queue: 'Q', batchSize: 10, maximumBatchingWindowSeconds: windowSeconds } as EventSourcePlan;
  return {
    mapping,
    plan: {
      functions: [{ logicalId: 'F', timeoutSeconds }],
      queues: [{ logicalId: 'Q', visibilityTimeoutSeconds: visibilitySeconds }],
      eventSources: [mapping],
    } as unknown as StackPlan,
  };
}

/** The rule, to a nanosecond: the three times are scaled apart, in floating point. */
const holds = (t: { timeoutMs: number; visibilityTimeoutMs: number; batchingWindowMs: number }) =>
  t.visibilityTimeoutMs >= 6 * t.timeoutMs + t.batchingWindowMs - 1e-6;

describe('sourceTimings', () => {
  test('scales the three times by the time scale while the function timeout stays above the minimum', () => {
    const { plan: p, mapping } = plan(30, 181, 1);
    expect(sourceTimings(mapping, p, 0.1)).toEqual({ factor: 0.1, timeoutMs: 3_000, visibilityTimeoutMs: 18_100, batchingWindowMs: 100 });
  });

  test('raises the factor so the function timeout is the minimum, for the visibility timeout and the window too', () => {
    const { plan: p, mapping } = plan(30, 181, 1);
    const t = sourceTimings(mapping, p, 0.01);
    expect(t.factor).toBeCloseTo(MIN_FUNCTION_TIMEOUT_MS / 30_000, 12);
    expect(t.timeoutMs).toBeCloseTo(MIN_FUNCTION_TIMEOUT_MS, 9);
    expect(t.visibilityTimeoutMs).toBeCloseTo(181_000 / 30, 9);
    expect(t.batchingWindowMs).toBeCloseTo(1_000 / 30, 9);
  });

  test.each([
    ['exactly 6 x timeout', 10, 60, 0],
    ['exactly 6 x timeout + window', 10, 61, 1],
    ['the sample stack', 30, 181, 1],
  ])('keeps visibility >= 6 x timeout + window when the template does (%s), at any scale', (_name, timeout, visibility, window) => {
    const { plan: p, mapping } = plan(timeout, visibility, window);
    for (const scale of [1, 1 / 3, 1 / 7, 0.1, 0.01, 0.001]) expect(holds(sourceTimings(mapping, p, scale))).toBe(true);
  });

  test('keeps a template that breaks the rule broken, in the same proportion', () => {
    const { plan: p, mapping } = plan(60, 20, 0);
    const t = sourceTimings(mapping, p, 0.1);
    expect(holds(t)).toBe(false);
    expect(t.visibilityTimeoutMs / t.timeoutMs).toBeCloseTo(20 / 60, 12);
  });
});
