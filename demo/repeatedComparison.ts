import { max, median, min } from 'simple-statistics';
import { POLICY_LABELS } from '../scaler/simulator/timelineChart.js';
import type { DemoPolicy } from './demoLabels.js';
import type { PolicyComparison } from './policyComparison.js';

/** One ratio over the pairs of runs: its median and its range; null when no pair had it. */
export interface RatioSpread {
  median: number;
  min: number;
  max: number;
  /** Pairs that had the ratio (the HPA run's figure was above 0). */
  pairs: number;
}

export interface RepeatedComparison {
  pairs: number;
  violationRatio: RatioSpread | null;
  costRatio: RatioSpread | null;
  costPerAnsweredRatio: RatioSpread | null;
}

/**
 * Which policy runs first in pair `index` (0-based): they take turns, so whatever the first run of
 * a pair leaves the second (a warmer page cache, a busier engine) falls on each policy as often.
 */
export function pairOrder(index: number): [DemoPolicy, DemoPolicy] {
  return index % 2 === 0 ? ['hpa', 'adaptive'] : ['adaptive', 'hpa'];
}

function spread(values: readonly (number | null)[]): RatioSpread | null {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return null;
  return { median: median(present), min: min(present), max: max(present), pairs: present.length };
}

export function repeatedComparison(comparisons: readonly PolicyComparison[]): RepeatedComparison {
  return {
    pairs: comparisons.length,
    violationRatio: spread(comparisons.map((c) => c.violationRatio)),
    costRatio: spread(comparisons.map((c) => c.costRatio)),
    costPerAnsweredRatio: spread(comparisons.map((c) => c.costPerAnsweredRatio)),
  };
}

/** Each pair's ratios on a line, then their medians and ranges. */
export function repeatedTable(comparisons: readonly PolicyComparison[]): string[] {
  const times = (value: number | null) => (value === null ? '   n/a' : `${value.toFixed(2)}×`.padStart(6));
  const lines = comparisons.map(
    (c, index) =>
      `pair ${String(index + 1).padStart(2)} (${POLICY_LABELS[pairOrder(index)[0]]} first): violation-seconds ${times(c.violationRatio)}  core-seconds ${times(c.costRatio)}  per answer ${times(c.costPerAnsweredRatio)}`,
  );
  const summary = repeatedComparison(comparisons);
  const describe = (name: string, value: RatioSpread | null) => (value === null ? `${name} n/a` : `${name} ${value.median.toFixed(2)}× (${value.min.toFixed(2)}–${value.max.toFixed(2)}×)`);
  lines.push(
    `adaptive / HPA rule over ${summary.pairs} pairs, median (range): ${describe('violation-seconds', summary.violationRatio)}, ${describe('core-seconds', summary.costRatio)}, ${describe('per request answered', summary.costPerAnsweredRatio)}`,
  );
  return lines;
}
