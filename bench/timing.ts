import { spawnSync, SpawnSyncOptions } from 'child_process';
import { performance } from 'perf_hooks';

/** Runs a command and returns its wall-clock time in ms; throws when it fails. */
export function timeCommand(cmd: string, args: string[], opts: SpawnSyncOptions = {}): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  const ms = performance.now() - start;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${String(r.stdout).slice(-2000)}\n${String(r.stderr).slice(-2000)}`);
  }
  return ms;
}

/** Runs `fn` `n` times and returns every sample. */
export function sample(n: number, fn: () => number): number[] {
  return Array.from({ length: n }, fn);
}
