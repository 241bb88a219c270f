import { isCounterReading } from './counterReading.js';

/**
 * The φ-quantile of a histogram given as cumulative counts per upper bound, estimated exactly as
 * Prometheus' `histogram_quantile` does: find the bucket the rank falls in and interpolate
 * linearly inside it (the lowest bucket starts at 0; a rank in the +Inf bucket answers the
 * highest finite bound). Undefined when the histogram is empty.
 */
export function histogramQuantile(quantile: number, cumulative: ReadonlyMap<number, number>): number | undefined {
  const buckets = [...cumulative.entries()].sort(([a], [b]) => a - b);
  const last = buckets[buckets.length - 1];
  if (!last || last[0] !== Number.POSITIVE_INFINITY || buckets.length < 2) return undefined;
  // Bucket counts must not decrease; scrape races can make them, as Prometheus also corrects.
  for (let i = 1; i < buckets.length; i++) {
    const previous = buckets[i - 1] as [number, number];
    const current = buckets[i] as [number, number];
    if (current[1] < previous[1]) buckets[i] = [current[0], previous[1]];
  }
  const total = (buckets[buckets.length - 1] as [number, number])[1];
  if (!(total > 0)) return undefined;
  if (quantile <= 0) return 0;
  if (quantile >= 1) return (buckets[buckets.length - 2] as [number, number])[0];
  const rank = quantile * total;
  let index = buckets.findIndex(([, count]) => count >= rank);
  if (index < 0) index = buckets.length - 1;
  if (index === buckets.length - 1) return (buckets[buckets.length - 2] as [number, number])[0];
  const [upper, countAtUpper] = buckets[index] as [number, number];
  const [lower, countBelow] = index === 0 ? [0, 0] : (buckets[index - 1] as [number, number]);
  if (index === 0 && upper <= 0) return upper;
  const inBucket = countAtUpper - countBelow;
  return inBucket > 0 ? lower + (upper - lower) * ((rank - countBelow) / inBucket) : upper;
}

/**
 * Per-bucket increase between two cumulative histograms; a reset (any bucket fell) counts from 0.
 * A bucket count that is not a counter reading (negative, NaN, infinite) leaves the increase
 * unknown: empty, as for a replica with no earlier scrape, since a negative or NaN bucket would
 * skew this replica's quantiles and, added to the others', its service's. Counts that fall as
 * `le` grows are kept: histogramQuantile corrects those as Prometheus does.
 */
export function histogramIncrease(previous: ReadonlyMap<number, number> | undefined, current: ReadonlyMap<number, number>): Map<number, number> {
  if (!allCounterReadings(current) || (previous !== undefined && !allCounterReadings(previous))) return new Map();
  const reset = previous === undefined || [...current].some(([bound, count]) => count < (previous.get(bound) ?? 0));
  const increase = new Map<number, number>();
  for (const [bound, count] of current) increase.set(bound, reset ? count : count - (previous?.get(bound) ?? 0));
  return increase;
}

function allCounterReadings(histogram: ReadonlyMap<number, number>): boolean {
  for (const count of histogram.values()) if (!isCounterReading(count)) return false;
  return true;
}

/** Adds histograms bucket by bucket (replicas of a service, when their buckets agree). */
export function addHistograms(histograms: ReadonlyArray<ReadonlyMap<number, number>>): Map<number, number> {
  const sum = new Map<number, number>();
  for (const histogram of histograms) for (const [bound, count] of histogram) sum.set(bound, (sum.get(bound) ?? 0) + count);
  return sum;
}
