// `npm run package`: jsii-pacmak makes the language packages from the package
// `npm run compile` built (dist/lib, .jsii), one target after the other, into
//   dist/python  the wheel and the sdist
//   dist/java    a Maven repository: io/github/cdkeventpipeline/cdk-event-pipeline/VERSION/
//   dist/dotnet  the NuGet package; the generated C# project alone without the .NET SDK
//   dist/go      the generated Go module; built too with --build-go
// and prints the wall time of each target and the size of the wheel and the jar.
//
// What each target needs: Python 3 with venv (jsii-pacmak makes a virtualenv and
// installs its build tools in it with pip), a JDK and Maven (dependencies resolve
// into ~/.m2/repository, shared with other Maven builds), the .NET SDK, Go.
// Options: --targets python,java (default: every target in package.json).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { dist, manifest, root } from './jsii-root.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const targets = option('--targets')?.split(',') ?? Object.keys(manifest.jsii.targets);
const buildGo = args.includes('--build-go');
const unknown = targets.filter((t) => !(t in manifest.jsii.targets));
if (unknown.length > 0) fail(`unknown target ${unknown.join(', ')}; package.json has ${Object.keys(manifest.jsii.targets).join(', ')}`);

const require = createRequire(path.join(root, 'package.json'));
const pacmakBin = path.join(path.dirname(require.resolve('jsii-pacmak/package.json')), 'bin', 'jsii-pacmak');

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/** Whether `command args` runs and exits 0. */
const works = (command, commandArgs) => spawnSync(command, commandArgs, { stdio: 'ignore' }).status === 0;

if (!existsSync(path.join(root, '.jsii'))) fail('no .jsii assembly: run `npm run compile` first');

const plan = targets.map((target) => {
  switch (target) {
    case 'python':
      if (!works('python3', ['-c', 'import venv, ensurepip'])) fail('python: needs python3 with the venv and ensurepip modules');
      return { target, codeOnly: false };
    case 'java':
      if (!works('mvn', ['-v'])) fail('java: needs Maven (mvn) and a JDK');
      return { target, codeOnly: false, extra: ['--maven-local-repository', path.join(os.homedir(), '.m2', 'repository')] };
    case 'dotnet':
      return { target, codeOnly: !works('dotnet', ['--version']), why: 'no .NET SDK' };
    case 'go':
      if (buildGo && !works('go', ['version'])) fail('go: --build-go needs Go');
      return { target, codeOnly: !buildGo, why: 'without --build-go' };
    default:
      return { target, codeOnly: false };
  }
});

const times = [];
for (const { target, codeOnly, why, extra = [] } of plan) {
  console.log(`package: ${target}${codeOnly ? ` (code only: ${why})` : ''}`);
  rmSync(path.join(dist, target), { recursive: true, force: true });
  const started = performance.now();
  const pacmakArgs = [pacmakBin, root, '--targets', target, '--outdir', dist, '--no-npmignore', ...(codeOnly ? ['--code-only'] : []), ...extra];
  // jsii-pacmak packs the package with `npm pack`: without its prepack build, which `npm run
  // package` has done already (the handler bundles, jsii).
  const env = { ...process.env, npm_config_ignore_scripts: 'true' };
  const result = spawnSync(process.execPath, pacmakArgs, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) fail(`${target}: jsii-pacmak failed (exit ${result.status})`);
  times.push({ target, codeOnly, seconds: (performance.now() - started) / 1000 });
}

/** Every file under `dir` whose name matches `pattern`. */
function find(dir, pattern) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, f))
    .filter((f) => pattern.test(path.basename(f)) && statSync(f).isFile());
}
const kib = (file) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;

console.log('\npackage: done');
for (const { target, codeOnly, seconds } of times) {
  console.log(`  ${target.padEnd(7)} ${seconds.toFixed(1).padStart(6)} s${codeOnly ? '  (code only)' : ''}`);
}
for (const file of [
  ...find(path.join(dist, 'python'), /\.(whl|tar\.gz)$/),
  ...find(path.join(dist, 'java'), /^cdk-event-pipeline-[^-]+(-[a-z]+)?\.jar$/),
  ...find(path.join(dist, 'dotnet'), /\.nupkg$/),
]) {
  console.log(`  ${path.relative(root, file)}: ${kib(file)}`);
}
