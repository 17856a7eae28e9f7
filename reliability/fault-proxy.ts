/**
 * An HTTP proxy between the functions and dynalite that injects DynamoDB faults on a seeded random
 * schedule, and records every write that lands (see WriteLog), so that rewrites and double
 * applications are measured rather than assumed.
 *
 * The same seed gives the same sequence of decisions; which request gets which decision depends on
 * the order in which requests arrive.
 */
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../packages/tools/src/local/scenario';
import { type Upstream, forward, readBody } from './http-forward';
import { WriteLog, type WriteRequest, parseWriteRequest } from './write-log';

export type FaultKind =
  | 'throughput'
  | 'throttling'
  | 'server-error'
  | 'unprocessed'
  | 'slow'
  | 'lost-response'
  | 'crash-exit'
  | 'crash-throw'
  | 'swallow';

export const FAULT_KINDS: readonly FaultKind[] = [
  'throughput',
  'throttling',
  'server-error',
  'unprocessed',
  'slow',
  'lost-response',
  'crash-exit',
  'crash-throw',
  'swallow',
];

export interface FaultRule {
  readonly kind: FaultKind;
  /** Share of the matching requests that get this fault, in [0, 1]. */
  readonly rate: number;
  /** Operations it applies to. @default BatchWriteItem and PutItem; unprocessed: BatchWriteItem only */
  readonly operations?: readonly string[];
  /** Only requests that carry an item of a matching subject. @default every subject */
  readonly subject?: (subject: string) => boolean;
  /** At most this many injections of this kind. @default no limit */
  readonly limit?: number;
  /** slow: the delay, uniformly between half and one and a half times this. @default 200 */
  readonly delayMs?: number;
}

/** Response header that asks the execution environment to crash (see runtime/crash-hook.cjs). */
export const CRASH_HEADER = 'x-local-fault';

const WRITES = ['BatchWriteItem', 'PutItem'];
const ERRORS: Partial<Record<FaultKind, { status: number; type: string; message: string }>> = {
  throughput: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  },
  throttling: {
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  'server-error': {
    status: 500,
    type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'Internal server error',
  },
};
const LOST_RESPONSE = ERRORS['server-error']!;

export interface FaultProxyOptions {
  readonly target: string;
  readonly seed: number;
}

export class FaultProxy {
  /** Faults injected so far, by kind. */
  public readonly injected = new Map<FaultKind, number>(FAULT_KINDS.map((k) => [k, 0]));
  public readonly writes = new WriteLog();
  public requests = 0;
  /** BatchWriteItem and PutItem requests. */
  public writeRequests = 0;
  /** Requests that could not reach dynalite (it was down): the caller's connection is reset. */
  public upstreamErrors = 0;
  /**
   * Item keys of writes answered with success but never forwarded (`swallow`): a broken store, to
   * show that the conservation check notices what goes missing.
   */
  public readonly swallowed = new Set<string>();
  private rules: FaultRule[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly random: () => number;
  private readonly target: URL;

  private constructor(
    private readonly server: Server,
    options: FaultProxyOptions,
  ) {
    this.target = new URL(options.target);
    this.random = seededRandom(options.seed);
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ keepAlive: true });
    const proxy = new FaultProxy(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Replaces the fault schedule; an empty list passes everything through. */
  setRules(rules: readonly FaultRule[]): void {
    this.rules = [...rules];
  }

  injectedTotal(kinds: readonly FaultKind[] = FAULT_KINDS): number {
    return kinds.reduce((n, k) => n + (this.injected.get(k) ?? 0), 0);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    this.agent.destroy();
  }

  private choose(operation: string, write: WriteRequest | undefined): FaultRule | undefined {
    for (const rule of this.rules) {
      const operations = rule.operations ?? (rule.kind === 'unprocessed' ? ['BatchWriteItem'] : WRITES);
      if (!operations.includes(operation)) continue;
      if (rule.subject && !write?.subjects.some(rule.subject)) continue;
      if (rule.limit !== undefined && (this.injected.get(rule.kind) ?? 0) >= rule.limit) continue;
      if (rule.kind === 'unprocessed' && (write?.items.length ?? 0) === 0) continue;
      if (this.random() < rule.rate) return rule;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const write = parseWriteRequest(operation, body);
    if (write) this.writeRequests++;
    const rule = this.choose(operation, write);
    const fault = rule?.kind;
    if (fault) this.injected.set(fault, this.injected.get(fault)! + 1);

    const error = fault ? ERRORS[fault] : undefined;
    if (error) return void sendError(res, error);
    if (fault === 'swallow') {
      write?.items.forEach((item) => this.swallowed.add(item.key));
      return void sendJson(res, operation === 'BatchWriteItem' ? { UnprocessedItems: {} } : {});
    }
    if (fault === 'slow') await sleep((rule?.delayMs ?? 200) * (0.5 + this.random()));

    let forwarded = body;
    let held: Set<string> | undefined;
    if (fault === 'unprocessed' && write) {
      held = pickHalf(write.items.map((i) => i.key), this.random);
      // Nothing left to forward (DynamoDB refuses an empty BatchWriteItem): DynamoDB processed nothing.
      if (held.size === write.items.length) return void sendJson(res, { UnprocessedItems: write.requestsFor(held) });
      forwarded = write.without(held);
    }
    const sentAt = Date.now();
    let upstream: Upstream;
    try {
      upstream = await forward(this.agent, this.target, req, forwarded, 500);
    } catch {
      // dynalite is down (restarting): reset the caller's connection, as a dead endpoint would.
      this.upstreamErrors++;
      req.socket.destroy();
      return;
    }
    if (write) this.writes.record(write, upstream.status, upstream.body, sentAt, Date.now(), held);

    if (fault === 'lost-response') return void sendError(res, LOST_RESPONSE);
    let responseBody = upstream.body;
    if (held && upstream.status === 200) responseBody = withUnprocessed(upstream.body, write!, held);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !['content-length', 'transfer-encoding', 'x-amz-crc32', 'connection', 'keep-alive'].includes(name)) {
        headers[name] = value;
      }
    }
    if (fault === 'crash-exit') headers[CRASH_HEADER] = 'exit';
    if (fault === 'crash-throw') headers[CRASH_HEADER] = 'throw';
    headers['content-length'] = String(responseBody.length);
    res.writeHead(upstream.status, headers);
    res.end(responseBody);
  }

}

function sendError(res: ServerResponse, error: { status: number; type: string; message: string }): void {
  sendJson(res, { __type: error.type, message: error.message }, error.status);
}

function sendJson(res: ServerResponse, json: unknown, status = 200): void {
  const body = JSON.stringify(json);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': `fault-${Date.now()}`,
  });
  res.end(body);
}

/** About half of the keys, at least one. */
function pickHalf(keys: string[], random: () => number): Set<string> {
  const held = new Set(keys.filter(() => random() < 0.5));
  if (held.size === 0) held.add(keys[Math.floor(random() * keys.length)]);
  return held;
}

/** dynalite's answer, plus the held-back requests as UnprocessedItems. */
function withUnprocessed(body: Buffer, write: WriteRequest, held: Set<string>): Buffer {
  const json = JSON.parse(body.toString('utf8')) as { UnprocessedItems?: Record<string, unknown[]> };
  const unprocessed = json.UnprocessedItems ?? {};
  for (const [table, requests] of Object.entries(write.requestsFor(held))) {
    unprocessed[table] = [...(unprocessed[table] ?? []), ...requests];
  }
  json.UnprocessedItems = unprocessed;
  return Buffer.from(JSON.stringify(json));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

