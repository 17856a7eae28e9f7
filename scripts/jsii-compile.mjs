// Compiles the construct package with jsii: lib/ into dist/lib (JavaScript and
// declarations) and the assembly .jsii, from which jsii-pacmak makes the
// Python, Java, .NET and Go packages (`npm run package`). The compiler options
// are tsconfig.jsii.json's (the `jsii.tsconfig` of package.json).
//
// jsii refuses a runtime dependency that is not itself a jsii module. While the
// root package.json still lists the publisher's and the CLI's dependencies
// (AWS SDK clients, valibot: none of them used by lib/), jsii runs on a copy of
// the package under dist/ whose package.json leaves them out, and its output
// is copied back. Once the root lists only jsii dependencies, jsii runs on the
// root itself and this script is plain `jsii --fail-on-warnings`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const require = createRequire(path.join(root, 'package.json'));
const jsiiBin = path.join(path.dirname(require.resolve('jsii/package.json')), 'bin', 'jsii');

/** Whether the installed package `name` is a jsii module (ships a .jsii assembly). */
const isJsiiModule = (name) => existsSync(path.join(root, 'node_modules', name, '.jsii'));

function jsii(cwd) {
  const result = spawnSync(process.execPath, [jsiiBin, '--fail-on-warnings'], { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

rmSync(dist, { recursive: true, force: true });
rmSync(path.join(root, '.jsii'), { force: true });

const others = Object.keys(manifest.dependencies ?? {}).filter((name) => !isJsiiModule(name));
if (others.length === 0) {
  jsii(root);
} else {
  console.log(`jsii: compiling a copy of the package without its non-jsii dependencies (${others.join(', ')})`);
  const copy = path.join(dist, 'jsii-root');
  mkdirSync(copy, { recursive: true });
  for (const entry of ['lib', manifest.jsii.tsconfig, 'README.md', 'LICENSE']) {
    cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
  }
  const { dependencies, bin: _bin, workspaces: _workspaces, scripts: _scripts, ...rest } = manifest;
  const jsiiDependencies = Object.fromEntries(Object.entries(dependencies).filter(([name]) => !others.includes(name)));
  writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...rest, dependencies: jsiiDependencies }, null, 2));
  // Packages resolve from the copy up to the root's node_modules.
  jsii(copy);
  renameSync(path.join(copy, 'dist', 'lib'), path.join(dist, 'lib'));
  renameSync(path.join(copy, '.jsii'), path.join(root, '.jsii'));
  rmSync(copy, { recursive: true, force: true });
}
