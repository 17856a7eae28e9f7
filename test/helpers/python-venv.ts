/**
 * Python virtualenvs for the tests, each under .venv/ (gitignored): made on first use from a
 * pinned requirements file, and reused while that file is unchanged. Two jest workers that need
 * the same one wait for each other: one makes it, under a lock, and the other reuses it.
 *
 *   const venv = await ensureVirtualenv({ dir: path.join(ROOT, '.venv', 'cfn-lint'), requirements: 'requirements-cfn-lint.txt' });
 *   await runCommand(path.join(venv, 'bin', 'cfn-lint'), ['--version'], ROOT);
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The repository root: two levels up from test/helpers. */
export const ROOT = path.resolve(__dirname, '..', '..');
const LOCK_TIMEOUT_MS = 10 * 60_000;

export interface VirtualenvOptions {
  /** Where the virtualenv lives. */
  readonly dir: string;
  /** The pinned requirements file it is made from (`pip install -r`). */
  readonly requirements: string;
  /** The interpreter that makes it. @default python3 */
  readonly python?: string;
}

/** The virtualenv's directory, made first if it is missing or holds other requirements. */
export async function ensureVirtualenv(options: VirtualenvOptions): Promise<string> {
  const { dir, requirements } = options;
  // Written last, when the virtualenv is complete: the sha256 of the requirements it holds.
  const marker = path.join(dir, '.requirements.sha256');
  const wanted = createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
  const ready = () => fs.existsSync(path.join(dir, 'bin', 'python')) && readIfExists(marker) === wanted;
  if (ready()) return dir;
  await withLock(`${dir}.lock`, dir, async () => {
    if (ready()) return; // another worker made it while this one waited
    fs.rmSync(dir, { recursive: true, force: true });
    await mustRun(options.python ?? 'python3', ['-m', 'venv', dir]);
    await mustRun(path.join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
    fs.writeFileSync(`${marker}.tmp`, wanted);
    fs.renameSync(`${marker}.tmp`, marker);
  });
  return dir;
}

export interface CommandResult {
  /** The exit code, or null when a signal ended the command. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end, with its output; rejects only when it cannot be started. */
export function runCommand(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new Error(`cannot run ${command}: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

async function mustRun(command: string, args: string[]): Promise<void> {
  const { code, stdout, stderr } = await runCommand(command, args, ROOT);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${stderr}${stdout}`);
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` holding the lock directory (mkdir is atomic). A lock whose owner process is gone
 * (killed mid-install) is taken over; the half-made virtualenv it left has no marker and is made anew.
 */
async function withLock(lock: string, what: string, fn: () => Promise<void>): Promise<void> {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(readIfExists(path.join(lock, 'pid')));
    if (owner > 0 && !isAlive(owner)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} has been held for ${LOCK_TIMEOUT_MS / 60_000} minutes: remove it if no test run is making ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
    await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
