/**
 * Reading queues without consuming them: messages are received with a short
 * hold (visibility timeout) so that one pass sees each message once, and made
 * visible again (visibility 0) as soon as the pass is over. Nothing is deleted.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface QueueDepth {
  /** ApproximateNumberOfMessages. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, neither deleted nor back yet. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes.QueueArn) throw new Error(`no QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
}

const CHUNK = 10;

/**
 * Messages received from one queue and held invisible until released. The
 * same message received again (its hold ran out) is recognised by its id.
 */
export class HeldMessages {
  private readonly held = new Map<string, Message>();

  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    /** Visibility timeout of each receive, in seconds: how long a message stays hidden if release never happens. */
    private readonly holdSeconds: number,
    /** WaitTimeSeconds: 0 returns at once; 1 or more asks every SQS server (AWS short polling samples a few). */
    private readonly waitSeconds: number,
  ) {}

  /**
   * Receives up to `max` (≤ 10) messages and holds them.
   *
   * @returns the messages not seen before in this pass; empty when the queue has nothing more to give
   */
  public async receive(max: number): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(CHUNK, max),
        VisibilityTimeout: this.holdSeconds,
        WaitTimeSeconds: this.waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh: Message[] = [];
    for (const message of out.Messages ?? []) {
      const id = message.MessageId ?? '';
      if (!this.held.has(id)) fresh.push(message);
      this.held.set(id, message);
    }
    return fresh;
  }

  /** Stops tracking a message, e.g. once it is deleted. */
  public forget(message: Message): void {
    this.held.delete(message.MessageId ?? '');
  }

  public get size(): number {
    return this.held.size;
  }

  /**
   * Makes every held message visible again at once.
   *
   * @returns how many could not be released (their receipt handle expired): they come back when their hold ends
   */
  public async releaseAll(): Promise<number> {
    const messages = [...this.held.values()];
    this.held.clear();
    let failed = 0;
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK);
      try {
        const out = await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
          }),
        );
        failed += out.Failed?.length ?? 0;
      } catch {
        failed += chunk.length;
      }
    }
    return failed;
  }
}
