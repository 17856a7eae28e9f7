/**
 * How one batch reaches the topic: SNS PublishBatch with the SDK, or a POST to
 * the Events API. Each transport turns its answer, or its error, into one
 * {@link CallOutcome}; the publisher's retries and outcomes do not depend on
 * which one carried the batch.
 */
import type { PublishFailure } from './errors';
import type { PreparedEvent } from './prepare';
import type { CallDelivery, CallErrorKind } from './retry';

/** An event of the batch that was published, by its position in the batch. */
export interface EntryReceipt {
  readonly n: number;
  readonly messageId: string;
  readonly sequenceNumber?: string;
}

/** An event of the batch that the topic refused, by its position in the batch. */
export interface EntryRefusal {
  readonly n: number;
  readonly failure: PublishFailure;
}

/** The call was answered: a result per entry, or none for some (they may have been published). */
export interface AnsweredCall {
  readonly answered: true;
  readonly successful: readonly EntryReceipt[];
  readonly failed: readonly EntryRefusal[];
  /** The code and message of an entry the answer says nothing of. */
  readonly noResult: Pick<PublishFailure, 'code' | 'message'>;
}

/** The call failed as a whole. */
export interface FailedCall {
  readonly answered: false;
  /** What it means for the rest of the run: see {@link CallErrorKind}. */
  readonly kind: CallErrorKind;
  readonly failure: PublishFailure;
  /** How far it got: see {@link CallDelivery}. */
  readonly delivery: CallDelivery;
  /** The wait the other end asked for before the next attempt (Retry-After), in ms. */
  readonly retryAfterMs?: number;
}

export type CallOutcome = AnsweredCall | FailedCall;

/** Sends one batch of at most 10 events; never throws. */
export interface Transport {
  send(batch: readonly PreparedEvent[]): Promise<CallOutcome>;
  /** Releases what the transport opened itself (connections, a client it made). */
  destroy(): void;
}
