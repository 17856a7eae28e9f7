import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The project root: two levels up from test/consumer. */
export const ROOT = path.resolve(__dirname, '..', '..');
/** The consumer app's sources, copied into each consumer project. */
export const APP_FIXTURE = path.join(__dirname, 'app');
/** The handlers the package must ship, pre-bundled. */
export const BUNDLED_HANDLERS = ['event-log', 'state-projector'];

/** What `npm pack --json` reports about the tarball. */
export interface PackResult {
  readonly tarball: string;
  readonly filename: string;
  readonly integrity: string;
  /** Bytes of the gzipped tarball. */
  readonly size: number;
  /** Bytes of the files it holds. */
  readonly unpackedSize: number;
  readonly files: string[];
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  inBundle?: boolean;
  bundleDependencies?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/**
 * The environment of a child process, without what the outer `npm test` adds
 * (npm_* settings of this project, NODE_OPTIONS, NODE_PATH).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const fromOuterRun =
      key.startsWith('npm_package_') ||
      key.startsWith('npm_lifecycle_') ||
      key === 'npm_config_local_prefix' ||
      key === 'INIT_CWD' ||
      key === 'NODE_OPTIONS' ||
      key === 'NODE_PATH' ||
      key.startsWith('JEST_');
    if (!fromOuterRun) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command and returns its stdout; on failure the error shows stdout and stderr. */
export function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()): string {
  try {
    return execFileSync(file, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: error });
  }
}

const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);

/**
 * Compiles the library and packs it into `destination`, as `npm pack` does
 * after its `prepack` build. The handler bundles are not rebuilt here: other
 * suites read them while this one runs, and `npm test` built them first.
 */
export function packLibrary(destination: string): PackResult {
  for (const name of BUNDLED_HANDLERS) {
    const bundle = path.join(ROOT, 'assets', name, 'index.js');
    if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build:lambda\` first`);
  }
  npm(['run', 'compile'], ROOT);
  return packFolder(ROOT, destination);
}

/** `npm pack` of the package in `dir` into `destination`, without its scripts: what it reports. */
function packFolder(dir: string, destination: string): PackResult {
  const [report] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', destination], dir));
  return {
    tarball: path.join(destination, report.filename),
    filename: report.filename,
    integrity: report.integrity,
    size: report.size,
    unpackedSize: report.unpackedSize,
    files: report.files.map((f: { path: string }) => f.path).sort(),
  };
}

/** The npm workspaces this project packs besides the constructs: folder and package name. */
export const WORKSPACES = {
  publisher: { dir: path.join(ROOT, 'packages', 'publisher'), name: 'cdk-event-pipeline-publisher' },
  tools: { dir: path.join(ROOT, 'packages', 'tools'), name: 'cdk-event-pipeline-tools' },
} as const;

/** Builds the publisher and the tools (in that order: the tools compile against the publisher's declarations) and packs both. */
export function packWorkspaces(destination: string): { publisher: PackResult; tools: PackResult } {
  npm(['run', 'build:packages'], ROOT);
  return { publisher: packFolder(WORKSPACES.publisher.dir, destination), tools: packFolder(WORKSPACES.tools.dir, destination) };
}

/**
 * aws-cdk-lib at the floor of the peer range: 2.263.0, the newest release that npm, PyPI and
 * Maven Central all serve. This project installs it under the alias `aws-cdk-lib-floor`; the
 * consumer gets it as `aws-cdk-lib`.
 */
export const CDK_FLOOR_ALIAS = 'aws-cdk-lib-floor';

/**
 * The lockfile entries of aws-cdk-lib at the floor, under the consumer's `node_modules/aws-cdk-lib`.
 * A dependency that this project had to nest under the alias (its version differs from the one at
 * the top) and that aws-cdk-lib does not bundle goes to the top of the consumer's node_modules, as
 * a fresh `npm install aws-cdk-lib@2.263.0` puts it: nested under a package whose tarball has a
 * node_modules folder of its own, npm 11 leaves it out.
 */
function floorEntries(): Record<string, LockEntry> {
  const alias = `node_modules/${CDK_FLOOR_ALIAS}`;
  const entries = lockEntriesFor([CDK_FLOOR_ALIAS]);
  const hoisted = Object.keys(entries)
    .filter((key) => key.startsWith(`${alias}/node_modules/`) && !entries[key].inBundle)
    .map((key) => key.slice(`${alias}/`.length))
    .filter((rest) => !rest.slice('node_modules/'.length).includes('/node_modules/'));
  const out: Record<string, LockEntry> = {};
  for (const [key, entry] of Object.entries(entries)) {
    if (key === alias) {
      const { name: _name, ...rest } = entry;
      out['node_modules/aws-cdk-lib'] = rest;
    } else if (key.startsWith(`${alias}/`)) {
      const rest = key.slice(`${alias}/`.length);
      const top = hoisted.find((h) => rest === h || rest.startsWith(`${h}/`));
      out[top ? rest : `node_modules/aws-cdk-lib/${rest}`] = entry;
    } else out[key] = entry;
  }
  return out;
}

/** Bytes of the files under `dir`, symbolic links not followed. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/**
 * The entries of this project's lockfile that `names` need, with their
 * dependencies and bundled dependencies, marked as the consumer's own.
 */
export function lockEntriesFor(names: string[]): Record<string, LockEntry> {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const all: Record<string, LockEntry> = lock.packages;
  const out: Record<string, LockEntry> = {};
  const registry = npmRegistry();
  // npm can mark a package nested under a bundling package as `inBundle` although that package
  // depends on it without bundling it (aws-cdk-lib 2.263.0's @aws-cdk/cloud-assembly-schema,
  // which its bundled cloud-assembly-api also needs): it is not in the tarball, and is fetched.
  const inBundle = (key: string, entry: LockEntry): boolean => {
    if (!entry.inBundle) return false;
    const at = key.lastIndexOf('/node_modules/');
    const parent = at === -1 ? undefined : all[key.slice(0, at)];
    const name = key.slice(at + '/node_modules/'.length);
    return !(parent?.dependencies?.[name] && !parent.bundleDependencies?.includes(name));
  };
  const own = (key: string, entry: LockEntry): LockEntry => {
    const { dev: _dev, devOptional: _devOptional, peer: _peer, inBundle: _inBundle, ...rest } = entry;
    if (inBundle(key, entry)) return { ...rest, inBundle: true };
    if (entry.resolved || !entry.version) return rest;
    // The project's lockfile may omit registry URLs (omit-lockfile-registry-resolved);
    // with one, npm fetches the tarball by URL and integrity, from the cache when it is there.
    const name = (entry.name as string | undefined) ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    return { ...rest, resolved: `${registry}${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
  };
  // Where Node would find `name` required from the package at `from`.
  const resolve = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (all[candidate]) return candidate;
      if (!base) return undefined;
      const parent = base.lastIndexOf('/node_modules/');
      base = parent === -1 ? '' : base.slice(0, parent);
    }
  };
  const visit = (key: string): void => {
    if (out[key]) return;
    const entry = all[key];
    if (!entry) throw new Error(`package-lock.json has no ${key}`);
    out[key] = own(key, entry);
    for (const [nested, nestedEntry] of Object.entries(all)) {
      if (nested.startsWith(`${key}/node_modules/`) && inBundle(nested, nestedEntry)) out[nested] = own(nested, nestedEntry);
    }
    const optional = new Set([
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([name]) => name),
    ]);
    const needed = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(needed)) {
      if (entry.bundleDependencies?.includes(name)) continue;
      const found = resolve(key, name);
      if (found) visit(found);
      else if (!optional.has(name)) throw new Error(`package-lock.json has no ${name} for ${key}`);
    }
  };
  for (const name of names) visit(`node_modules/${name}`);
  return out;
}

/** The registry npm is set up to use, ending with a slash. */
function npmRegistry(): string {
  const registry = run('npm', ['config', 'get', 'registry'], ROOT).trim();
  return registry.endsWith('/') ? registry : `${registry}/`;
}

/** The version of `name` installed in this project. */
export function installedVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** The tools, and the publisher they depend on, packed, for a consumer project's devDependencies. */
export interface ToolsPacks {
  readonly publisher: PackResult;
  readonly tools: PackResult;
}

/**
 * Creates a consumer project in `dir`: the app fixture, a package.json that
 * depends on the tarball, on aws-cdk-lib (at the peer range's floor) and
 * constructs, and on @types/node, and a lockfile so that `npm ci` installs
 * them from the npm cache without asking the registry. With `tools`, the
 * project also has the tools as a devDependency, as a team that runs its app
 * locally does; call it again on the same folder to add them.
 */
export function createConsumerProject(dir: string, pack: PackResult, tools?: ToolsPacks): void {
  fs.cpSync(APP_FIXTURE, dir, { recursive: true });
  fs.copyFileSync(pack.tarball, path.join(dir, pack.filename));

  const library = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const peers = Object.keys(library.peerDependencies);
  const dependencies: Record<string, string> = { [library.name]: `file:${pack.filename}` };
  for (const peer of peers) dependencies[peer] = peer === 'aws-cdk-lib' ? installedVersion(CDK_FLOOR_ALIAS) : installedVersion(peer);
  const devDependencies: Record<string, string> = { '@types/node': installedVersion('@types/node') };
  const devPackages: Record<string, LockEntry> = {};
  if (tools) {
    for (const [key, packed] of [['publisher', tools.publisher], ['tools', tools.tools]] as const) {
      const workspace = WORKSPACES[key];
      const manifest = JSON.parse(fs.readFileSync(path.join(workspace.dir, 'package.json'), 'utf8'));
      fs.copyFileSync(packed.tarball, path.join(dir, packed.filename));
      devDependencies[workspace.name] = `file:${packed.filename}`;
      devPackages[`node_modules/${workspace.name}`] = {
        version: manifest.version,
        resolved: `file:${packed.filename}`,
        integrity: packed.integrity,
        license: manifest.license,
        engines: manifest.engines,
        bin: manifest.bin,
        dependencies: manifest.dependencies,
      };
      const external = Object.keys(manifest.dependencies ?? {}).filter((name) => !name.startsWith('cdk-event-pipeline'));
      Object.assign(devPackages, lockEntriesFor(external));
    }
  }
  const manifest = { name: 'consumer-app', version: '1.0.0', private: true, dependencies, devDependencies };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));

  const packages: Record<string, LockEntry> = {
    '': { name: manifest.name, version: manifest.version, dependencies, devDependencies },
    [`node_modules/${library.name}`]: {
      version: library.version,
      resolved: `file:${pack.filename}`,
      integrity: pack.integrity,
      license: library.license,
      engines: library.engines,
      dependencies: library.dependencies,
      peerDependencies: library.peerDependencies,
    },
    ...lockEntriesFor(peers.filter((peer) => peer !== 'aws-cdk-lib')),
    ...floorEntries(),
  };
  for (const [key, entry] of Object.entries({ ...lockEntriesFor(['@types/node']), ...devPackages })) {
    if (!packages[key]) packages[key] = { ...entry, dev: true };
  }
  const lockfile = { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages };
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lockfile, null, 2));
}

/**
 * `npm ci`, from the npm cache when it holds the packages (as it does after the
 * project's own `npm ci`), then `npm ls`, which fails on a missing or unmet
 * (peer) dependency.
 */
export function installConsumerProject(dir: string): void {
  npm(['ci', '--prefer-offline'], dir);
  npm(['ls', '--all', '--offline'], dir);
}

/** Type-checks and compiles the app to out/, with this project's TypeScript as the consumer's compiler. */
export function compileConsumerApp(dir: string): void {
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'lib', 'tsc.js'), '-p', dir], dir);
}

/**
 * Synthesizes the compiled app with plain `node`, as `cdk synth` runs it:
 * no NODE_PATH, no loader, a PATH with node alone (so no esbuild, no Docker,
 * no npx), and CDK_OUTDIR set as the CLI sets it.
 */
export function synthConsumerApp(dir: string, outdir: string): void {
  const env: NodeJS.ProcessEnv = {
    PATH: path.dirname(process.execPath),
    HOME: dir,
    TMPDIR: dir,
    CDK_OUTDIR: outdir,
    CDK_DOCKER: path.join(dir, 'no-docker-here'),
  };
  run(process.execPath, [path.join('out', 'app.js')], dir, env);
}
