// What the CP's hot paths touch when they count: plain numbers, no dependency, no allocation.
// A join or a heartbeat adds 1 to a number and puts a latency in a bucket (a loop over a dozen
// bounds); prom-client reads these when /metrics is scraped (cp-metrics.ts), and is not even
// loaded by a CP without a metrics listener.

/** Counts by (outcome, reason); `ok` has a field of its own. */
export class OutcomeCounts {
  private okCount = 0;
  private readonly refusals = new Map<string, { labels: { outcome: string; reason: string }; n: number }>();

  incOk(): void {
    this.okCount += 1;
  }

  inc(outcome: string, reason = ''): void {
    if (outcome === 'ok' && reason === '') return this.incOk();
    const key = `${outcome}/${reason}`;
    const entry = this.refusals.get(key);
    if (entry !== undefined) entry.n += 1;
    else this.refusals.set(key, { labels: { outcome, reason }, n: 1 });
  }

  /** Every series so far (ok always, at 0 before the first). */
  read(): Array<{ labels: { outcome: string; reason: string }; n: number }> {
    return [{ labels: { outcome: 'ok', reason: '' }, n: this.okCount }, ...this.refusals.values()];
  }
}

/** One histogram series: counts per upper bound (not cumulative), the sum and the count. */
export class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i] += 1;
        return;
      }
    }
    // Above the last bound: only in +Inf (the count).
  }
}
