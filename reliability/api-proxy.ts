/**
 * An HTTP proxy in front of the local Events API that loses answers: it forwards a request, waits
 * for the API's whole answer (so whatever the API did, it did) and then, on a seeded random
 * schedule, drops that answer by resetting the client's connection instead of sending it on. It
 * records every POST and what the API answered, so that what was accepted, and which answers were
 * dropped, are measured at the wire.
 */
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../packages/tools/src/local/scenario';
import { type Upstream, forward, readBody } from './http-forward';

export interface LoseAnswers {
  /** Share of the answers to matching requests that are dropped, in [0, 1]. */
  readonly rate: number;
  /** Only answers with this status are dropped. @default 202 */
  readonly status?: number;
  /** Only requests with this method and a path ending so. @default POST, /events */
  readonly method?: string;
  readonly pathEnding?: string;
  /** The first matching answers are dropped until this many were. @default 0 */
  readonly first?: number;
  /** At most this many dropped. @default no limit */
  readonly limit?: number;
}

/** One request the proxy forwarded, and what the API answered. */
export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
  readonly status: number;
  readonly answer: string;
  /** The answer never reached the client: its connection was reset. */
  readonly dropped: boolean;
}

export class LosingProxy {
  /** Every request forwarded, in the order the API answered. */
  public readonly forwarded: ForwardedRequest[] = [];
  /** Answers dropped so far. */
  public dropped = 0;
  private rule?: LoseAnswers;
  private matched = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private readonly random: () => number;
  private readonly target: URL;

  private constructor(
    private readonly server: Server,
    target: string,
    seed: number,
  ) {
    this.target = new URL(target);
    this.random = seededRandom(seed);
    server.on('request', (req, res) => void this.handle(req, res));
  }

  /** @param target the API's origin, `http://127.0.0.1:{port}` */
  static async start(target: string, seed: number): Promise<LosingProxy> {
    const server = createServer({ keepAlive: true });
    const proxy = new LosingProxy(server, target, seed);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  /** `http://127.0.0.1:{port}`: put the stage's path after it. */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sets what to drop; undefined passes every answer on. */
  lose(rule: LoseAnswers | undefined): void {
    this.rule = rule;
    this.matched = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    this.agent.destroy();
  }

  private drops(method: string, path: string, status: number): boolean {
    const r = this.rule;
    if (!r) return false;
    if (method !== (r.method ?? 'POST') || !path.split('?')[0].endsWith(r.pathEnding ?? '/events') || status !== (r.status ?? 202)) return false;
    if (r.limit !== undefined && this.dropped >= r.limit) return false;
    this.matched++;
    return this.matched <= (r.first ?? 0) || this.random() < r.rate;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    let upstream: Upstream;
    try {
      upstream = await forward(this.agent, this.target, req, body, 502);
    } catch {
      req.socket.destroy();
      return;
    }
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const dropped = this.drops(method, path, upstream.status);
    this.forwarded.push({
      method,
      path,
      contentType: String(req.headers['content-type'] ?? ''),
      body: body.toString('utf8'),
      status: upstream.status,
      answer: upstream.body.toString('utf8'),
      dropped,
    });
    if (dropped) {
      this.dropped++;
      // The API answered; the client never hears it, as when a connection breaks on the way back.
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) headers[name] = value;
    }
    headers['content-length'] = String(upstream.body.length);
    res.writeHead(upstream.status, headers);
    res.end(upstream.body);
  }

}

