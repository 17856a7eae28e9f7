/**
 * Captures what the handlers log. Every line goes to <dir>/<function>.log; JSON records at
 * ERROR that carry a messageId (how the handlers report a failed record, or one they sent to the
 * dead-letter queue themselves, with `deadLettered: true`) are kept, so the summary can say why a
 * message was dead-lettered. Metric documents (CloudWatch embedded metric format, which the default
 * handlers print once per invocation) are read as CloudWatch would read them, into `metrics`. A run
 * holds its log folder (a `.lock` file with its pid) until it stops, so that a second run cannot
 * truncate the first one's files.
 */
import { type WriteStream, closeSync, createWriteStream, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmfMetrics } from '../cli/emf';

export class LogDirInUseError extends Error {
  public readonly name = 'LogDirInUseError';
}

export interface FailureReason {
  readonly functionName: string;
  readonly messageId: string;
  readonly reason: string;
  readonly eventId?: string;
  /** The handler sent the message to the dead-letter queue itself. */
  readonly deadLettered?: boolean;
}

export class FunctionLogs {
  /** Last failure reason logged for each SQS message id. */
  public readonly reasons = new Map<string, FailureReason>();
  /** Message ids each function (by sink name) logged as sent to the dead-letter queue itself. */
  public readonly deadLettered = new Map<string, Set<string>>();
  /** The metric documents of every function's lines, aggregated; a malformed one is counted and listed there. */
  public readonly metrics = new EmfMetrics();
  public lines = 0;
  public errorLines = 0;
  private readonly files: WriteStream[] = [];
  private lockFile?: string;

  /** @param dir where log files go; undefined keeps nothing on disk. */
  constructor(public readonly dir?: string) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.lockFile = lockLogDir(dir);
  }

  /** A line sink for one function. */
  sink(functionName: string): (line: string) => void {
    const file = this.dir ? createWriteStream(join(this.dir, `${functionName}.log`)) : undefined;
    if (file) this.files.push(file);
    let lineNumber = 0;
    return (line) => {
      this.lines++;
      lineNumber++;
      file?.write(`${line}\n`);
      if (line.includes('ERROR')) this.inspect(functionName, line);
      if (line.includes('"_aws"')) this.metrics.add(line, functionName, lineNumber);
    };
  }

  /** Resolves once every line written so far is in its file. */
  async flush(): Promise<void> {
    while (this.files.some((f) => f.writableLength > 0)) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => new Promise((resolve) => f.end(resolve))));
    if (this.lockFile) {
      rmSync(this.lockFile, { force: true });
      held.delete(this.lockFile);
    }
    this.lockFile = undefined;
  }

  private inspect(functionName: string, line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (String(record.level ?? record.logLevel).toUpperCase() !== 'ERROR') return;
    this.errorLines++;
    if (typeof record.messageId !== 'string') return;
    const reason = record.reason ?? record.message ?? 'unknown';
    this.reasons.set(record.messageId, {
      functionName,
      messageId: record.messageId,
      reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
      eventId: typeof record.eventId === 'string' ? record.eventId : undefined,
      ...(record.deadLettered === true ? { deadLettered: true } : {}),
    });
    if (record.deadLettered === true) {
      const ids = this.deadLettered.get(functionName) ?? new Set<string>();
      this.deadLettered.set(functionName, ids.add(record.messageId));
    }
  }
}

/** Lock files this process holds: a second pipeline in the same process must not take them either. */
const held = new Set<string>();

/** Takes `<dir>/.lock` for this process, or throws if a live process (this one included) holds it. */
function lockLogDir(dir: string): string {
  const file = resolve(dir, '.lock');
  const inUse = (by: string) =>
    new LogDirInUseError(
      `the function logs folder ${dir} is in use by another local run (${by}): give this run a folder of its own ` +
        'with --endpoints-file in another folder (its logs go beside it) or --log-dir',
    );
  if (held.has(file)) throw inUse('in this process');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(file);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder !== process.pid && isAlive(holder)) {
        throw inUse(`pid ${holder}`);
      }
      rmSync(file, { force: true }); // left by a run that ended without stopping
    }
  }
  throw new LogDirInUseError(`could not take ${file}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
