/** Command-line options of the local run. */

export interface CliOptions {
  readonly events: number;
  readonly subjects: number;
  readonly seed: number;
  readonly timeScale: number;
  readonly keep: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
  /** The cloud assembly. `npm start`: written and read (default cdk.out); `event-pipeline local`: see `app`. */
  readonly cdkOut?: string;
  /** `event-pipeline local` only: the CDK app's folder, whose cdk.json says how to synthesize it. */
  readonly app?: string;
  /** The topic the demo publishes to, by logical id, topic name or construct path. @default the only one */
  readonly topic?: string;
  /** Publish the demo scenario; false (`--no-demo`) only serves the stack, as `--keep` does. */
  readonly demo: boolean;
  readonly synth?: boolean;
  readonly stack?: string;
  readonly concurrency?: number;
  readonly drainTimeoutSeconds: number;
  readonly json?: string;
  /** Where to write an SVG chart of the events each consumer handled per second. */
  readonly chart?: string;
  /** Where `--keep` writes the endpoints and names as JSON. @default <project>/.local/endpoints.json */
  readonly endpointsFile?: string;
  /** Where the functions' logs are written. @default logs/ beside the endpoints file */
  readonly logDir?: string;
  /** Share of the subjects the demo publishes through the stack's Events API, 0 to 1; 0 turns it off. */
  readonly apiShare: number;
}

export class UsageError extends Error {
  public readonly name = 'UsageError';
}

/** `start`: `npm start`, this repository's sample app. `command`: `event-pipeline local`, any CDK app. */
export type ArgsMode = 'start' | 'command';

const START_HEAD = `Usage: npm start -- [options]      (or: npx tsx packages/tools/src/local/cli.ts [options])

Runs the CDK app's pipeline on local emulators (fauxqs for SNS/SQS, dynalite for DynamoDB),
publishes a demo scenario and prints a summary.

Options:
`;

const COMMAND_HEAD = `Usage: event-pipeline local [--app DIR | --cdk-out DIR] [--stack NAME] [--topic NAME] [--no-demo] [--keep] [options]

Runs a CDK app's stack (SNS topics, SQS queues and subscriptions, Lambda functions behind SQS event
sources, DynamoDB tables) on local emulators, publishes a demo scenario to one of its topics and
prints a summary. Node.js functions run; functions of other runtimes are listed, and their queues
are not consumed. See docs/local-run.md.

Options of its own:
  --app DIR           the CDK app's folder: runs the "app" command of DIR/cdk.json, as cdk synth
                      does, into DIR's cdk.out (or --cdk-out), then runs the stack
  --cdk-out DIR       without --app: a cloud assembly already synthesized, read as it is
                      (default: --app . when ./cdk.json exists)
  --topic NAME        the topic the demo publishes to, when the stack has several: its logical id,
                      topic name, construct path (or a part of it: the pipeline's id) or the name
                      listed when it is missing
  --no-demo           publish nothing: serve the stack until Ctrl-C, as --keep does
  --no-synth          with --app: read its cdk.out as it is

Options shared with npm start (the endpoints file and the logs go to .local/ in the current folder):
`;

const COMMON_OPTIONS = `  --events N          distinct events to publish, 1% of them malformed (default 1000)
  --subjects N        parcels (FIFO message groups) the events are spread over (default 50,
                      or --events if fewer)
  --seed N            seed of the scenario; the same seed publishes the same events (default 1)
  --time-scale X      multiply visibility timeouts, batching windows and function timeouts
                      by X, so retries of failed messages take seconds, not minutes
                      (default 1; npm start passes 0.01). A function timeout stays >= 1 s:
                      where it would drop lower, its queue's visibility timeout and batching
                      window are scaled by the same larger factor, so their ratios stay as deployed
  --keep              after the summary, keep everything running until Ctrl-C and print the
                      endpoints and names as export lines (also written to .local/endpoints.json),
                      with EVENTS_API_URL and EVENTS_API_KEY when the stack has an Events API
  --quiet             no progress and no list of skipped resources; the summary only
  --cdk-out DIR       cloud assembly to write and read (default cdk.out)
  --no-synth          read DIR as it is instead of synthesizing bin/app.ts into it first
  --stack NAME        stack to run when the assembly has several
  --concurrency N     concurrent batches per event source mapping (default: the cores, 2 to 4)
  --timeout S         give up waiting for the queues to drain after S seconds (default 120)
  --json FILE         also write the summary as JSON to FILE
  --chart FILE        also write an SVG chart of the events each consumer handled per
                      second (from the handlers' metrics) to FILE
  --endpoints-file F  where --keep writes the endpoints and names as JSON
                      (default .local/endpoints.json); give each of several runs its own,
                      each in a folder of its own: the functions' logs go to logs/ beside it
  --log-dir DIR       where the functions' logs are written (default: logs/ beside the
                      endpoints file); a folder another run is writing is refused
  --api-share X       share of the parcels (those without a malformed event) published through
                      the stack's Events API (POST /events, single events and batches, with the
                      sample partner's API key) instead of SNS PublishBatch, 0 to 1 (default 0.3);
                      a few invalid requests (400, 415) go on top. Ignored when the stack has no API
  --no-api            the same as --api-share 0: everything through SNS PublishBatch
  --topic NAME        the topic the demo publishes to, when the stack has several
  --no-demo           publish nothing: keep the stack running until Ctrl-C (implies --keep)
  --help              show this help
`;

/** The --help text of `npm start` or of `event-pipeline local`. */
export function usage(mode: ArgsMode = 'start'): string {
  if (mode === 'start') return `${START_HEAD}${COMMON_OPTIONS}`;
  // The command's own options come first; the shared ones that it describes there are left out.
  const own = new Set(['--cdk-out', '--no-synth', '--topic', '--no-demo']);
  const lines = COMMON_OPTIONS.split('\n');
  const kept = lines.filter((_line, i) => {
    const option = (l: string) => /^ {2}(-[-\w]+)/.exec(l)?.[1];
    let start = i;
    while (start > 0 && !option(lines[start])) start--;
    return !own.has(option(lines[start]) ?? '');
  });
  return `${COMMAND_HEAD}${kept.join('\n').replace('(default 1; npm start passes 0.01)', '(default 0.01)')}`;
}

export const USAGE = usage('start');

export function parseArgs(argv: readonly string[], mode: ArgsMode = 'start'): CliOptions {
  const options: Record<string, unknown> = {
    events: 1000,
    subjects: 50,
    seed: 1,
    // event-pipeline local runs at the scale npm start passes.
    timeScale: mode === 'command' ? 0.01 : 1,
    keep: false,
    quiet: false,
    help: false,
    demo: true,
    ...(mode === 'start' ? { cdkOut: 'cdk.out' } : {}),
    drainTimeoutSeconds: 120,
    apiShare: 0.3,
  };
  const numeric: Record<string, [key: string, integer: boolean, min: number]> = {
    '--events': ['events', true, 1],
    '--subjects': ['subjects', true, 1],
    '--seed': ['seed', true, 0],
    '--time-scale': ['timeScale', false, Number.MIN_VALUE],
    '--concurrency': ['concurrency', true, 1],
    '--timeout': ['drainTimeoutSeconds', false, Number.MIN_VALUE],
    '--api-share': ['apiShare', false, 0],
  };
  const strings: Record<string, string> = {
    '--cdk-out': 'cdkOut',
    '--stack': 'stack',
    '--json': 'json',
    '--chart': 'chart',
    '--endpoints-file': 'endpointsFile',
    '--log-dir': 'logDir',
    '--topic': 'topic',
    ...(mode === 'command' ? { '--app': 'app' } : {}),
  };
  const flags: Record<string, [string, boolean | number]> = {
    '--keep': ['keep', true],
    '--quiet': ['quiet', true],
    '--help': ['help', true],
    '-h': ['help', true],
    '--synth': ['synth', true],
    '--no-synth': ['synth', false],
    '--no-api': ['apiShare', 0],
    '--no-demo': ['demo', false],
  };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg in flags) {
      options[flags[arg][0]] = flags[arg][1];
    } else if (arg in numeric) {
      const [key, integer, min] = numeric[arg];
      const raw = value();
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
        const bound = min === Number.MIN_VALUE ? '> 0' : `>= ${min}`;
        throw new UsageError(`${arg} must be ${integer ? 'a whole number' : 'a number'} ${bound} (got ${raw})`);
      }
      options[key] = n;
      given.add(key);
    } else if (arg in strings) {
      options[strings[arg]] = value();
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  // Serving only: there is no summary to stop after.
  if (options.demo === false) options.keep = true;
  if (!given.has('subjects')) options.subjects = Math.min(Number(options.subjects), Number(options.events));
  const parsed = options as unknown as CliOptions;
  if (parsed.apiShare > 1) throw new UsageError(`--api-share must be a number from 0 to 1 (got ${parsed.apiShare})`);
  if (parsed.subjects > parsed.events) {
    throw new UsageError(`--subjects (${parsed.subjects}) cannot exceed --events (${parsed.events})`);
  }
  return parsed;
}
