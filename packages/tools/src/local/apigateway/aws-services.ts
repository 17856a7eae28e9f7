/**
 * Sends an AWS integration's request to the emulator of its service, as API Gateway sends it to
 * the service: SNS (query protocol: a form body, an XML answer, or JSON with `Accept:
 * application/json`) on fauxqs, DynamoDB (JSON protocol, `X-Amz-Target: DynamoDB_20120810.<Action>`)
 * on dynalite. Requests are unsigned; the emulators do not check signatures.
 */
import { Agent, request } from 'node:http';
import type { AwsTarget } from './plan';
import { queryXmlToJson } from './query-json';

export interface ServiceRequest {
  readonly target: AwsTarget;
  readonly httpMethod: string;
  /** Lower-case header names. */
  readonly headers: Record<string, string>;
  readonly querystring: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface ServiceAnswer {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

export class IntegrationTimeout extends Error {
  public readonly name = 'IntegrationTimeout';
}

export interface ServiceEndpoints {
  readonly sns: string;
  readonly dynamodb: string;
}

export class AwsServices {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly endpoints: ServiceEndpoints,
    private readonly region: string,
  ) {}

  async call(req: ServiceRequest): Promise<ServiceAnswer> {
    const { target } = req;
    const headers = { ...req.headers };
    const query = new URLSearchParams(req.querystring);
    let path = target.kind === 'path' ? target.value : '/';
    let body = req.body;
    if (target.kind === 'action') {
      if (target.service === 'dynamodb') headers['x-amz-target'] = `DynamoDB_20120810.${target.value}`;
      else query.set('Action', target.value);
    }
    if (target.service === 'sns' && (headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      // SNS reads parameters from the query string and the body; fauxqs reads only the body.
      const form = new URLSearchParams(body);
      for (const [k, v] of query) if (!form.has(k)) form.append(k, v);
      body = form.toString();
      for (const k of [...query.keys()]) query.delete(k);
    }
    const search = query.toString();
    if (search) path += `?${search}`;
    const endpoint = target.service === 'sns' ? this.endpoints.sns : this.endpoints.dynamodb;
    const answer = await this.send(endpoint, req.httpMethod, path, headers, body, target.service, req.timeoutMs);
    if (target.service === 'sns' && /application\/json/i.test(req.headers.accept ?? '') && /xml/.test(answer.headers['content-type'] ?? '')) {
      return { ...answer, headers: { ...answer.headers, 'content-type': 'application/json' }, body: JSON.stringify(queryXmlToJson(answer.body)) };
    }
    return answer;
  }

  private send(
    endpoint: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string,
    service: string,
    timeoutMs: number,
  ): Promise<ServiceAnswer> {
    const url = new URL(endpoint);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            ...headers,
            'content-length': Buffer.byteLength(body),
            'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
            authorization: `AWS4-HMAC-SHA256 Credential=local/20250101/${this.region}/${service}/aws4_request, SignedHeaders=host, Signature=local`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
            resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new IntegrationTimeout(`no answer from ${service} within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}
