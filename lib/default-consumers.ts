import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Code of the default consumers shipped with this package, loaded from their
 * pre-built bundles. Synth never runs a bundler: the bundles are built once
 * (`npm run build:lambda`) and shipped in the package's `assets/` folder.
 */
export class DefaultConsumers {
  /**
   * The event log handler: writes every event to the events table
   * (`BatchWriteItem`, keyed by the event's `id`, with `expiresAt` for TTL).
   */
  public static eventLog(): lambda.Code {
    return bundled('event-log');
  }

  /**
   * The state projector handler: keeps each subject's latest state in the
   * state table, refusing any event whose `sequence` is not newer.
   */
  public static stateProjector(): lambda.Code {
    return bundled('state-projector');
  }

  private constructor() {}
}

function bundled(name: string): lambda.Code {
  // From lib/ (source) the package root is one level up; from dist/lib/ (compiled) it is two.
  const candidates = [path.join(__dirname, '..', 'assets', name), path.join(__dirname, '..', '..', 'assets', name)];
  const dir = candidates.find((c) => fs.existsSync(path.join(c, 'index.js')));
  if (!dir) {
    throw new Error(
      `The ${name} handler bundle is missing (looked in ${candidates.join(', ')}); run \`npm run build:lambda\``,
    );
  }
  return lambda.Code.fromAsset(dir);
}
