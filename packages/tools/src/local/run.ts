/**
 * One local run, as `npm start` (this repository's sample app) and `event-pipeline local` (any CDK
 * app) run it: read or synthesize the stack, start it on the emulators, publish the demo to one of
 * its topics (or nothing), print the summary, and with --keep write the endpoints and serve until
 * Ctrl-C. See docs/local-run.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { formatApis } from './apigateway';
import { type CliOptions, UsageError } from './args';
import { runDemo } from './demo-run';
import { exportLines, exportedVariables, resourceVariables } from './exports';
import { renderChart } from './metrics-chart';
import { type AssemblyOptions, LocalPipeline, StackChoiceError, loadStack } from './pipeline';
import { Progress, type ProgressOutput } from './progress';
import { generateScenario } from './scenario';
import { formatSkipped, formatSummary, formatTimings } from './summary-format';
import { planStack } from './template';
import { chooseTopic, topicName } from './topic-choice';

/** Where a run writes, and how it is told to stop. */
export interface LocalRunIO {
  readonly stdout: ProgressOutput;
  /** Progress, the start-up lines and warnings. */
  readonly stderr: ProgressOutput;
  /** Resolves when a kept run is to stop: Ctrl-C. */
  untilStopped(): Promise<void>;
  /** Aborted by Ctrl-C: a demo still running is given up, and the run stops (exit 130). @default never */
  readonly signal?: AbortSignal;
}

/** What the run reads, besides its options. */
export interface LocalRunSetup extends AssemblyOptions {
  /** Where --keep writes the endpoints and names; the functions' logs go to logs/ beside it. */
  readonly endpointsFile: string;
  /** See PipelineOptions.runtimeModules. */
  readonly runtimeModules?: string;
  /** What is synthesized, for the first line: `bin/app.ts`, `the app in DIR`. */
  readonly appLabel: string;
}

/**
 * Runs the stack: 0 when everything was published and processed (or, serving only, once stopped),
 * 1 otherwise, 130 when Ctrl-C stopped the demo. A wrong --stack or --topic throws a UsageError
 * before anything is started.
 */
export async function runLocal(options: CliOptions, setup: LocalRunSetup, io: LocalRunIO): Promise<number> {
  const info = (line: string) => {
    if (!options.quiet) io.stderr.write(`${line}\n`);
  };
  const cdkOut = resolve(setup.projectDir, setup.cdkOut ?? 'cdk.out');
  info(setup.synth === false ? `Reading ${setup.cdkOut ?? cdkOut}` : `Synthesizing ${setup.appLabel} into ${setup.cdkOut ?? cdkOut}`);
  const started = Date.now();
  const loaded = await loadStack(setup).catch((error: unknown) => {
    throw error instanceof StackChoiceError ? new UsageError(error.message) : error;
  });
  // Before anything starts: the template maps (or every problem is listed), and the demo has its topic.
  const dryRun = planStack(loaded.stack.template, {
    stackName: loaded.stack.stackName,
    region: loaded.stack.region ?? 'us-east-1',
    accountId: '000000000000',
    queueUrl: (name) => name,
  });
  const topicId = options.demo || options.topic !== undefined ? chooseTopic(dryRun, options.topic).logicalId : undefined;
  const scenario = options.demo ? generateScenario({ events: options.events, subjects: options.subjects, seed: options.seed }) : undefined;
  const pipeline = await LocalPipeline.start({
    ...setup,
    loaded,
    timeScale: options.timeScale,
    concurrency: options.concurrency,
    // Beside the endpoints file, where `event-pipeline --local` reads them; one folder per run.
    logDir: options.logDir ? resolve(options.logDir) : join(dirname(setup.endpointsFile), 'logs'),
  });
  const { plan } = pipeline;
  const topic = plan.topics.find((t) => t.logicalId === topicId);
  try {
    info(`Stack ${plan.stackName} is up on the emulators in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    formatSkipped(plan).forEach(info);
    formatTimings(pipeline.sources).forEach(info);
    formatApis(pipeline.apis).forEach(info);
    // Said even with --quiet: part of the stack does not run.
    for (const n of pipeline.notRun) {
      const queues = n.queues.map((q) => q.logicalId).join(', ');
      io.stderr.write(`Not run locally: function ${n.fn.logicalId} (${n.fn.runtime}): ${n.reason}${queues ? `; its queue ${queues} is not consumed` : ''}\n`);
    }
    let ok = true;
    if (scenario) {
      const summary = await unlessInterrupted(
        runDemo(pipeline, scenario, {
          drainTimeoutMs: options.drainTimeoutSeconds * 1000,
          progress: new Progress(io.stderr, !options.quiet),
          apiShare: options.apiShare,
          topic,
        }),
        io.signal,
      );
      if (!summary) {
        io.stderr.write('Interrupted: stopping the local run.\n');
        return 130;
      }
      io.stdout.write(`${formatSummary(summary).join('\n')}\n`);
      if (options.json) writeJson(resolve(options.json), summary);
      if (options.chart && summary.metrics) {
        const chart = resolve(options.chart);
        mkdirSync(dirname(chart), { recursive: true });
        writeFileSync(chart, renderChart(summary.metrics));
        io.stdout.write(`Chart of the events each consumer handled per second: ${chart}\n`);
      }
      const unexpected = summary.api?.invalid.filter((i) => i.status !== i.expected) ?? [];
      ok = summary.drained && summary.published.failed === 0 && summary.orderingViolations.length === 0 && unexpected.length === 0;
      if (!summary.drained) io.stderr.write(`The queues did not drain within ${options.drainTimeoutSeconds} s.\n`);
      if (summary.orderingViolations.length > 0) {
        io.stderr.write(`${summary.orderingViolations.length} FIFO ordering violations: a handler broke the partial batch response contract.\n`);
      }
      for (const i of unexpected) io.stderr.write(`The Events API answered ${i.status} to ${i.request}, not ${i.expected}.\n`);
      if (!options.keep) return ok ? 0 : 1;
    }

    const vars = exportedVariables(plan, pipeline.emulators, pipeline.apis, topic ? { topic } : {});
    writeJson(setup.endpointsFile, vars);
    io.stdout.write(`${scenario ? '\n' : ''}${exportLines(vars).join('\n')}\n`);
    info(`\nThe same values are in ${setup.endpointsFile}. Everything keeps running until Ctrl-C.`);
    if (plan.topics.length > 1) {
      const names = resourceVariables(plan);
      info(
        `Topics: ${plan.topics.map((t) => `${topicName(plan, t)} (${names.get(t.logicalId)})`).join(', ')}; ` +
          'publish to one with `event-pipeline publish FILE --local --topic NAME`.',
      );
    }
    await io.untilStopped();
    info('Stopping.');
    return ok ? 0 : 1;
  } finally {
    await pipeline.stop();
  }
}

/**
 * The node_modules this tool's AWS SDK comes from: it stands in for the Lambda runtime's (see
 * PipelineOptions.runtimeModules) when the stack is a user's app, whose own node_modules need not
 * have the SDK, as a function's asset need not on Lambda.
 */
export function ownNodeModules(): string {
  const entry = require.resolve('@aws-sdk/client-sqs');
  const marker = `${sep}node_modules${sep}`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
}

/** The work's result, or undefined once the signal is aborted (the work is then left to fail on its own). */
async function unlessInterrupted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return work;
  work.catch(() => undefined);
  if (signal.aborted) return undefined;
  let onAbort = () => {};
  const aborted = new Promise<undefined>((done) => {
    onAbort = () => done(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
