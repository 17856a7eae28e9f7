/**
 * A minimal SQS client for the event source pollers: the SQS JSON protocol (AWS JSON 1.0) over a
 * keep-alive HTTP agent, without SigV4 signing, which the emulator does not check. Lambda's own
 * pollers are not SDK clients either; this one exists to keep the per-call cost of the runner
 * small, so the emulators and the handlers get the CPU.
 */
import { Agent, request } from 'node:http';
import type {
  ChangeMessageVisibilityBatchRequest,
  ChangeMessageVisibilityBatchResult,
  DeleteMessageBatchRequest,
  DeleteMessageBatchResult,
  GetQueueAttributesRequest,
  GetQueueAttributesResult,
  ReceiveMessageRequest,
  ReceiveMessageResult,
} from '@aws-sdk/client-sqs';

export class SqsWireError extends Error {
  public readonly name = 'SqsWireError';
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Actions {
  ReceiveMessage: [ReceiveMessageRequest, ReceiveMessageResult];
  DeleteMessageBatch: [DeleteMessageBatchRequest, DeleteMessageBatchResult];
  ChangeMessageVisibilityBatch: [ChangeMessageVisibilityBatchRequest, ChangeMessageVisibilityBatchResult];
  GetQueueAttributes: [GetQueueAttributesRequest, GetQueueAttributesResult];
}

export class SqsWire {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly url: URL;
  private readonly authorization: string;

  constructor(endpoint: string, region: string) {
    this.url = new URL(endpoint);
    // The emulator reads the region from the credential scope; the signature is not checked.
    this.authorization = `AWS4-HMAC-SHA256 Credential=local/20250101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=local`;
  }

  call<A extends keyof Actions>(action: A, input: Actions[A][0], signal?: AbortSignal): Promise<Actions[A][1]> {
    const body = JSON.stringify(input);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: '/',
          signal,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `AmazonSQS.${action}`,
            'content-length': Buffer.byteLength(body),
            authorization: this.authorization,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Record<string, unknown>;
            try {
              json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              reject(new SqsWireError('InvalidResponse', `${action} answered ${res.statusCode}: ${text.slice(0, 200)}`));
              return;
            }
            if (res.statusCode !== 200) {
              const code = String(json.__type ?? res.statusCode).replace(/^.*#/, '');
              reject(new SqsWireError(code, String(json.message ?? json.Message ?? text)));
            } else {
              resolve(json as Actions[A][1]);
            }
          });
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
