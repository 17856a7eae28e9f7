// Runs one emulator (fauxqs or dynalite) in its own thread, listening on 127.0.0.1 only, on
// `port` when given (a restart keeps its port), else on a free one. dynalite keeps its tables in
// LevelDB under `path` when given, else in memory.
// The parent sends 'stop'; the thread answers 'stopped' once the server is closed.
import { readFileSync, readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { archiveAndReplay } from './fauxqs-archive.cjs';
import { receiveFifoLikeSqs } from './fauxqs-fifo.cjs';

const { kind, region, port = 0, path } = workerData;

async function startFauxqs() {
  const entry = import.meta.resolve('fauxqs');
  const { buildApp } = await import(entry);
  // The queue class is not exported; the same module instance is reached by its file URL.
  const internal = (file) => import(new URL(file, entry).href);
  const { SqsQueue, SqsStore } = await internal('./sqs/sqsStore.js');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', entry), 'utf8'));
  receiveFifoLikeSqs(SqsQueue, version);
  // SNS FIFO message archiving and replay, which fauxqs has not: around its SNS handlers, so that
  // every publisher is covered. Patched before buildApp registers them.
  const { SnsRouter } = await internal('./sns/snsRouter.js');
  const { SnsError } = await internal('./common/errors.js');
  const { snsSuccessResponse } = await internal('./common/xml.js');
  const { matchesFilterPolicy, matchesFilterPolicyOnBody } = await internal('./sns/filter.js');
  archiveAndReplay(SnsRouter, { SqsStore, SnsError, snsSuccessResponse, matchesFilterPolicy, matchesFilterPolicyOnBody }, version);
  // startFauxqs() listens on 0.0.0.0; buildApp + listen lets us bind loopback only.
  const app = buildApp({ logger: false, defaultRegion: region });
  await app.listen({ port, host: '127.0.0.1' });
  return { port: app.server.address().port, close: () => app.close() };
}

async function startDynalite() {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The kernel thread id, so the parent can read this thread's CPU time from /proc.
function threadId() {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

try {
  const server = kind === 'fauxqs' ? await startFauxqs() : await startDynalite();
  parentPort.on('message', async (message) => {
    if (message !== 'stop') return;
    await server.close().catch(() => undefined);
    parentPort.postMessage({ type: 'stopped' });
  });
  parentPort.postMessage({ type: 'listening', port: server.port, tid: threadId() });
} catch (error) {
  parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
}
