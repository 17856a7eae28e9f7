/**
 * A minimal SQS client for the event source pollers: the SQS JSON protocol (AWS JSON 1.0) over a
 * keep-alive HTTP agent, without SigV4 signing, which the emulator does not check. Lambda's own
 * pollers are not SDK clients either; this one exists to keep the per-call cost of the runner
 * small, so the emulators and the handlers get the CPU.
 */
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
import { EmulatorHttp } from './emulator-http';

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
  private readonly http: EmulatorHttp;

  constructor(endpoint: string, region: string) {
    this.http = new EmulatorHttp(endpoint, region, 'sqs', 64);
  }

  async call<A extends keyof Actions>(action: A, input: Actions[A][0], signal?: AbortSignal): Promise<Actions[A][1]> {
    const { status, text } = await this.http.post(
      JSON.stringify(input),
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
      signal,
    );
    let json: Record<string, unknown>;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new SqsWireError('InvalidResponse', `${action} answered ${status}: ${text.slice(0, 200)}`);
    }
    if (status !== 200) {
      const code = String(json.__type ?? status).replace(/^.*#/, '');
      throw new SqsWireError(code, String(json.message ?? json.Message ?? text));
    }
    return json as Actions[A][1];
  }

  destroy(): void {
    this.http.destroy();
  }
}
