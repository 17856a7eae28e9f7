// A DynamoDB request counter, in its own thread: a proxy on a loopback port that
// counts each request by X-Amz-Target and, for writes, the items and write
// request units they carry, in front of `workerData.upstream` or, without one,
// of a dynalite of its own. The parent points AWS_ENDPOINT_URL_DYNAMODB at the
// proxy and asks for the counts with the message 'counts'; 'stop' closes the
// servers this thread started.
import { Agent, createServer, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { writeUnits } from './item-size.mjs';

const counts = { requests: {}, items: {}, writeUnits: {}, errors: {} };
const add = (map, key, n = 1) => (map[key] = (map[key] ?? 0) + n);

/** Items written by a PutItem or BatchWriteItem body, with their table. */
function writesOf(action, body) {
  if (action === 'PutItem') return [{ table: body.TableName, item: body.Item }];
  if (action === 'BatchWriteItem') {
    return Object.entries(body.RequestItems ?? {}).flatMap(([table, requests]) =>
      requests.filter((r) => r.PutRequest).map((r) => ({ table, item: r.PutRequest.Item })),
    );
  }
  return [];
}

let dynamo;
let upstream;
if (workerData?.upstream) {
  upstream = new URL(workerData.upstream);
} else {
  dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  upstream = new URL(`http://127.0.0.1:${dynamo.address().port}`);
}
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const proxy = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const payload = Buffer.concat(chunks);
    const action = String(req.headers['x-amz-target'] ?? 'unknown').split('.').pop();
    add(counts.requests, action);
    try {
      for (const { table, item } of writesOf(action, JSON.parse(payload.toString('utf8')))) {
        add(counts.items, table);
        add(counts.writeUnits, table, writeUnits(item));
      }
    } catch {
      // Not JSON: dynalite answers with the error.
    }
    const forward = request(
      { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if ((answer.statusCode ?? 500) >= 400) add(counts.errors, action);
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    forward.end(payload);
  });
});
proxy.keepAliveTimeout = 60_000;
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));

parentPort.on('message', (message) => {
  if (message === 'counts') parentPort.postMessage({ type: 'counts', counts });
  if (message === 'stop') {
    proxy.closeAllConnections();
    dynamo?.closeAllConnections();
    agent.destroy();
    const stopped = () => parentPort.postMessage({ type: 'stopped' });
    proxy.close(() => (dynamo ? dynamo.close(stopped) : stopped()));
  }
});
parentPort.postMessage({ type: 'listening', port: proxy.address().port });
