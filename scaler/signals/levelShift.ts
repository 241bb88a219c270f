import type { SampleWindow } from '../samples.js';
import type { TrendFit } from './trend.js';

/** The window as two flat levels: the best single split point by least squares. */
export interface LevelShift {
  /** Time (ms) of the first sample of the later level. */
  shiftTime: number;
  levelBefore: number;
  levelAfter: number;
  /** Σ (value − level of its segment)² over the window. */
  residualSumOfSquares: number;
}

/**
 * The best split of the window into two constant levels, each segment at least a tenth of the
 * samples (at least two): one pass of prefix sums, O(n). Undefined below four samples.
 */
export function levelShiftFit(window: SampleWindow): LevelShift | undefined {
  const n = window.length;
  if (n < 4) return undefined;
  const minSegment = Math.max(2, Math.ceil(n / 10));
  let totalSum = 0;
  let totalSquares = 0;
  for (let i = 0; i < n; i += 1) {
    const value = window[i]!.value;
    totalSum += value;
    totalSquares += value * value;
  }
  let best: LevelShift | undefined;
  let sum = 0;
  let squares = 0;
  for (let split = 1; split < n; split += 1) {
    const value = window[split - 1]!.value;
    sum += value;
    squares += value * value;
    if (split < minSegment || n - split < minSegment) continue;
    const afterSum = totalSum - sum;
    // Σ (x − mean)² = Σ x² − (Σ x)² / count, per segment.
    const residual = Math.max(0, squares - (sum * sum) / split + (totalSquares - squares) - (afterSum * afterSum) / (n - split));
    if (best === undefined || residual < best.residualSumOfSquares) {
      best = { shiftTime: window[split]!.time, levelBefore: sum / split, levelAfter: afterSum / (n - split), residualSumOfSquares: residual };
    }
  }
  return best;
}

/**
 * Whether the window reads better as one shift of level than as a line, by the Bayesian
 * information criterion: n ln(RSS / n) + k ln n, with k = 2 for the line (intercept, slope) and
 * 3 for the shift (two levels and where). A step of the load followed by a flat stretch (a burst
 * that began, or one that ended) is not a trend to extrapolate, nor evidence that the load keeps
 * falling; a ramp or a staircase of many small steps is.
 */
export function isLevelShiftRatherThanTrend(window: SampleWindow, line: TrendFit | undefined): boolean {
  if (line === undefined) return false;
  const shift = levelShiftFit(window);
  if (shift === undefined) return false;
  const n = window.length;
  const lineRss = line.residualSumOfSquares;
  // An exact fit on either side: whichever is exact wins (the line on a tie: fewer parameters).
  if (lineRss <= 0) return false;
  if (shift.residualSumOfSquares <= 0) return true;
  return n * Math.log(shift.residualSumOfSquares / n) + 3 * Math.log(n) < n * Math.log(lineRss / n) + 2 * Math.log(n);
}
