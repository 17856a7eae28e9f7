/**
 * `npm run reliability`: runs every fault scenario on the local pipeline, prints the reliability
 * table and the conservation check, and rewrites the generated sections of docs/reliability.md.
 * Exits 1 if anything was lost or doubled or a check failed, 2 for a bad option.
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { currentStamp, stampLine } from '../scripts/figures-stamp';
import { UsageError, numberOption, parseOptions, runAsCommand } from './args';
import { formatReport } from './format';
import { Harness } from './harness';
import { CI_SCALE, REPORT_SCALE, type ScenarioRow, type ScenarioScale, SCENARIOS, rowFailures, runScenarios } from './scenarios';
import { reliabilityTable, replaceSection, rowDetails } from './table';

const PROJECT_DIR = resolve(__dirname, '..');
const DOC = join(PROJECT_DIR, 'docs', 'reliability.md');

const USAGE = `Usage: npm run reliability -- [options]

Runs each fault scenario on the local pipeline (emulators, no AWS account), checks conservation
and prints the table of docs/reliability.md, which it rewrites.

Options:
  --events N        events per scenario (default ${REPORT_SCALE.events}; --ci: ${CI_SCALE.events})
  --subjects N      subjects per scenario (default ${REPORT_SCALE.subjects}; --ci: ${CI_SCALE.subjects})
  --poison N        poison messages of each kind (default ${REPORT_SCALE.poisonPerKind}; --ci: ${CI_SCALE.poisonPerKind})
  --ci              the sizes CI runs (test/reliability/faults.e2e.test.ts)
  --only IDS        comma-separated scenario ids: ${SCENARIOS.map((s) => s.id).join(', ')}
  --seed N          seed of the events and of the fault schedule (default 1)
  --time-scale X    see docs/local-run.md (default 0.01)
  --no-write        print only; leave docs/reliability.md as it is
  --help
`;

async function main(argv: readonly string[]): Promise<number> {
  const values = parseOptions(argv, {
    events: { type: 'string' },
    subjects: { type: 'string' },
    poison: { type: 'string' },
    ci: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'time-scale': { type: 'string', default: '0.01' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const base = values.ci ? CI_SCALE : REPORT_SCALE;
  const scale: ScenarioScale = {
    events: values.events === undefined ? base.events : numberOption(values, 'events', 20),
    subjects: values.subjects === undefined ? base.subjects : numberOption(values, 'subjects', 1),
    poisonPerKind: values.poison === undefined ? base.poisonPerKind : numberOption(values, 'poison', 1),
  };
  if (scale.subjects > scale.events) throw new UsageError('--subjects must not exceed --events');
  const seed = numberOption(values, 'seed', 0);
  const timeScale = numberOption(values, 'time-scale', 0.001, 1, false);
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}`);

  process.stderr.write(`Starting the local pipeline (time scale ${timeScale})...\n`);
  // The code this run measures, taken before it starts.
  const stamp = currentStamp();
  const started = Date.now();
  const harness = await Harness.start({ projectDir: PROJECT_DIR, timeScale, seed, dynamodbOnDisk: true, keepInvocations: true });
  let rows: ScenarioRow[];
  try {
    rows = await runScenarios(harness, scale, seed, {
      only,
      onRows: (out) => {
        for (const row of out) {
          const c = row.report.counts;
          process.stderr.write(
            `  ${row.id.padEnd(18)} injected ${String(row.injected).padStart(5)}  lost ${c.lost}  doubled ${c.doubled}  ` +
              `${row.checks.every((k) => k.ok) && row.report.ok ? 'ok' : 'FAILED'}  (${row.seconds.toFixed(1)} s)\n`,
          );
        }
      },
    });
    const total = await harness.check();
    const table = reliabilityTable(rows, total);
    process.stdout.write(`\n${table}\n\n${formatReport(total)}\n`);
    const failures = [...rows.flatMap(rowFailures), ...(total.ok ? [] : ['the check over every scenario failed'])];
    for (const f of failures) process.stdout.write(`\nFAILED ${f}\n`);
    process.stdout.write(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all\n`);
    if (!values['no-write'] && !only) {
      const machine = `${cpus().length} cores`;
      replaceSection(
        DOC,
        'reliability-table',
        `Measured with \`npm run reliability\` (${scale.events.toLocaleString('en-US')} events over ${scale.subjects} subjects per scenario, ` +
          `${scale.poisonPerKind} poison message${scale.poisonPerKind === 1 ? '' : 's'} of each kind, seed ${seed}, time scale ${timeScale}, ${machine}).\n` +
          `${stampLine(stamp)}\n\n${table}`,
      );
      replaceSection(DOC, 'reliability-details', rowDetails(rows));
      process.stderr.write(`Rewrote ${DOC}\n`);
    }
    return failures.length === 0 ? 0 : 1;
  } finally {
    await harness.stop();
  }
}

if (require.main === module) runAsCommand(main, USAGE);
