import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The default consumers shipped with this package, pre-bundled. */
export type DefaultConsumer = 'event-log' | 'state-projector';

/**
 * Code of a default consumer, loaded from its pre-built bundle. Synth never
 * runs a bundler: the bundles are built once (`npm run build:lambda`) and
 * shipped in the package's `assets/` folder.
 */
export function defaultConsumerCode(name: DefaultConsumer): lambda.Code {
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
