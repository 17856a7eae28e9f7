import { backoffDelay, isRetryableError, type RetryPolicy } from '../../lambda/shared/backoff';
import { positiveIntegerSetting, requiredSetting } from '../../lambda/shared/config';

function policy(random: () => number): RetryPolicy {
  return { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000, random, sleep: async () => undefined };
}

function awsError(name: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
}

describe('backoffDelay', () => {
  test('doubles its ceiling with each retry, up to the cap', () => {
    // GIVEN a random source at its highest
    const highest = policy(() => 0.9999);

    // WHEN
    const delays = [1, 2, 3, 4, 5, 6, 7].map((retry) => backoffDelay(retry, highest));

    // THEN
    expect(delays).toEqual([49, 99, 199, 399, 799, 1599, 1999]);
  });

  test('can draw any delay down to zero (full jitter)', () => {
    // WHEN
    const delay = backoffDelay(5, policy(() => 0));

    // THEN
    expect(delay).toBe(0);
  });
});

describe('isRetryableError', () => {
  test.each([
    ['throughput exceeded', awsError('ProvisionedThroughputExceededException', 400), true],
    ['throttling', awsError('ThrottlingException', 400), true],
    ['a 5xx', awsError('InternalServerError', 500), true],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['an invalid request', awsError('ValidationException', 400), false],
    ['a failed condition', awsError('ConditionalCheckFailedException', 400), false],
    ['a non-error', 'boom', false],
  ])('classifies %s', (_, error, retryable) => {
    // WHEN / THEN
    expect(isRetryableError(error)).toBe(retryable);
  });
});

describe('settings', () => {
  test('reads a whole number of days', () => {
    // WHEN / THEN
    expect(positiveIntegerSetting({ DAYS: '14' }, 'DAYS', 30)).toBe(14);
  });

  test('falls back to the default when the setting is absent or empty', () => {
    // WHEN / THEN
    expect(positiveIntegerSetting({ DAYS: '' }, 'DAYS', 30)).toBe(30);
  });

  test.each(['1.5', '-3', '0', 'thirty', '1e3'])('rejects %p as a number of days', (value) => {
    // WHEN / THEN
    expect(() => positiveIntegerSetting({ DAYS: value }, 'DAYS', 30)).toThrow(
      `DAYS must be a whole number >= 1 (got ${JSON.stringify(value)})`,
    );
  });

  test('requires a required setting', () => {
    // WHEN / THEN
    expect(() => requiredSetting({ TABLE_NAME: ' ' }, 'TABLE_NAME')).toThrow(/TABLE_NAME must be set/);
  });
});
