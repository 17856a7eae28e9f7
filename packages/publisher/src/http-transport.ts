/**
 * Sends a batch to the Events API (`POST {url}/events`): one event as
 * `application/cloudevents+json`, two to ten as `application/cloudevents-batch+json`.
 * The API answers 202 with a receipt per event (by index in the request, for
 * a batch) and the entries the topic refused; see docs/wire-contract.md.
 */
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { PublishFailure } from './errors';
import type { PreparedEvent } from './prepare';
import { type CallDelivery, type CallErrorKind, entryFailure, networkCode } from './retry';
import { ApiSigner, type EventsApiSigV4Options } from './sigv4';
import type { CallOutcome, EntryReceipt, EntryRefusal, FailedCall, Transport } from './transport';

/** Where and how to reach the Events API. */
export interface EventsApiOptions {
  /**
   * The API's stage URL, as the construct's `url` and the stack's `EventsApiUrl` output give it
   * (`https://{id}.execute-api.{region}.amazonaws.com/v1`): events are POSTed to `{url}/events`.
   */
  readonly url: string;
  /**
   * An API key, sent as `x-api-key` (a partner's key of the API's usage plans).
   * @default - none
   */
  readonly apiKey?: string;
  /**
   * Sign each request with SigV4 for `execute-api` (IAM authorization, the API's default).
   * `true` signs with the SDK's default credentials and the URL's region.
   * @default false
   */
  readonly sigv4?: boolean | EventsApiSigV4Options;
  /**
   * More headers for each request, e.g. the token an API's own authorizer reads.
   * @default - none
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * How long a request may wait for its answer before it is given up (then `unknown`: it may have been received).
   * @default 30000 (API Gateway gives up on its integration after 29 s)
   */
  readonly timeoutMs?: number;
}

export const SINGLE_CONTENT_TYPE = 'application/cloudevents+json';
export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

/** API Gateway gives up on its integration after 29 s. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** An answer of the API. */
interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly text: string;
}

/** A request that got no complete answer; `connected` when the request may have been read. */
interface NoAnswer {
  readonly error: Error & { code?: unknown };
  readonly connected: boolean;
}

export class HttpTransport implements Transport {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly signer?: ApiSigner;
  private readonly timeoutMs: number;

  public constructor(
    private readonly options: EventsApiOptions,
    lanes: number,
    private readonly now: () => Date,
  ) {
    this.url = eventsUrl(options.url);
    const agentOptions = { keepAlive: true, maxSockets: lanes };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    if (options.sigv4) this.signer = new ApiSigner(options.sigv4 === true ? {} : options.sigv4, this.url.hostname);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Closes the kept-alive connections. */
  public destroy(): void {
    this.agent.destroy();
  }

  public async send(batch: readonly PreparedEvent[]): Promise<CallOutcome> {
    const single = batch.length === 1;
    const body = single ? batch[0].body : `[${batch.map((event) => event.body).join(',')}]`;
    let headers: Record<string, string>;
    try {
      headers = await this.headers(body, single ? SINGLE_CONTENT_TYPE : BATCH_CONTENT_TYPE);
    } catch (error) {
      // No credentials or no region: nothing was sent, and no later request can be signed either.
      const e = error instanceof Error ? error : new Error(String(error));
      return failedCall('fatal', 'not-sent', { code: e.name === 'Error' ? 'SigningFailed' : e.name, message: e.message, retryable: false });
    }
    const answer = await this.post(headers, body);
    if ('error' in answer) return noAnswer(answer);
    return answered(answer, batch.length, single);
  }

  private async headers(body: string, contentType: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      ...this.options.headers,
      host: this.url.host,
      'content-type': contentType,
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...(this.options.apiKey !== undefined ? { 'x-api-key': this.options.apiKey } : {}),
    };
    if (!this.signer) return headers;
    return this.signer.sign(
      {
        method: 'POST',
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        ...(this.url.port ? { port: Number(this.url.port) } : {}),
        path: this.url.pathname,
        headers,
        body,
      },
      this.now(),
    );
  }

  /** POSTs the body; never rejects. */
  private post(headers: Record<string, string>, body: string): Promise<Answer | NoAnswer> {
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let connected = false;
      let settled = false;
      const done = (result: Answer | NoAnswer) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const fail = (error: Error) => done({ error, connected });
      const req = send({
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port || undefined,
        path: this.url.pathname,
        method: 'POST',
        headers,
        agent: this.agent,
      });
      req.on('socket', (socket: Socket) => {
        // A kept-alive socket is connected already; a new one is once its TCP (and TLS) handshake is done.
        if (!socket.connecting) connected = true;
        else socket.once(this.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      });
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        });
      });
      req.end(body);
    });
  }
}

/** `{url}/events`, from the stage URL. */
export function eventsUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`api.url must be the API's stage URL, http(s)://host/stage (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RangeError(`api.url must be an http(s) URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.search || parsed.hash) throw new RangeError(`api.url takes no query or fragment (got ${JSON.stringify(url)})`);
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/events`;
  return parsed;
}

function failedCall(kind: CallErrorKind, delivery: CallDelivery, failure: PublishFailure, retryAfterMs?: number): FailedCall {
  return { answered: false, kind, delivery, failure, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * No complete answer. Before the connection was made, nothing was sent:
 * `not-sent` (and nothing listening, or no such host, stops the run). After,
 * the API may have read the request and published: `uncertain`, retryable.
 */
function noAnswer({ error, connected }: NoAnswer): FailedCall {
  const code = networkCode(error) ?? error.name;
  const failure = { code, message: error.message || code, retryable: true };
  if (connected) return failedCall('retryable', 'uncertain', failure);
  if (NOT_CONNECTED_CODES.has(code)) return failedCall('fatal', 'not-sent', failure);
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET') return failedCall('retryable', 'not-sent', failure);
  // A TLS failure (a certificate refused), a bad header: no later request would go either.
  return failedCall('fatal', 'not-sent', { ...failure, retryable: false });
}

/** The API's JSON error body: `{"error", "message", "code"?, "retryAfterSeconds"?}`. */
interface ErrorBody {
  readonly error?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly retryAfterSeconds?: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The status's meaning: see the table in docs/cli.md ("Publishing through the Events API"). */
function answered(answer: Answer, size: number, single: boolean): CallOutcome {
  const { status } = answer;
  const json = parseJson(answer.text);
  if (status >= 200 && status < 300) return receipts(json, size, single);
  const body: ErrorBody = typeof json === 'object' && json !== null ? (json as ErrorBody) : {};
  const code = typeof body.error === 'string' && body.error !== '' ? body.error : `HTTP${status}`;
  const detail = typeof body.code === 'string' && body.code !== '' ? ` (${body.code})` : '';
  const text = typeof body.message === 'string' ? body.message : answer.text.trim().slice(0, 200);
  const message = `${status}: ${text || 'no message'}${detail}`;
  const failure = (retryable: boolean): PublishFailure => ({ code, message, retryable, status });
  if (status === 429 || status === 503) {
    // Refused for now (429), or the topic failed behind the API (503: an SNS 5xx, which may have published).
    return failedCall('retryable', status === 429 ? 'refused' : 'uncertain', failure(true), retryAfter(answer.headers, body));
  }
  if (status === 502 || status === 504) return failedCall('retryable', 'uncertain', failure(true));
  // 401/403: the key or the signature is refused; 404: no such API; 415: our content type;
  // 500: the API's own fault ("retrying will not help"): no later request would pass either.
  if ([401, 403, 404, 415, 500].includes(status)) return failedCall('fatal', 'refused', failure(false));
  if (status >= 500) return failedCall('retryable', 'uncertain', failure(true));
  // 400 (the model or the topic refused the request: the message names the field), 413 (too large), the rest.
  return failedCall('batch', 'refused', failure(false));
}

/** A 2xx: the receipts, by index in the request; entries without one may have been published. */
function receipts(json: unknown, size: number, single: boolean): CallOutcome {
  const noResult = { code: 'NoReceipt', message: 'the Events API accepted the request and returned no receipt for this event' };
  const successful: EntryReceipt[] = [];
  const failed: EntryRefusal[] = [];
  const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const receipt = (n: number, r: Record<string, unknown>) => {
    if (typeof r.messageId !== 'string' || r.messageId === '') return;
    const sequenceNumber = typeof r.sequenceNumber === 'string' && r.sequenceNumber !== '' ? { sequenceNumber: r.sequenceNumber } : {};
    successful.push({ n, messageId: r.messageId, ...sequenceNumber });
  };
  const isIndex = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) < size;
  if (single && !Array.isArray(body.receipts)) {
    receipt(0, body);
  } else {
    for (const r of Array.isArray(body.receipts) ? (body.receipts as unknown[]) : []) {
      if (typeof r === 'object' && r !== null && isIndex((r as Record<string, unknown>).index)) {
        receipt((r as { index: number }).index, r as Record<string, unknown>);
      }
    }
    for (const f of Array.isArray(body.failed) ? (body.failed as unknown[]) : []) {
      if (typeof f !== 'object' || f === null) continue;
      const { index, code, senderFault, message } = f as Record<string, unknown>;
      if (!isIndex(index)) continue;
      const entry = {
        Id: String(index),
        Code: typeof code === 'string' && code !== '' ? code : 'Unknown',
        SenderFault: senderFault === true,
        Message: typeof message === 'string' ? message : `the topic refused the event${senderFault === true ? '' : ' (a fault on its side)'}`,
      };
      failed.push({ n: index, failure: { ...entryFailure(entry), status: 202 } });
    }
  }
  return { answered: true, successful, failed, noResult };
}

/** Retry-After (seconds, or an HTTP date), else the body's `retryAfterSeconds`, in ms. */
function retryAfter(headers: IncomingMessage['headers'], body: ErrorBody): number | undefined {
  const header = headers['retry-after'];
  if (typeof header === 'string' && header.trim() !== '') {
    if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  if (typeof body.retryAfterSeconds === 'number' && body.retryAfterSeconds >= 0) return body.retryAfterSeconds * 1000;
  return undefined;
}
