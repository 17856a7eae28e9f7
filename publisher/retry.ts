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
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1). */
  readonly random: () => number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly errors?: unknown;
}

/**
 * `fatal`: no later call can succeed either (no topic, no permission, no
 * credentials, nothing listening); `retryable`: throttling, server and
 * transient network errors; `batch`: anything else fails this batch only.
 */
export function classifyCallError(error: unknown): CallErrorKind {
  if (!(error instanceof Error)) return 'batch';
  const e = error as SdkError;
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

/** A thrown error as a failure of every entry of the batch. */
export function callFailure(error: unknown): PublishFailure {
  const e = error instanceof Error ? (error as SdkError) : new Error(String(error));
  const code = networkCode(e as SdkError) ?? e.name;
  return { code, message: e.message || code, retryable: classifyCallError(error) === 'retryable' };
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
