/**
 * Usage plan and stage throttling (token buckets: `rateLimit` requests per second refill a bucket
 * of `burstLimit`) and usage plan quotas (requests per UTC day, week or month), kept in this
 * process.
 */
import type { ThrottlePlan } from './plan';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token, or answers false when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A bucket for a throttle setting, or undefined when it sets no limit. */
export function bucketFor(throttle: ThrottlePlan | undefined, now?: () => number): TokenBucket | undefined {
  if (!throttle || (throttle.rateLimit === undefined && throttle.burstLimit === undefined)) return undefined;
  const rate = throttle.rateLimit ?? Infinity;
  // API Gateway lets a burst of at least one request through.
  const burst = Math.max(1, throttle.burstLimit ?? Math.ceil(rate));
  return new TokenBucket(rate, burst, now);
}

export class Quota {
  private period = '';
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly unit: 'DAY' | 'WEEK' | 'MONTH',
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request, or answers false when the period's limit is used up. */
  take(): boolean {
    const period = periodOf(new Date(this.now()), this.unit);
    if (period !== this.period) {
      this.period = period;
      this.used = 0;
    }
    if (this.used >= this.limit) return false;
    this.used += 1;
    return true;
  }
}

function periodOf(d: Date, unit: 'DAY' | 'WEEK' | 'MONTH'): string {
  if (unit === 'MONTH') return `${d.getUTCFullYear()}-${d.getUTCMonth()}`;
  const day = Math.floor(d.getTime() / 86_400_000);
  // 1970-01-01 was a Thursday; weeks start on Sunday.
  return unit === 'DAY' ? String(day) : String(Math.floor((day + 4) / 7));
}
