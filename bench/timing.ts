import { spawnSync, SpawnSyncOptions } from 'child_process';
import { performance } from 'perf_hooks';

/** A command that runs longer than this is killed: a test that keeps jest alive must not hang the bench. */
const TIMEOUT_MS = 300_000;

/** Runs a command and returns its wall-clock time in ms and exit status; throws when it times out. */
export function timeCommandStatus(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { ms: number; status: number | null; output: string } {
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, ...opts });
  const ms = performance.now() - start;
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new Error(`${cmd} ${args.join(' ')} did not exit within ${TIMEOUT_MS / 1000} s (something keeps it alive)`);
  }
  return { ms, status: r.status, output: `${String(r.stdout).slice(-2000)}\n${String(r.stderr).slice(-2000)}` };
}

/** Runs a command and returns its wall-clock time in ms; throws when it fails or times out. */
export function timeCommand(cmd: string, args: string[], opts: SpawnSyncOptions = {}): number {
  const r = timeCommandStatus(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.output}`);
  return r.ms;
}

/**
 * Runs each of `fns` once per round, in turn, for `rounds` rounds, so that a
 * burst of load on a shared machine hits every contender alike; returns the
 * samples of each.
 */
export function alternate(rounds: number, fns: (() => number)[]): number[][] {
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) fns.forEach((fn, i) => samples[i].push(fn()));
  return samples;
}
