/**
 * Counts DynamoDB requests on their way to an emulator: a proxy in a worker
 * thread (bench/runtime/counting-dynalite.mjs), in front of a given endpoint or
 * of a dynalite of its own.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';

export interface DynamoDbCounts {
  /** Requests by action (the X-Amz-Target operation). */
  readonly requests: Record<string, number>;
  /** Items written, by table. */
  readonly items: Record<string, number>;
  /** Write request units of the items written, by table (standard writes, 1 KB each). */
  readonly writeUnits: Record<string, number>;
  /** Requests answered with an error (4xx or 5xx), by action. */
  readonly errors: Record<string, number>;
}

export interface DynamoDbCounter {
  readonly endpoint: string;
  counts(): Promise<DynamoDbCounts>;
  stop(): Promise<void>;
}

export async function startDynamoDbCounter(upstream?: string): Promise<DynamoDbCounter> {
  const worker = new Worker(path.join(__dirname, 'runtime', 'counting-dynalite.mjs'), { execArgv: [], workerData: { upstream } });
  const ask = <T>(message: string, type: string) =>
    new Promise<T>((resolve) => {
      const listener = (m: { type: string } & T) => {
        if (m.type !== type) return;
        worker.off('message', listener);
        resolve(m);
      };
      worker.on('message', listener);
      worker.postMessage(message);
    });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port: number }) => resolve(m.port));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: async () => (await ask<{ counts: DynamoDbCounts }>('counts', 'counts')).counts,
    stop: async () => {
      await ask('stop', 'stopped');
      await worker.terminate();
    },
  };
}

/** b − a, key by key, keeping the keys that grew. */
export function countsSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );
}
