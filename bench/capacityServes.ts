/**
 * When added capacity starts to serve, read from the moments requests were answered: pure
 * functions of plain numbers (milliseconds on one clock), for `bench:reaction`.
 */

/** Answers per second in consecutive buckets of `bucketMs` from `from` (inclusive) to `to` (exclusive). */
export function throughputBuckets(answeredAt: readonly number[], from: number, to: number, bucketMs: number): number[] {
  if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be positive, not ${bucketMs}`);
  const count = Math.max(0, Math.floor((to - from) / bucketMs));
  const counts = new Array<number>(count).fill(0);
  for (const t of answeredAt) {
    const index = Math.floor((t - from) / bucketMs);
    if (index >= 0 && index < count) counts[index] = (counts[index] as number) + 1;
  }
  return counts.map((n) => (n * 1000) / bucketMs);
}

/**
 * Milliseconds from `changedAt` until the throughput first reached `factor` × `baseline` and held
 * there for `sustain` buckets in a row (one bucket alone can be a burst of answers that queued
 * behind a throttled period), measured to the end of the first such bucket; null if it never did.
 * `buckets` start at `from`, each `bucketMs` long; only buckets that begin at or after
 * `changedAt` count, so a rise cannot be credited to a change made after it.
 */
export function msUntilSustainedRise(
  buckets: readonly number[],
  timing: { from: number; bucketMs: number; changedAt: number },
  baseline: number,
  factor: number,
  sustain = 2,
): number | null {
  const { from, bucketMs, changedAt } = timing;
  const first = Math.max(0, Math.ceil((changedAt - from) / bucketMs));
  for (let i = first; i + sustain <= buckets.length; i += 1) {
    if (buckets.slice(i, i + sustain).every((rate) => rate >= factor * baseline)) return from + (i + 1) * bucketMs - changedAt;
  }
  return null;
}
