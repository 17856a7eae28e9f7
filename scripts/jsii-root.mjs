// Where jsii and jsii-pacmak run. jsii and jsii-pacmak refuse a runtime
// dependency that is not itself a jsii module. While the root package.json
// still lists the publisher's and the CLI's dependencies (AWS SDK clients,
// valibot: none of them used by lib/), both run on a copy of the package in
// dist/jsii-package whose package.json leaves them out. Once the root lists
// only jsii dependencies, they run on the root itself and the copy is gone.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dist = path.join(root, 'dist');
export const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/** The copy of the package that jsii and jsii-pacmak run on, while there must be one. */
export const copy = path.join(dist, 'jsii-package');

/** The root's runtime dependencies that are not jsii modules (ship no .jsii assembly). */
export const nonJsiiDependencies = Object.keys(manifest.dependencies ?? {}).filter(
  (name) => !existsSync(path.join(root, 'node_modules', name, '.jsii')),
);

/** The directory jsii and jsii-pacmak run in: the root, or its copy. */
export const packageRoot = nonJsiiDependencies.length === 0 ? root : copy;
