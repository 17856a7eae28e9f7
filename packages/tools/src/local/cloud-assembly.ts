/**
 * Reads a synthesized cloud assembly (cdk.out): its stacks, their templates and file assets.
 * Synthesizes the app first when asked to or when there is no assembly yet.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CfnTemplate } from './identities';

export interface AssemblyStack {
  readonly stackName: string;
  readonly artifactId: string;
  readonly template: CfnTemplate;
  /** Region from the stack's environment, undefined when the stack is environment-agnostic. */
  readonly region?: string;
  /** Maps an asset object key (`<hash>.zip`) to its directory on disk. */
  readonly assets: ReadonlyMap<string, string>;
}

interface Manifest {
  artifacts?: Record<
    string,
    {
      type: string;
      environment?: string;
      displayName?: string;
      properties?: { templateFile?: string; stackName?: string; directoryName?: string };
    }
  >;
}

interface AssetManifest {
  files?: Record<
    string,
    { source: { path: string; packaging?: string }; destinations?: Record<string, { objectKey?: string }> }
  >;
}

export class AssemblyError extends Error {
  public readonly name = 'AssemblyError';
}

/** Reads every CloudFormation stack in `cdkOut`. */
export function readAssembly(cdkOut: string): AssemblyStack[] {
  const manifestFile = join(cdkOut, 'manifest.json');
  if (!existsSync(manifestFile)) throw new AssemblyError(`${manifestFile} not found: synthesize the app first`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  const stacks: AssemblyStack[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    // A Stage synthesizes into a nested assembly of its own.
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...readAssembly(join(cdkOut, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(join(cdkOut, artifact.properties.templateFile), 'utf8')) as CfnTemplate;
    const region = artifact.environment?.split('/')[3];
    stacks.push({
      stackName: artifact.properties.stackName ?? artifactId,
      artifactId,
      template,
      region: region && region !== 'unknown-region' ? region : undefined,
      assets: readAssets(cdkOut, join(cdkOut, `${artifactId}.assets.json`)),
    });
  }
  if (stacks.length === 0) throw new AssemblyError(`${manifestFile} has no CloudFormation stack`);
  return stacks;
}

function readAssets(cdkOut: string, file: string): Map<string, string> {
  const assets = new Map<string, string>();
  if (!existsSync(file)) return assets;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as AssetManifest;
  for (const [hash, asset] of Object.entries(manifest.files ?? {})) {
    const dir = resolve(cdkOut, asset.source.path);
    assets.set(`${hash}.zip`, dir);
    for (const dest of Object.values(asset.destinations ?? {})) {
      if (dest.objectKey) assets.set(dest.objectKey, dir);
    }
  }
  return assets;
}

/** What the local run reads in a CDK app's cdk.json. */
export interface AppConfig {
  /** The command that runs the app, e.g. `npx ts-node --prefer-ts-exts bin/app.ts`. */
  readonly app?: string;
  /** Where `cdk synth` writes the assembly, relative to the app's folder. @default cdk.out */
  readonly output?: string;
  readonly context?: Record<string, unknown>;
  readonly pathMetadata?: boolean;
  readonly assetMetadata?: boolean;
}

/** The app's cdk.json, or undefined when the folder has none. */
export function readAppConfig(appDir: string): AppConfig | undefined {
  const file = join(appDir, 'cdk.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AppConfig;
  } catch (error) {
    throw new AssemblyError(`${file} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Synthesizes a CDK app as `cdk synth` does, without the CDK CLI: runs the `app` command of its
 * cdk.json through the shell, in the app's folder, with CDK_OUTDIR set to `cdkOut` and the context
 * in CDK_CONTEXT_JSON (cdk.json's, then cdk.context.json's, with path and asset metadata on as the
 * CLI turns them on). The app's App synthesizes on its own when CDK_OUTDIR is set.
 */
export async function synthesizeApp(appDir: string, cdkOut: string): Promise<void> {
  const config = readAppConfig(appDir);
  const cdkJson = join(appDir, 'cdk.json');
  if (!config) throw new AssemblyError(`${cdkJson} not found: no CDK app to synthesize`);
  if (typeof config.app !== 'string' || config.app.trim() === '') {
    throw new AssemblyError(`${cdkJson} has no "app" command: it says how to run the CDK app, e.g. "npx ts-node --prefer-ts-exts bin/app.ts"`);
  }
  const contextFile = join(appDir, 'cdk.context.json');
  const context = {
    'aws:cdk:enable-path-metadata': config.pathMetadata !== false,
    'aws:cdk:enable-asset-metadata': config.assetMetadata !== false,
    ...config.context,
    ...(existsSync(contextFile) ? (JSON.parse(readFileSync(contextFile, 'utf8')) as Record<string, unknown>) : {}),
  };
  const child = spawn(config.app, {
    shell: true,
    cwd: appDir,
    env: { ...process.env, CDK_OUTDIR: cdkOut, CDK_CONTEXT_JSON: JSON.stringify(context) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  if (code !== 0) {
    throw new AssemblyError(`the app command of ${cdkJson} failed (exit code ${code}): ${config.app}\n${output.trimEnd()}`);
  }
  if (!existsSync(join(cdkOut, 'manifest.json'))) {
    throw new AssemblyError(`the app command of ${cdkJson} wrote no cloud assembly to ${cdkOut}: ${config.app}`);
  }
}

/**
 * Runs the CDK app with CDK_OUTDIR set; the App synthesizes on its own when that variable is set.
 * `app` is the command from cdk.json (e.g. `npx tsx bin/app.ts`). This is how `npm start` runs
 * this repository's sample app: the .ts file the command names, with this project's tsx.
 */
export async function synthesize(projectDir: string, cdkOut: string): Promise<void> {
  const cdkJson = join(projectDir, 'cdk.json');
  const config = existsSync(cdkJson)
    ? (JSON.parse(readFileSync(cdkJson, 'utf8')) as { app?: string; context?: Record<string, unknown> })
    : {};
  const entry = config.app?.match(/(\S+\.ts)\s*$/)?.[1] ?? 'bin/app.ts';
  if (!existsSync(join(projectDir, entry))) throw new AssemblyError(`no CDK app at ${entry} and no ${cdkOut}`);
  const tsx = join(projectDir, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  await promisify(execFile)(process.execPath, [tsx, entry], {
    cwd: projectDir,
    env: {
      ...process.env,
      CDK_OUTDIR: resolve(projectDir, cdkOut),
      CDK_CONTEXT_JSON: JSON.stringify(config.context ?? {}),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
}
