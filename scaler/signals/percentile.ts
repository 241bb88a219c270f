import { quantileSorted } from 'simple-statistics';
import type { SampleWindow } from '../samples.js';

/**
 * The p-th quantile (0..1) of the window's values, simple-statistics' `quantileSorted`: linear
 * interpolation between the closest ranks (position (n − 1) × p; R-7, Excel PERCENTILE.INC).
 */
export function percentile(window: SampleWindow, p: number): number | undefined {
  if (p < 0 || p > 1) throw new RangeError(`percentile must be within 0..1, got ${p}`);
  if (window.length === 0) return undefined;
  const sorted = window.map((sample) => sample.value).sort((a, b) => a - b);
  return quantileSorted(sorted, p);
}

/** Largest value in the window; undefined when empty. */
export function windowMax(window: SampleWindow): number | undefined {
  if (window.length === 0) return undefined;
  let max = -Infinity;
  for (const sample of window) if (sample.value > max) max = sample.value;
  return max;
}
