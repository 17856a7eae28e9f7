/**
 * A producer that publishes through the Events API over HTTP, as a partner would: one event per
 * request or batches, with its API key, retrying what it cannot know was accepted (a connection
 * that broke before the answer, a throttle, a 5xx) with the same body, so with the same event ids.
 * And the ledger of what the API accepted, read from the requests a proxy saw answered 202.
 */
import { Agent, request } from 'node:http';
import { BATCH_CONTENT_TYPE, SINGLE_CONTENT_TYPE } from '../packages/publisher/src';
import type { CloudEvent } from '../packages/tools/src/local/scenario';
import type { ForwardedRequest } from './api-proxy';
import { type PublishedMessage, eventMessage } from './ledger';


export interface ApiClientOptions {
  /** The stage URL, `http://127.0.0.1:{port}/{stage}`, without a trailing slash. */
  readonly stageUrl: string;
  readonly apiKey: string;
  /** Requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Attempts per request, the first included. @default 10 */
  readonly maxAttempts?: number;
  /**
   * Gives the events of a retry new ids: what a client must not do (a negative control: the
   * retry is then another event, which the checks must find doubled). @default false
   */
  readonly newIdOnRetry?: boolean;
}

export interface ApiClientOutcome {
  readonly requests: number;
  readonly attempts: number;
  /** Attempts whose connection broke before an answer came. */
  readonly resets: number;
  /** Answers 429 or 503, retried after Retry-After. */
  readonly throttled: number;
  /** Events the API finally answered 202 for, and the requests it never did, with their last status. */
  readonly accepted: number;
  readonly failed: { readonly ids: string[]; readonly status: number | 'reset' }[];
}

export interface ApiAnswer {
  readonly status: number;
  readonly retryAfter?: number;
  readonly body: string;
}

/** One `POST /events` over `agent`, with the partner's key; resolves with the whole answer. */
export function postEvents(agent: Agent, url: URL, contentType: string, apiKey: string, body: string): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': contentType, 'x-api-key': apiKey, accept: 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const retryAfter = Number(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Entries of a batch the API answered 202 but SNS did not take: the batch receipt's `failed` indexes. */
function failedIndexes(answer: string): Set<number> {
  try {
    const json = JSON.parse(answer) as { failed?: { index?: unknown }[] };
    return new Set((json.failed ?? []).map((f) => Number(f.index)));
  } catch {
    return new Set();
  }
}

/**
 * Publishes each request (one event alone, or a batch) through the API, retrying with the same
 * body after a broken connection, a 429 or a 5xx, and the failed entries of a batch.
 */
export async function publishThroughApi(requests: readonly (readonly CloudEvent[])[], options: ApiClientOptions): Promise<ApiClientOutcome> {
  const url = new URL(`${options.stageUrl}/events`);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  const maxAttempts = options.maxAttempts ?? 10;
  let attempts = 0;
  let resets = 0;
  let throttled = 0;
  let accepted = 0;
  const failed: ApiClientOutcome['failed'][number][] = [];
  const send = async (first: readonly CloudEvent[], single: boolean) => {
    let events = [...first];
    let last: number | 'reset' = 'reset';
    for (let attempt = 1; attempt <= maxAttempts && events.length > 0; attempt++) {
      if (attempt > 1 && options.newIdOnRetry) events = events.map((e) => ({ ...e, id: `${e.id}.retry${attempt}` }));
      attempts++;
      let answer: ApiAnswer;
      try {
        answer = await postEvents(agent, url, single ? SINGLE_CONTENT_TYPE : BATCH_CONTENT_TYPE, options.apiKey, JSON.stringify(single ? events[0] : events));
      } catch {
        // No answer: the events may or may not be published. Send them again.
        resets++;
        last = 'reset';
        await sleep(20);
        continue;
      }
      last = answer.status;
      if (answer.status === 202) {
        const failedAt = single ? new Set<number>() : failedIndexes(answer.body);
        accepted += events.length - failedAt.size;
        events = events.filter((_, i) => failedAt.has(i));
        continue;
      }
      if (answer.status === 429 || answer.status >= 500) {
        if (answer.status === 429 || answer.status === 503) throttled++;
        await sleep((answer.retryAfter ?? 0.1) * 1000);
        continue;
      }
      break;
    }
    if (events.length > 0) failed.push({ ids: events.map((e) => e.id), status: last });
  };
  let next = 0;
  const client = async () => {
    while (next < requests.length) {
      const events = requests[next++];
      await send(events, events.length === 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, requests.length) }, client));
  } finally {
    agent.destroy();
  }
  return { requests: requests.length, attempts, resets, throttled, accepted, failed };
}

/**
 * What the API accepted, from the requests the proxy forwarded: each event of each POST /events
 * answered 202 (a batch's failed entries left out), the answer dropped or not, in the order the API
 * answered. An event accepted twice is in it twice.
 */
export function acceptedMessages(forwarded: readonly ForwardedRequest[]): PublishedMessage[] {
  const out: PublishedMessage[] = [];
  const seen = new Set<string>();
  for (const r of forwarded) {
    if (r.method !== 'POST' || !r.path.split('?')[0].endsWith('/events') || r.status !== 202) continue;
    const batch = r.contentType.startsWith(BATCH_CONTENT_TYPE);
    const events = (batch ? JSON.parse(r.body) : [JSON.parse(r.body)]) as CloudEvent[];
    const failedAt = batch ? failedIndexes(r.answer) : new Set<number>();
    events.forEach((e, i) => {
      if (failedAt.has(i)) return;
      out.push(eventMessage(e, { label: seen.has(e.id) ? 'published again after a lost 202' : r.dropped ? 'its 202 lost' : 'event' }));
      seen.add(e.id);
    });
  }
  return out;
}
