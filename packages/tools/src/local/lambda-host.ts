/**
 * Hosts one function: a pool of worker threads, each an execution environment with its own
 * environment variables that runs one invocation at a time, with the function timeout.
 */
import { type FunctionHostOptions, type InvokeOutcome, Sandbox } from './sandbox';
import { threadCpuMs } from './thread-cpu';

export type { FunctionHostOptions, InvokeError, InvokeOutcome } from './sandbox';

export interface HostStats {
  invocations: number;
  errors: number;
  timeouts: number;
  coldStarts: number;
  initMs: number;
  busyMs: number;
}

export class FunctionHost {
  public readonly stats: HostStats = { invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, initMs: 0, busyMs: 0 };
  private readonly idle: Sandbox[] = [];
  private readonly all = new Set<Sandbox>();
  private readonly waiting: ((sandbox: Sandbox) => void)[] = [];
  private stopped = false;

  constructor(private readonly options: FunctionHostOptions) {}

  /** Starts every execution environment and waits for their init phase. */
  async start(): Promise<void> {
    const sandboxes = Array.from({ length: this.options.concurrency }, () => this.spawn());
    const errors = await Promise.all(sandboxes.map((s) => s.ready));
    const failed = errors.find((e) => e !== undefined);
    if (failed) {
      await this.stop();
      throw new Error(`${this.options.functionName} failed to initialize: ${failed.errorType}: ${failed.errorMessage}`);
    }
    sandboxes.forEach((s) => this.release(s));
  }

  async invoke(event: unknown): Promise<InvokeOutcome> {
    const sandbox = await this.acquire();
    this.stats.invocations++;
    const outcome = await sandbox.invoke(event, this.options.timeoutMs);
    this.stats.busyMs += outcome.durationMs;
    if (!outcome.ok) this.stats.errors++;
    if (outcome.error?.errorType === 'Sandbox.Timedout') this.stats.timeouts++;
    if (sandbox.alive) this.release(sandbox);
    else this.replace(sandbox);
    return outcome;
  }

  /** Milliseconds the live execution environments have spent running (not idle) so far. */
  activeMs(): number {
    return [...this.all].reduce((sum, s) => sum + s.activeMs(), 0);
  }

  /** CPU milliseconds the live execution environments have used so far (Linux only). */
  cpuMs(): number | undefined {
    const times = [...this.all].map((s) => threadCpuMs(s.tid));
    return times.some((t) => t === undefined) ? undefined : times.reduce((a, b) => a! + b!, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.all].map((s) => s.terminate()));
    this.all.clear();
  }

  private spawn(): Sandbox {
    const sandbox = new Sandbox(this.options, (s) => this.replace(s));
    this.all.add(sandbox);
    this.stats.coldStarts++;
    void sandbox.ready.then(() => (this.stats.initMs += sandbox.initMs));
    return sandbox;
  }

  /** A sandbox that exited (timeout, crash) is replaced by a cold one, as Lambda does. */
  private replace(dead: Sandbox): void {
    if (!this.all.delete(dead) || this.stopped) return;
    const idleIndex = this.idle.indexOf(dead);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    const fresh = this.spawn();
    void fresh.ready.then(() => this.release(fresh));
  }

  private acquire(): Promise<Sandbox> {
    const sandbox = this.idle.pop();
    if (sandbox) return Promise.resolve(sandbox);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(sandbox: Sandbox): void {
    if (this.stopped) return;
    const next = this.waiting.shift();
    if (next) next(sandbox);
    else this.idle.push(sandbox);
  }
}
