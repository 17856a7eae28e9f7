/**
 * The Events API part of the demo: whole subjects are published through `POST /events` (single
 * events and batches of up to 10), so each subject's events take one path, in order; a few
 * invalid requests, which are not events of the scenario, show the API's 400 and 415.
 */
import { BATCH_CONTENT_TYPE, SINGLE_CONTENT_TYPE } from 'cdk-event-pipeline-publisher';
import type { LocalRestApi } from './apigateway';
import { shard } from './publisher';
import type { PublishEntry } from './scenario';

const BATCH = 10;
/** Every BATCHES_PER_SINGLES-th chunk of 10 of a lane goes as 10 single-event requests, the others as one batch. */
const BATCHES_PER_SINGLES = 4;
const MAX_ATTEMPTS = 5;

/** The API the demo publishes to: its `POST /events` stage URL and the key it sends. */
export interface EventsApiTarget {
  readonly api: LocalRestApi;
  /** The stage URL, without a trailing slash. */
  readonly url: string;
  /** The first enabled key of a usage plan of that stage, sent as `x-api-key`. */
  readonly apiKey?: string;
  readonly apiKeyName?: string;
}

/**
 * The first API with a `POST /events` method, on its first stage; undefined when there is none.
 * Given a topic ARN, only an API whose integration or stage variables name that topic: in a stack
 * with several pipelines, the one whose topic the demo publishes to.
 */
export function eventsApiOf(apis: readonly LocalRestApi[], topicArn?: string): EventsApiTarget | undefined {
  for (const api of apis) {
    const publish = api.plan.resources.find((r) => r.path === '/events')?.methods.find((m) => m.httpMethod === 'POST');
    const stage = api.stages[0];
    if (!publish || !stage) continue;
    const stagePlan = api.plan.stages.find((s) => s.name === stage.name);
    if (topicArn && !JSON.stringify([publish.integration, stagePlan?.variables]).includes(topicArn)) continue;
    const planned = api.plan.usagePlans.filter((p) => p.stages.some((s) => s.apiId === api.plan.id && s.stage === stage.name));
    const key = api.apiKeys.find((k) => k.enabled && planned.some((p) => p.keys.includes(k.logicalId)));
    return { api, url: stage.url, apiKey: key?.value, apiKeyName: key?.name };
  }
  return undefined;
}

/**
 * The subjects published through the API: about `share` of the subjects that have no malformed
 * entry, evenly spread in order of first appearance. A malformed message must reach the queues to
 * be dead-lettered by the functions, which the API's validation would prevent, so its subject
 * stays on SNS.
 */
export function apiSubjects(entries: readonly PublishEntry[], share: number): Set<string> {
  if (!(share > 0)) return new Set();
  const malformed = new Set(entries.filter((e) => e.kind === 'malformed').map((e) => e.subject));
  const eligible = [...new Set(entries.map((e) => e.subject))].filter((s) => !malformed.has(s));
  return new Set(eligible.filter((_, i) => Math.round((i + 1) * share) > Math.round(i * share)));
}

export interface ApiPublishResult {
  /** Entries the API answered 202 for (a batch's receipts). */
  readonly published: number;
  readonly failed: { id: string; code?: string; message?: string }[];
  readonly requests: { readonly single: number; readonly batch: number; readonly retried: number };
}

export interface ApiPublishOptions {
  readonly target: EventsApiTarget;
  /** Concurrent requests, each lane holding whole subjects. @default 4 */
  readonly lanes?: number;
  readonly onPublished?: (count: number) => void;
}

/** Publishes entries through `POST /events`: per lane, chunks of 10 as one batch, every fourth as 10 single events. */
export async function publishThroughApi(entries: readonly PublishEntry[], options: ApiPublishOptions): Promise<ApiPublishResult> {
  const laneCount = Math.max(1, options.lanes ?? 4);
  const lanes: PublishEntry[][] = Array.from({ length: laneCount }, () => []);
  for (const entry of entries) lanes[shard(entry.subject, laneCount)].push(entry);
  const failed: ApiPublishResult['failed'] = [];
  const requests = { single: 0, batch: 0, retried: 0 };
  let published = 0;
  const send = async (type: string, body: string) => {
    const answer = await post(options.target, type, body);
    requests.retried += answer.attempts - 1;
    return answer;
  };
  await Promise.all(
    lanes.map(async (lane) => {
      for (let i = 0, chunk = 0; i < lane.length; i += BATCH, chunk++) {
        const batch = lane.slice(i, i + BATCH);
        if (chunk % BATCHES_PER_SINGLES === BATCHES_PER_SINGLES - 1) {
          for (const entry of batch) {
            requests.single++;
            const answer = await send(SINGLE_CONTENT_TYPE, entry.body);
            if (answer.status === 202) published++;
            else failed.push({ id: entry.id, code: `HTTP ${answer.status}`, message: answer.body });
            options.onPublished?.(published);
          }
          continue;
        }
        requests.batch++;
        const answer = await send(BATCH_CONTENT_TYPE, `[${batch.map((e) => e.body).join(',')}]`);
        if (answer.status !== 202) {
          batch.forEach((e) => failed.push({ id: e.id, code: `HTTP ${answer.status}`, message: answer.body }));
        } else {
          const receipt = JSON.parse(answer.body) as { receipts: unknown[]; failed: { index: number; code: string }[] };
          published += receipt.receipts.length;
          for (const f of receipt.failed) failed.push({ id: batch[f.index].id, code: f.code });
        }
        options.onPublished?.(published);
      }
    }),
  );
  return { published, failed, requests };
}

/** What the demo sent through the Events API, for the summary. */
export interface ApiDemoRun {
  readonly api: string;
  readonly url: string;
  readonly apiKeyName?: string;
  readonly subjects: number;
  readonly result: ApiPublishResult;
  readonly invalid: InvalidRequestOutcome[];
  /** The API's request stats before the demo: the summary counts what came after. */
  readonly before: { readonly byStatus: Record<string, number>; readonly requests: number };
}

/** An invalid request the demo sends, and the status the API must answer. */
export interface InvalidRequestOutcome {
  readonly request: string;
  readonly expected: number;
  readonly status: number;
}

const INVALID_SUBJECT = 'parcel-invalid-request';
const invalidEvent = (n: number) => ({
  specversion: '1.0',
  id: `invalid-request-${n}`,
  source: 'urn:parcel-pipeline:local-demo',
  type: 'parcel.picked-up',
  subject: INVALID_SUBJECT,
  sequence: n,
});

/**
 * Requests the API must refuse. Each would publish events that are not in the scenario if it
 * were accepted, so the events table would show it.
 */
export const INVALID_REQUESTS: readonly { readonly request: string; readonly type: string; readonly body: string; readonly expected: number }[] = [
  (() => {
    const { subject: _omitted, ...event } = invalidEvent(1);
    return { request: 'an event without subject', type: SINGLE_CONTENT_TYPE, body: JSON.stringify(event), expected: 400 };
  })(),
  {
    request: `a batch of ${BATCH + 1} events`,
    type: BATCH_CONTENT_TYPE,
    body: JSON.stringify(Array.from({ length: BATCH + 1 }, (_, i) => invalidEvent(10 + i))),
    expected: 400,
  },
  { request: 'an event sent as text/plain', type: 'text/plain', body: JSON.stringify(invalidEvent(2)), expected: 415 },
];

export async function sendInvalidRequests(target: EventsApiTarget): Promise<InvalidRequestOutcome[]> {
  const out: InvalidRequestOutcome[] = [];
  for (const r of INVALID_REQUESTS) {
    const answer = await post(target, r.type, r.body, 1);
    out.push({ request: r.request, expected: r.expected, status: answer.status });
  }
  return out;
}

/**
 * One `POST /events`, retried (same body, so the same ids: the topic deduplicates) after 429,
 * 5xx or a lost connection, waiting `Retry-After` seconds (1 without it).
 */
async function post(target: EventsApiTarget, type: string, body: string, maxAttempts = MAX_ATTEMPTS) {
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let text: string;
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${target.url}/events`, {
        method: 'POST',
        headers: { 'content-type': type, ...(target.apiKey ? { 'x-api-key': target.apiKey } : {}) },
        body,
      });
      status = res.status;
      text = await res.text();
      retryAfter = res.headers.get('retry-after');
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
      status = 0;
      text = '';
    }
    if ((status !== 0 && status !== 429 && status < 500) || attempt >= maxAttempts) return { status, body: text, attempts: attempt };
    const seconds = Number(retryAfter);
    await new Promise((r) => setTimeout(r, (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000));
  }
}
