/**
 * A local HTTP server that answers `POST /{stage}/events` as the Events API
 * does (see lib/events-api-templates.ts), for the publisher's and the CLI's
 * tests: it records each request and lets the test choose each answer.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../packages/publisher/src/sigv4';

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The events sent: the body itself for one event, the array's elements for a batch. */
  readonly events: { id: string; subject: string }[];
}

/** An answer, or `drop`: the connection is reset once the request body was read. */
export type ApiAnswer = { status: number; body?: unknown; headers?: Record<string, string> } | 'drop';

export interface FakeEventsApi {
  /** The stage URL, without a trailing slash. */
  readonly url: string;
  readonly requests: ApiRequest[];
  close(): Promise<void>;
}

/** 202 with a receipt for every event of the request, as the API answers a publish. */
export function accepted(request: ApiRequest): ApiAnswer {
  if (request.headers['content-type'] === 'application/cloudevents-batch+json') {
    return {
      status: 202,
      body: { receipts: request.events.map((event, index) => ({ index, messageId: `m-${event.id}`, sequenceNumber: `${index + 1}` })), failed: [] },
    };
  }
  return { status: 202, body: { messageId: `m-${request.events[0].id}`, sequenceNumber: '1' } };
}

/** Starts the server on 127.0.0.1, on a free port; `answer` is called for each request, `n` counting from 1. */
export async function startFakeEventsApi(answer: (request: ApiRequest, n: number) => ApiAnswer = accepted, stage = 'v1'): Promise<FakeEventsApi> {
  const requests: ApiRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = [];
      }
      const request: ApiRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        events: (Array.isArray(parsed) ? parsed : [parsed]) as ApiRequest['events'],
      };
      requests.push(request);
      const reply = request.path === `/${stage}/events` ? answer(request, requests.length) : { status: 403, body: { error: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token' } };
      if (reply === 'drop') {
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${stage}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Checks a request's SigV4 signature as API Gateway does: signs the headers it
 * names and the body received, with the same credentials and its own
 * X-Amz-Date, and compares.
 */
export async function signatureVerifies(
  request: ApiRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? '');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1].split(';') ?? [];
  const headers: Record<string, string> = {};
  // The body's hash is computed again from the body received, never taken from the request.
  for (const name of signedHeaders) if (name !== 'x-amz-content-sha256') headers[name] = String(request.headers[name] ?? '');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 as never });
  const [hostname, port] = (request.headers.host ?? '').split(':');
  const expected = await signer.sign(
    { method: request.method, protocol: 'http:', hostname, port: Number(port), path: request.path, query: {}, headers, body: request.body },
    { signingDate },
  );
  return expected.headers.authorization === authorization;
}
