/**
 * The fault scenarios. Each runs on a shared harness with subjects of its own, publishes, waits for
 * the queues to drain, and returns one row per fault: how many were injected, the conservation
 * check over its own subjects and messages, and the checks particular to the fault.
 */
import type { Harness } from '../harness';
import { apiLostAnswer } from './api';
import { blockedGroup } from './blocked';
import { duplicates, reordering, visibility } from './delivery';
import { DYNAMODB_SCENARIOS } from './dynamodb';
import { poisonMessages } from './poison';
import { restart } from './restart';
import type { Scenario, ScenarioRow, ScenarioScale } from './scenario';

export { CI_SCALE, REPORT_SCALE, type Check, type Scenario, type ScenarioRow, type ScenarioScale, rowFailures, rowOk } from './scenario';

export const SCENARIOS: readonly Scenario[] = [...DYNAMODB_SCENARIOS, visibility, duplicates, reordering, poisonMessages, blockedGroup, restart, apiLostAnswer];

/** A scenario's own seed: scenarios on one pipeline must not generate the same event ids. */
export function scenarioSeed(seed: number, id: string): number {
  let h = seed | 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0;
  return h >>> 0;
}

/** Runs the scenarios one after the other on one harness. */
export async function runScenarios(
  h: Harness,
  scale: ScenarioScale,
  seed: number,
  options: { only?: readonly string[]; onRows?: (rows: ScenarioRow[]) => void } = {},
): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = [];
  for (const scenario of SCENARIOS) {
    if (options.only && !options.only.includes(scenario.id)) continue;
    const out = await scenario.run(h, scale, scenarioSeed(seed, scenario.id));
    rows.push(...out);
    options.onRows?.(out);
  }
  return rows;
}
