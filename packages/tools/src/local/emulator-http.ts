/**
 * One keep-alive HTTP connection pool to an emulator endpoint, for the runner's own protocol-level
 * clients (sqs-wire.ts, sns-wire.ts). Requests carry an unsigned Authorization header: the
 * emulator reads the region from its credential scope and does not check the signature.
 */
import { Agent, request } from 'node:http';

export interface EmulatorResponse {
  readonly status: number;
  readonly text: string;
}

export class EmulatorHttp {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly authorization: string;

  constructor(endpoint: string, region: string, service: string, maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
    this.url = new URL(endpoint);
    this.authorization = `AWS4-HMAC-SHA256 Credential=local/20250101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=local`;
  }

  /** POSTs `body` to `/` with these headers (content-length and authorization are added). */
  post(body: string, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<EmulatorResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: '/',
          signal,
          headers: { ...headers, 'content-length': Buffer.byteLength(body), authorization: this.authorization },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}
