// `npm run compile`: compiles the construct package with jsii, lib/ into
// dist/lib (JavaScript and declarations) and the assembly .jsii, from which
// jsii-pacmak makes the Python, Java, .NET and Go packages (`npm run package`).
// The compiler options are tsconfig.jsii.json's (`jsii.tsconfig` in package.json).
// See scripts/jsii-root.mjs for when jsii runs on a copy of the package.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { copy, dist, manifest, nonJsiiDependencies, packageRoot, root } from './jsii-root.mjs';

const require = createRequire(path.join(root, 'package.json'));
const jsiiBin = path.join(path.dirname(require.resolve('jsii/package.json')), 'bin', 'jsii');

rmSync(dist, { recursive: true, force: true });
rmSync(path.join(root, '.jsii'), { force: true });

if (packageRoot === copy) {
  console.log(`jsii: compiling a copy of the package without its non-jsii dependencies (${nonJsiiDependencies.join(', ')})`);
  mkdirSync(copy, { recursive: true });
  for (const entry of ['lib', manifest.jsii.tsconfig, 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
  }
  const { dependencies, bin: _bin, workspaces: _workspaces, scripts: _scripts, ...rest } = manifest;
  const kept = Object.fromEntries(Object.entries(dependencies).filter(([name]) => !nonJsiiDependencies.includes(name)));
  writeFileSync(path.join(copy, 'package.json'), `${JSON.stringify({ ...rest, dependencies: kept }, null, 2)}\n`);
}

// Packages resolve from the copy up to the root's node_modules.
const result = spawnSync(process.execPath, [jsiiBin, '--fail-on-warnings'], { cwd: packageRoot, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

if (packageRoot === copy) {
  cpSync(path.join(copy, 'dist', 'lib'), path.join(dist, 'lib'), { recursive: true });
  cpSync(path.join(copy, '.jsii'), path.join(root, '.jsii'));
}
