/**
 * `npm start`: runs the CDK app's pipeline on local emulators, publishes the demo scenario and
 * prints a summary. See docs/local-run.md.
 */
import { resolve } from 'node:path';
import { type CliOptions, USAGE, UsageError, parseArgs } from './args';
import { runLocal } from './run';

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
  try {
    return await runLocal(
      options,
      {
        projectDir: PROJECT_DIR,
        cdkOut: options.cdkOut,
        synth: options.synth,
        stackName: options.stack,
        appLabel: 'bin/app.ts',
        endpointsFile: options.endpointsFile ? resolve(options.endpointsFile) : resolve(PROJECT_DIR, '.local', 'endpoints.json'),
      },
      {
        stdout: process.stdout,
        stderr: process.stderr,
        untilStopped: () =>
          new Promise<void>((done) => {
            process.once('SIGINT', done);
            process.once('SIGTERM', done);
          }),
      },
    );
  } catch (error) {
    // A --stack or --topic that names nothing, or is needed and not given.
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
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
