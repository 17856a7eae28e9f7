// Bundles each handler in lambda/<name>/index.ts to assets/<name>/index.js
// (with index.js.map), to be loaded with Code.fromAsset('assets/<name>') and
// handler 'index.handler'. The nodejs22.x runtime provides the AWS SDK v3, so
// @aws-sdk/* stays external, as NodejsFunction does by default.
//
// The output depends only on the sources: paths are relative to the project
// root and esbuild is deterministic, so CDK asset hashes stay stable.
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = 'shared';

const handlers = readdirSync(path.join(root, 'lambda'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== SHARED)
  .map((entry) => entry.name)
  .filter((name) => existsSync(path.join(root, 'lambda', name, 'index.ts')))
  .sort();

if (handlers.length === 0) {
  throw new Error('No handlers found: expected lambda/<name>/index.ts');
}

// npm nests a copy of @aws-lambda-powertools/commons in each Powertools package whose version it
// cannot hoist (logger and metrics each have their own 2.36.0), and esbuild bundles each copy. This
// resolves every import of commons to one copy of its version, the first by path, so that each
// version is bundled once, always from the same place. Different versions stay apart.
const POWERTOOLS = path.join(root, 'node_modules', '@aws-lambda-powertools');
const commonsCopies = [path.join(POWERTOOLS, 'commons')]
  .concat(readdirSync(POWERTOOLS).map((name) => path.join(POWERTOOLS, name, 'node_modules', '@aws-lambda-powertools', 'commons')))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => realpathSync(dir))
  .sort();
const versionOf = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
const canonicalCommons = new Map();
for (const dir of commonsCopies) if (!canonicalCommons.has(versionOf(dir))) canonicalCommons.set(versionOf(dir), dir);

const dedupeCommons = {
  name: 'dedupe-powertools-commons',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@aws-lambda-powertools\/commons(\/|$)/ }, async (args) => {
      if (args.pluginData?.deduped) return undefined;
      const again = (resolveDir) => pluginBuild.resolve(args.path, { kind: args.kind, resolveDir, pluginData: { deduped: true } });
      const resolved = await again(args.resolveDir);
      const copy = commonsCopies.find((dir) => resolved.path.startsWith(dir + path.sep));
      const canonical = copy && canonicalCommons.get(versionOf(copy));
      // Resolved from inside the canonical copy, the name finds that copy itself.
      return canonical && canonical !== copy ? again(canonical) : resolved;
    });
  },
};

const started = performance.now();
await Promise.all(
  handlers.map(async (name) => {
    const outdir = path.join(root, 'assets', name);
    rmSync(outdir, { recursive: true, force: true });
    await build({
      absWorkingDir: root,
      entryPoints: [`lambda/${name}/index.ts`],
      outfile: `assets/${name}/index.js`,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      sourcemap: true,
      // Stack traces need names and positions, not the sources: keeps the asset small.
      sourcesContent: false,
      legalComments: 'none',
      external: ['@aws-sdk/*'],
      logLevel: 'warning',
      plugins: [dedupeCommons],
    });
  }),
);
const elapsed = performance.now() - started;

const kib = (file) => `${(statSync(file).size / 1024).toFixed(1)} KiB`.padStart(10);
for (const name of handlers) {
  const file = path.join(root, 'assets', name, 'index.js');
  console.log(`assets/${name}/index.js ${kib(file)}   (map ${kib(`${file}.map`).trim()})`);
}
console.log(`Bundled ${handlers.length} handlers in ${Math.round(elapsed)} ms`);
