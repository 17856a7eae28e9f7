/**
 * What the proxies of the fault scenarios share: reading a whole body, and forwarding a request to
 * the server behind them.
 */
import { type Agent, type IncomingMessage, request } from 'node:http';

export interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Sends `req`, with `body` in place of its own, to `target`, and reads the whole answer. */
export function forward(agent: Agent, target: URL, req: IncomingMessage, body: Buffer, fallbackStatus: number): Promise<Upstream> {
  const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
  return new Promise((resolve, reject) => {
    const out = request({ agent, host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (res) => {
      readBody(res).then((b) => resolve({ status: res.statusCode ?? fallbackStatus, headers: res.headers, body: b }), reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}
