/**
 * Figure 4: cold start. The size of each handler bundle, and its module init
 * time: a fresh `node -e` that requires the bundle and prints how long the
 * require took (the init phase before the first invocation). Bundles take
 * turns within each iteration; medians over the iterations.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import * as zlib from 'zlib';
import { baselineBundle, projectBundle, runtimeEnv, type Bundle } from './bundles';
import { median } from './stats';

export interface ColdStartFigures {
  readonly name: string;
  readonly bytes: number;
  /** Deflate size, about what the bundle adds to the deployment zip. */
  readonly gzipBytes: number;
  /** Median ms of the require, in a fresh process. */
  readonly initMs: number;
  readonly initSamples: number[];
  /** Median ms of the whole `node -e` process, start-up included. */
  readonly processMs: number;
}

const INIT_SCRIPT = (file: string) =>
  `const { performance } = require('perf_hooks'); const t = performance.now(); require(${JSON.stringify(file)});` +
  ` process.stdout.write(String(performance.now() - t));`;

function initOnce(bundle: Bundle): { initMs: number; processMs: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['-e', INIT_SCRIPT(bundle.file)], {
    encoding: 'utf8',
    env: runtimeEnv({ POWERTOOLS_SERVICE_NAME: 'bench', POWERTOOLS_LOG_LEVEL: 'INFO' }),
  });
  const processMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`loading ${bundle.file} failed:\n${r.stderr}`);
  return { initMs: Number(r.stdout), processMs };
}

export function coldStart(iterations: number): ColdStartFigures[] {
  const bundles = [
    projectBundle('event-log'),
    projectBundle('state-projector'),
    baselineBundle('event-log'),
    baselineBundle('state-projector'),
  ];
  const samples = bundles.map(() => [] as { initMs: number; processMs: number }[]);
  for (let i = 0; i < iterations; i++) bundles.forEach((b, n) => samples[n].push(initOnce(b)));
  return bundles.map((b, n) => {
    const content = fs.readFileSync(b.file);
    return {
      name: b.name,
      bytes: content.length,
      gzipBytes: zlib.gzipSync(content).length,
      initMs: median(samples[n].map((s) => s.initMs)),
      initSamples: samples[n].map((s) => s.initMs),
      processMs: median(samples[n].map((s) => s.processMs)),
    };
  });
}
