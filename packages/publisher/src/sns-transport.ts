/**
 * Sends a batch with SNS PublishBatch through the SDK.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { type PreparedEvent, TYPE_ATTRIBUTE } from './prepare';
import { type CallDelivery, attemptDelivery, callDelivery, callFailure, classifyCallError, entryFailure } from './retry';
import type { CallOutcome, EntryReceipt, EntryRefusal, Transport } from './transport';

/** One of the SDK's attempts at a call, that threw. */
interface WireAttempt {
  readonly delivery: CallDelivery;
  readonly error: unknown;
}

export class SnsTransport implements Transport {
  private readonly fifo: boolean;

  public constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    /** Whether the client was made for this transport, and is destroyed with it. */
    private readonly ownsClient: boolean,
  ) {
    this.fifo = topicArn.endsWith('.fifo');
  }

  public destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  public async send(batch: readonly PreparedEvent[]): Promise<CallOutcome> {
    const wire: WireAttempt[] = [];
    try {
      const entries = batch.map((event, n) => this.entry(event, n));
      const command = new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries });
      watchAttempts(command, wire);
      const out = await this.client.send(command);
      const successful: EntryReceipt[] = (out.Successful ?? []).map((ok) => ({
        n: Number(ok.Id),
        messageId: ok.MessageId ?? '',
        ...(ok.SequenceNumber ? { sequenceNumber: ok.SequenceNumber } : {}),
      }));
      const failed: EntryRefusal[] = (out.Failed ?? []).map((bad) => ({ n: Number(bad.Id), failure: entryFailure(bad) }));
      return { answered: true, successful, failed, noResult: { code: 'NoResult', message: 'SNS returned no result for this entry' } };
    } catch (thrown) {
      // The last attempt's own error: the SDK may have wrapped it and lost its code.
      const error = wire.length > 0 ? wire[wire.length - 1].error : thrown;
      return {
        answered: false,
        kind: classifyCallError(error),
        failure: callFailure(error),
        delivery: callDelivery(thrown, wire.map((w) => w.delivery)),
      };
    }
  }

  private entry(event: PreparedEvent, n: number): PublishBatchRequestEntry {
    return {
      Id: String(n),
      Message: event.body,
      MessageAttributes: { [TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: event.event.type } },
      ...(this.fifo ? { MessageGroupId: event.groupId, MessageDeduplicationId: event.deduplicationId } : {}),
    };
  }
}

/**
 * Records how far each of the SDK's own attempts at the call got: the SDK
 * retries a reset connection itself and throws only the last attempt's error.
 */
function watchAttempts(command: PublishBatchCommand, wire: WireAttempt[]): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        wire.push({ delivery: attemptDelivery(error), error });
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'eventPublisherAttempts' },
  );
}
