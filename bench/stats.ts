/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Min, median and max of a non-empty list. */
export function spread(xs: readonly number[]): { min: number; median: number; max: number } {
  return { min: Math.min(...xs), median: median([...xs]), max: Math.max(...xs) };
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Seconds, with 2 decimals. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
