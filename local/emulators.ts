/**
 * Starts fauxqs (SNS + SQS) and dynalite (DynamoDB) in this process, each in its own thread so
 * they use the second core, listening on 127.0.0.1 on free ports.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from './thread-cpu';

export interface Emulators {
  /** SNS and SQS endpoint (fauxqs serves both). */
  readonly snsSqsEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly region: string;
  /** fauxqs puts every queue in this account. */
  readonly accountId: string;
  /** The URL fauxqs gives a queue created through its API. */
  queueUrl(queueName: string): string;
  /** Milliseconds each emulator thread has spent running (not idle) so far. */
  activeMs(): { fauxqs: number; dynalite: number };
  /** CPU milliseconds each emulator thread has used so far (Linux only). */
  cpuMs(): { fauxqs?: number; dynalite?: number };
  stop(): Promise<void>;
}

const THREAD_FILE = join(__dirname, 'runtime', 'emulator-thread.mjs');
const STOP_TIMEOUT_MS = 5_000;

interface EmulatorThread {
  readonly port: number;
  activeMs(): number;
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

function startThread(kind: 'fauxqs' | 'dynalite', region: string): Promise<EmulatorThread> {
  const worker = new Worker(THREAD_FILE, {
    workerData: { kind, region },
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { type: string; port?: number; message?: string; tid?: number }) => {
      if (message.type !== 'listening' || message.port === undefined) {
        void worker.terminate();
        reject(new Error(`${kind} did not start: ${message.message ?? message.type}`));
        return;
      }
      resolve({
        port: message.port,
        activeMs: () => worker.performance.eventLoopUtilization().active,
        cpuMs: () => threadCpuMs(message.tid),
        stop: () => stopThread(worker),
      });
    });
  });
}

async function stopThread(worker: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
    worker.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage('stop');
  });
  await worker.terminate();
}

export async function startEmulators(region: string): Promise<Emulators> {
  const [fauxqs, dynalite] = await Promise.allSettled([startThread('fauxqs', region), startThread('dynalite', region)]);
  if (fauxqs.status === 'rejected' || dynalite.status === 'rejected') {
    await Promise.all([fauxqs, dynalite].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    const reason = fauxqs.status === 'rejected' ? fauxqs.reason : (dynalite as PromiseRejectedResult).reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  const sqsPort = fauxqs.value.port;
  return {
    snsSqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynalite.value.port}`,
    region,
    accountId: '000000000000',
    queueUrl: (name) => `http://sqs.${region}.localhost:${sqsPort}/000000000000/${name}`,
    activeMs: () => ({ fauxqs: fauxqs.value.activeMs(), dynalite: dynalite.value.activeMs() }),
    cpuMs: () => ({ fauxqs: fauxqs.value.cpuMs(), dynalite: dynalite.value.cpuMs() }),
    stop: async () => {
      await Promise.all([fauxqs.value.stop(), dynalite.value.stop()]);
    },
  };
}
