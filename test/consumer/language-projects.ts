import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { childEnv, ROOT, run } from './consumer-project';

// The Python and Java packages as users get them: built by the package's own
// scripts (npm run compile, then npm run package), installed into a fresh
// virtualenv or resolved by Maven, with the oldest aws-cdk-lib and constructs
// the peer ranges allow, imported by name and synthesized.

/** The Python app's sources (app.py, requirements.txt, cdk.json). */
export const PYTHON_APP = path.join(__dirname, 'python-app');
/** The Java app's sources (pom.xml, src/, cdk.json). */
export const JAVA_APP = path.join(__dirname, 'java-app');
/** The handler the apps bring for their own state projector: the TypeScript app's. */
const HANDLERS = path.join(__dirname, 'app', 'handlers');
/** Where the consumer finds Maven artifacts once resolved: the usual local repository. */
const MAVEN_REPOSITORY = path.join(os.homedir(), '.m2', 'repository');

/** The lowest version a peer range (`^2.263.0`) allows. */
export function floorOf(range: string): string {
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!match) throw new Error(`expected a caret range, got ${range}`);
  return match[1];
}

/** What package.json says about the package and its peers. */
export function library(): { name: string; version: string; peerDependencies: Record<string, string>; java: { groupId: string; artifactId: string } } {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return { ...manifest, java: manifest.jsii.targets.java.maven };
}

/** The language packages that `buildLanguagePackages` built. */
export interface LanguagePackages {
  /** The wheel. */
  readonly wheel: string;
  /** The Maven repository holding the jar and its pom. */
  readonly mavenRepository: string;
  /** The jar, in that repository. */
  readonly jar: string;
}

/**
 * Builds the Python and Java packages in a copy of the package in `dir` (so
 * that the project's own dist/ is left alone), with the package's scripts:
 * jsii, then jsii-pacmak. The handler bundles are copied, not rebuilt: `npm
 * test` built them first.
 */
export function buildLanguagePackages(dir: string): LanguagePackages {
  for (const entry of ['lib', 'scripts', 'assets', 'package.json', 'tsconfig.jsii.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'));
  run(process.execPath, ['scripts/jsii-compile.mjs'], dir);
  run(process.execPath, ['scripts/jsii-package.mjs', '--targets', 'python,java'], dir);

  const { name, version, java } = library();
  const mavenRepository = path.join(dir, 'dist', 'java');
  const jar = path.join(mavenRepository, ...java.groupId.split('.'), java.artifactId, version, `${java.artifactId}-${version}.jar`);
  const wheel = path.join(dir, 'dist', 'python', `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`);
  for (const file of [wheel, jar]) if (!fs.existsSync(file)) throw new Error(`npm run package made no ${file}`);
  return { wheel, mavenRepository, jar };
}

/**
 * Creates the Python app in `dir` and a fresh virtualenv for it in `dir/.venv`,
 * with the wheel and the app's requirements.txt (aws-cdk-lib and constructs
 * pinned to the peer ranges' floor), as a user does. pip uses its usual cache.
 */
export function createPythonProject(dir: string, wheel: string): void {
  fs.cpSync(PYTHON_APP, dir, { recursive: true });
  fs.cpSync(HANDLERS, path.join(dir, 'handlers'), { recursive: true });
  run('python3', ['-m', 'venv', '.venv'], dir);
  run(path.join(dir, '.venv', 'bin', 'pip'), ['install', '--quiet', '--no-input', wheel, '-r', 'requirements.txt'], dir);
}

/**
 * Synthesizes the Python app with the virtualenv's python, as `cdk synth`
 * runs `python3 app.py`: a PATH with the virtualenv and node alone (the jsii
 * runtime runs the constructs in node), no Docker, and CDK_OUTDIR set.
 */
export function synthPythonApp(dir: string, outdir: string): void {
  const bin = path.join(dir, '.venv', 'bin');
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${path.dirname(process.execPath)}`,
    HOME: dir,
    TMPDIR: dir,
    VIRTUAL_ENV: path.join(dir, '.venv'),
    CDK_OUTDIR: outdir,
    CDK_DOCKER: path.join(dir, 'no-docker-here'),
  };
  run(path.join(bin, 'python'), ['app.py'], dir, env);
}

/** The package's jar as Maven keeps it in the local repository once resolved. */
export function resolvedJar(): string {
  const { version, java } = library();
  return path.join(MAVEN_REPOSITORY, ...java.groupId.split('.'), java.artifactId, version, `${java.artifactId}-${version}.jar`);
}

/**
 * Creates the Java app in `dir`. The package's version is released under a
 * fixed number, so Maven would take a copy it resolved before from the local
 * repository: that copy is removed, and Maven resolves the one just built.
 */
export function createJavaProject(dir: string): void {
  fs.cpSync(JAVA_APP, dir, { recursive: true });
  fs.cpSync(HANDLERS, path.join(dir, 'handlers'), { recursive: true });
  fs.rmSync(path.dirname(resolvedJar()), { recursive: true, force: true });
}

/**
 * Compiles and synthesizes the Java app as its cdk.json says (`mvn compile
 * exec:java`), against the package in `mavenRepository`, with CDK_OUTDIR set
 * and no Docker; Maven resolves the rest into ~/.m2.
 */
export function synthJavaApp(dir: string, outdir: string, mavenRepository: string): void {
  const env = childEnv({ CDK_OUTDIR: outdir, CDK_DOCKER: path.join(dir, 'no-docker-here') });
  run(
    'mvn',
    ['-q', '-B', 'compile', 'exec:java', `-DcdkEventPipeline.repository=file://${mavenRepository}`, `-DcdkEventPipeline.version=${library().version}`],
    dir,
    env,
  );
}
