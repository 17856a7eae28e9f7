/**
 * Which PublishBatch failures are worth another attempt, and how long to wait.
 */
import type { BatchResultErrorEntry } from '@aws-sdk/client-sns';
import type { PublishFailure } from './errors';

/** How often, and how long between, attempts at an entry SNS did not publish. */
export interface RetryOptions {
  /** Attempts in total, the first one included. */
  readonly maxAttempts: number;
  /** Upper bound of the first delay; it doubles with each retry. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay. */
  readonly maxDelayMs: number;
  /** Waits `ms`; may return early once `signal` is aborted. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1). */
  readonly random: () => number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
  random: Math.random,
};

/** Exponential backoff with full jitter; `retry` is 1 before the second attempt. */
export function backoffDelay(retry: number, options: RetryOptions): number {
  return Math.floor(options.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1)));
}

const RETRYABLE_CODE = /throttl|toomanyrequests|internal|unavailable|timeout|slowdown/i;

/** A failed entry of a PublishBatch response: retryable unless it is the sender's fault (throttling aside). */
export function entryFailure(entry: BatchResultErrorEntry): PublishFailure {
  const code = entry.Code ?? 'Unknown';
  return {
    code,
    message: entry.Message ?? 'no message',
    retryable: entry.SenderFault !== true || RETRYABLE_CODE.test(code),
  };
}

/** What a thrown error means for the rest of the run. */
export type CallErrorKind = 'retryable' | 'batch' | 'fatal';

const FATAL_NAMES = new Set([
  'NotFound',
  'NotFoundException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSecurity',
  'InvalidSecurityException',
  'CredentialsProviderError',
  'KMSAccessDenied',
  'KMSAccessDeniedException',
  'KMSDisabled',
  'KMSDisabledException',
  'KMSNotFound',
  'KMSNotFoundException',
]);
const FATAL_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED']);

interface SdkError extends Error {
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
  readonly errors?: unknown;
}

/**
 * `fatal`: no later call can succeed either (no topic, no permission, no
 * credentials, nothing listening); `retryable`: throttling, server and
 * transient network errors; `batch`: anything else fails this batch only.
 */
export function classifyCallError(error: unknown): CallErrorKind {
  if (!isError(error)) return 'batch';
  const e = error;
  const status = e.$metadata?.httpStatusCode ?? 0;
  const code = networkCode(e);
  if (FATAL_NAMES.has(e.name) || status === 401 || status === 403 || status === 404) return 'fatal';
  if (code !== undefined && FATAL_NETWORK_CODES.has(code)) return 'fatal';
  if (
    e.$retryable !== undefined ||
    RETRYABLE_CODE.test(e.name) ||
    status >= 500 ||
    status === 429 ||
    (code !== undefined && RETRYABLE_NETWORK_CODES.has(code))
  ) {
    return 'retryable';
  }
  return 'batch';
}

/**
 * Whether a PublishBatch call that threw may have reached the topic:
 * `refused`: SNS answered with an error below 500, nothing of the call was published;
 * `not-sent`: no request left the machine (no connection could be opened, no
 * credentials, no region);
 * `uncertain`: the request may have been received and published, and the
 * answer was lost (connection reset or timed out after sending, a server error).
 */
export type CallDelivery = 'refused' | 'not-sent' | 'uncertain';

const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** How far one attempt that threw got: see {@link CallDelivery}. */
export function attemptDelivery(error: unknown): CallDelivery {
  if (!isError(error)) return 'uncertain';
  const e = error;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status > 0) return status >= 500 ? 'uncertain' : 'refused';
  const code = networkCode(e);
  if (code !== undefined && NOT_CONNECTED_CODES.has(code)) return 'not-sent';
  if (e.name === 'CredentialsProviderError' || /could not load credentials|region is missing/i.test(e.message)) return 'not-sent';
  return 'uncertain';
}

/**
 * How far a call that threw got, all its attempts together. `attempts` are
 * the SDK's own attempts as seen on the wire, when they could be watched; the
 * SDK retries a reset connection and then throws the last error only, so an
 * ECONNREFUSED after a reset is still `uncertain`. Without them, a
 * not-connected error after more than one SDK attempt counts as `uncertain`.
 */
export function callDelivery(error: unknown, attempts: readonly CallDelivery[] = []): CallDelivery {
  if (attempts.includes('uncertain')) return 'uncertain';
  if (attempts.length > 0) return attempts[attempts.length - 1];
  const last = attemptDelivery(error);
  const sdkAttempts = isError(error) ? error.$metadata?.attempts ?? 1 : 1;
  return last === 'not-sent' && sdkAttempts > 1 ? 'uncertain' : last;
}

/** A thrown error as a failure of every entry of the batch. */
export function callFailure(error: unknown): PublishFailure {
  const e: SdkError = isError(error) ? error : new Error(String(error));
  const code = networkCode(e) ?? e.name;
  return { code, message: e.message || code, retryable: classifyCallError(error) === 'retryable' };
}

/**
 * An Error, also one made in another realm (Node's own errors under a test
 * runner's sandbox fail `instanceof Error`).
 */
function isError(value: unknown): value is SdkError {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string');
}

/** `ECONNREFUSED` and the like, also from inside an AggregateError (IPv4 and IPv6 both refused). */
export function networkCode(error: Error & { readonly code?: unknown; readonly errors?: unknown }): string | undefined {
  if (typeof error.code === 'string') return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = (inner as SdkError | undefined)?.code;
      if (typeof code === 'string') return code;
    }
  }
  return undefined;
}
