/**
 * `npm start`: runs the CDK app's pipeline on local emulators, publishes the demo scenario and
 * prints a summary. See docs/local-run.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatApis } from './apigateway';
import { type CliOptions, USAGE, UsageError, parseArgs } from './args';
import { runDemo } from './demo-run';
import { exportLines, exportedVariables } from './exports';
import { LocalPipeline } from './pipeline';
import { Progress } from './progress';
import { generateScenario } from './scenario';
import { formatSkipped, formatSummary, formatTimings } from './summary-format';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The CDK app's directory: `npm start` runs in the repository's root. */
const PROJECT_DIR = process.cwd();

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const info = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };

  const endpointsFile = options.endpointsFile ? resolve(options.endpointsFile) : resolve(PROJECT_DIR, '.local', 'endpoints.json');
  const scenario = generateScenario({ events: options.events, subjects: options.subjects, seed: options.seed });
  info(options.synth === false ? `Reading ${options.cdkOut}` : `Synthesizing bin/app.ts into ${options.cdkOut}`);
  const started = Date.now();
  const pipeline = await LocalPipeline.start({
    projectDir: PROJECT_DIR,
    cdkOut: options.cdkOut,
    synth: options.synth,
    stackName: options.stack,
    timeScale: options.timeScale,
    concurrency: options.concurrency,
    // Beside the endpoints file, where `event-pipeline --local` reads them; one folder per run.
    logDir: options.logDir ? resolve(options.logDir) : join(dirname(endpointsFile), 'logs'),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= pipeline.stop());
  try {
    info(`Stack ${pipeline.plan.stackName} is up on the emulators in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    formatSkipped(pipeline.plan).forEach(info);
    formatTimings(pipeline.sources).forEach(info);
    formatApis(pipeline.apis).forEach(info);
    const summary = await runDemo(pipeline, scenario, {
      drainTimeoutMs: options.drainTimeoutSeconds * 1000,
      progress: new Progress(process.stderr, !options.quiet),
      apiShare: options.apiShare,
    });
    process.stdout.write(`${formatSummary(summary).join('\n')}\n`);
    if (options.json) writeJson(resolve(options.json), summary);
    const unexpected = summary.api?.invalid.filter((i) => i.status !== i.expected) ?? [];
    const ok = summary.drained && summary.published.failed === 0 && summary.orderingViolations.length === 0 && unexpected.length === 0;
    if (!summary.drained) process.stderr.write(`The queues did not drain within ${options.drainTimeoutSeconds} s.\n`);
    if (summary.orderingViolations.length > 0) {
      process.stderr.write(`${summary.orderingViolations.length} FIFO ordering violations: a handler broke the partial batch response contract.\n`);
    }
    for (const i of unexpected) process.stderr.write(`The Events API answered ${i.status} to ${i.request}, not ${i.expected}.\n`);
    if (!options.keep) return ok ? 0 : 1;

    const vars = exportedVariables(pipeline.plan, pipeline.emulators, pipeline.apis);
    const file = endpointsFile;
    writeJson(file, vars);
    process.stdout.write(`\n${exportLines(vars).join('\n')}\n`);
    info(`\nThe same values are in ${file}. Everything keeps running until Ctrl-C.`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    info('Stopping.');
    return ok ? 0 : 1;
  } finally {
    await stop();
  }
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
