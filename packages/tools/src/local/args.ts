/** Command-line options of the local run. */

export interface CliOptions {
  readonly events: number;
  readonly subjects: number;
  readonly seed: number;
  readonly timeScale: number;
  readonly keep: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
  readonly cdkOut: string;
  readonly synth?: boolean;
  readonly stack?: string;
  readonly concurrency?: number;
  readonly drainTimeoutSeconds: number;
  readonly json?: string;
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

export const USAGE = `Usage: npm start -- [options]      (or: npx tsx packages/tools/src/local/cli.ts [options])

Runs the CDK app's pipeline on local emulators (fauxqs for SNS/SQS, dynalite for DynamoDB),
publishes a demo scenario and prints a summary.

Options:
  --events N          distinct events to publish, 1% of them malformed (default 1000)
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
  --cdk-out DIR       cloud assembly to read (default cdk.out)
  --no-synth          read DIR as it is instead of synthesizing bin/app.ts into it first
  --stack NAME        stack to run when the assembly has several
  --concurrency N     concurrent batches per event source mapping (default: the cores, 2 to 4)
  --timeout S         give up waiting for the queues to drain after S seconds (default 120)
  --json FILE         also write the summary as JSON to FILE
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
  --help              show this help
`;

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: Record<string, unknown> = {
    events: 1000,
    subjects: 50,
    seed: 1,
    timeScale: 1,
    keep: false,
    quiet: false,
    help: false,
    cdkOut: 'cdk.out',
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
    '--endpoints-file': 'endpointsFile',
    '--log-dir': 'logDir',
  };
  const flags: Record<string, [string, boolean | number]> = {
    '--keep': ['keep', true],
    '--quiet': ['quiet', true],
    '--help': ['help', true],
    '-h': ['help', true],
    '--synth': ['synth', true],
    '--no-synth': ['synth', false],
    '--no-api': ['apiShare', 0],
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
  if (!given.has('subjects')) options.subjects = Math.min(Number(options.subjects), Number(options.events));
  const parsed = options as unknown as CliOptions;
  if (parsed.apiShare > 1) throw new UsageError(`--api-share must be a number from 0 to 1 (got ${parsed.apiShare})`);
  if (parsed.subjects > parsed.events) {
    throw new UsageError(`--subjects (${parsed.subjects}) cannot exceed --events (${parsed.events})`);
  }
  return parsed;
}
