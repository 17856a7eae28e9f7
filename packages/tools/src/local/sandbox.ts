/**
 * An execution environment of a function: one worker thread running packages/tools/src/local/runtime/lambda-worker.cjs.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';

export interface FunctionHostOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memorySize: number;
  /** Directory of the bundled asset. */
  readonly taskRoot: string;
  /** e.g. index.handler */
  readonly handler: string;
  /** The execution environment's variables (see lambdaEnvironment). */
  readonly env: Record<string, string>;
  /** The project's node_modules, standing in for the runtime's /var/runtime/node_modules. */
  readonly nodeModules: string;
  /** Execution environments, i.e. concurrent invocations. */
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Called with each line the handler writes to stdout or stderr. */
  readonly onLog?: (line: string) => void;
  /**
   * Modules each environment requires before it loads the handler, as `NODE_OPTIONS=--require`
   * would; one that exports `wrapHandler(handler)` wraps the handler. @default none
   */
  readonly preload?: readonly string[];
}

export interface InvokeError {
  readonly errorType: string;
  readonly errorMessage: string;
}

export interface InvokeOutcome {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: InvokeError;
  readonly durationMs: number;
}

interface Pending {
  readonly resolve: (outcome: InvokeOutcome) => void;
  readonly started: number;
  readonly timer: NodeJS.Timeout;
}

const WORKER_FILE = join(__dirname, 'runtime', 'lambda-worker.cjs');

/** One execution environment: a worker thread that loads the bundle and runs one invocation at a time. */
export class Sandbox {
  public ready: Promise<InvokeError | undefined>;
  public pending?: Pending;
  private readonly worker: Worker;
  private invocationId = 0;

  constructor(options: FunctionHostOptions, private readonly onExit: (sandbox: Sandbox) => void) {
    const started = Date.now();
    this.worker = new Worker(WORKER_FILE, {
      env: options.env,
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: {
        taskRoot: options.taskRoot,
        handler: options.handler,
        functionName: options.functionName,
        functionArn: options.functionArn,
        memorySize: options.memorySize,
        nodeModules: options.nodeModules,
        preload: options.preload ?? [],
      },
    });
    pipeLines(this.worker.stdout, options.onLog);
    pipeLines(this.worker.stderr, options.onLog);
    this.ready = new Promise((resolve) => {
      this.worker.once('message', (m: { type: string; error?: InvokeError; tid?: number }) => {
        this.initMs = Date.now() - started;
        this.tid = m.tid;
        this.initError = m.type === 'ready' ? undefined : m.error;
        resolve(this.initError);
      });
      this.worker.once('error', (e) => {
        this.initError = { errorType: 'Runtime.InitError', errorMessage: e.message };
        resolve(this.initError);
      });
    });
    this.worker.on('message', (m: { type: string; id: number; ok: boolean; result?: unknown; error?: InvokeError }) => {
      if (m.type !== 'result' || m.id !== this.invocationId) return;
      this.settle({ ok: m.ok, result: m.ok ? JSON.parse(m.result as string) : undefined, error: m.error });
      // The runtime ends the environment after an unhandled rejection: no invocation may follow in it.
      if (m.error?.errorType === 'Runtime.UnhandledPromiseRejection') this.kill();
    });
    this.worker.on('exit', () => {
      this.alive = false;
      this.settle({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'the execution environment exited' } });
      this.onExit(this);
    });
  }

  public initMs = 0;
  /** Kernel thread id, for CPU accounting. */
  public tid?: number;
  /** False once the environment is being torn down (timeout, crash, failed init). */
  public alive = true;
  private initError?: InvokeError;

  invoke(event: unknown, timeoutMs: number): Promise<InvokeOutcome> {
    const id = ++this.invocationId;
    const started = Date.now();
    if (this.initError) {
      // Lambda retries the init phase in a fresh environment on the next invocation.
      this.kill();
      return Promise.resolve({ ok: false, error: this.initError, durationMs: 0 });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.settle({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
        });
        this.kill();
      }, timeoutMs);
      this.pending = { resolve, started, timer };
      // The event travels as JSON, as it does to a real function; a string is much cheaper to
      // pass to a thread than a structured clone of the records.
      this.worker.postMessage({ id, event: JSON.stringify(event), awsRequestId: randomUUID(), deadline: started + timeoutMs });
    });
  }

  activeMs(): number {
    return this.worker.performance.eventLoopUtilization().active;
  }

  terminate(): Promise<number> {
    this.alive = false;
    return this.worker.terminate();
  }

  private kill(): void {
    void this.terminate();
  }

  private settle(outcome: Omit<InvokeOutcome, 'durationMs'>): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve({ ...outcome, durationMs: Date.now() - pending.started });
  }
}

function pipeLines(stream: Readable, onLine: ((line: string) => void) | undefined): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line && onLine) onLine(line);
      newline = buffered.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffered && onLine) onLine(buffered);
  });
}
