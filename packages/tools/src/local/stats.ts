/** Collects latencies (ms) and reports percentiles. */
export class LatencyRecorder {
  private values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
  }

  get count(): number {
    return this.values.length;
  }

  /** Percentile p in [0, 100], nearest-rank; undefined when empty. */
  percentile(p: number): number | undefined {
    return percentile(this.values, p);
  }

  merge(other: LatencyRecorder): LatencyRecorder {
    const merged = new LatencyRecorder();
    merged.values = [...this.values, ...other.values];
    return merged;
  }
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
