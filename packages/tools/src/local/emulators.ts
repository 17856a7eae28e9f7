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
  /**
   * Stops dynalite and starts it again on the same port and the same on-disk store, as an
   * emulator crash would. Needs `dynamodbPath`. Resolves once it listens again.
   */
  restartDynamodb(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Directory where dynalite keeps its tables (LevelDB). @default in memory */
  readonly dynamodbPath?: string;
}

const THREAD_FILE = join(__dirname, 'runtime', 'emulator-thread.mjs');
const STOP_TIMEOUT_MS = 5_000;

interface EmulatorThread {
  readonly port: number;
  activeMs(): number;
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

function startThread(
  kind: 'fauxqs' | 'dynalite',
  region: string,
  options: { port?: number; path?: string } = {},
): Promise<EmulatorThread> {
  const worker = new Worker(THREAD_FILE, {
    workerData: { kind, region, ...options },
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

export async function startEmulators(region: string, options: EmulatorOptions = {}): Promise<Emulators> {
  const path = options.dynamodbPath;
  const [fauxqs, dynalite] = await Promise.allSettled([
    startThread('fauxqs', region),
    startThread('dynalite', region, { path }),
  ]);
  if (fauxqs.status === 'rejected' || dynalite.status === 'rejected') {
    await Promise.all([fauxqs, dynalite].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    const reason = fauxqs.status === 'rejected' ? fauxqs.reason : (dynalite as PromiseRejectedResult).reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  const sqsPort = fauxqs.value.port;
  let dynamodb = dynalite.value;
  return {
    snsSqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynalite.value.port}`,
    region,
    accountId: '000000000000',
    queueUrl: (name) => `http://sqs.${region}.localhost:${sqsPort}/000000000000/${name}`,
    activeMs: () => ({ fauxqs: fauxqs.value.activeMs(), dynalite: dynamodb.activeMs() }),
    cpuMs: () => ({ fauxqs: fauxqs.value.cpuMs(), dynalite: dynamodb.cpuMs() }),
    restartDynamodb: async () => {
      if (!path) throw new Error('restartDynamodb needs dynamodbPath: an in-memory dynalite would lose its tables');
      await dynamodb.stop();
      dynamodb = await startThread('dynalite', region, { path, port: dynamodb.port });
    },
    stop: async () => {
      await Promise.all([fauxqs.value.stop(), dynamodb.stop()]);
    },
  };
}
