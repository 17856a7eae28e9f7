/**
 * Captures what the handlers log. Every line goes to .local/logs/<function>.log; JSON records at
 * ERROR that carry a messageId (how the handlers report a failed record, or one they sent to the
 * dead-letter queue themselves, with `deadLettered: true`) are kept, so the summary can say why a
 * message was dead-lettered.
 */
import { type WriteStream, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

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
  public lines = 0;
  public errorLines = 0;
  private readonly files: WriteStream[] = [];

  /** @param dir where log files go; undefined keeps nothing on disk. */
  constructor(private readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** A line sink for one function. */
  sink(functionName: string): (line: string) => void {
    const file = this.dir ? createWriteStream(join(this.dir, `${functionName}.log`)) : undefined;
    if (file) this.files.push(file);
    return (line) => {
      this.lines++;
      file?.write(`${line}\n`);
      if (line.includes('ERROR')) this.inspect(functionName, line);
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => new Promise((resolve) => f.end(resolve))));
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
