import { linearRegression, probit } from 'simple-statistics';
import type { SampleWindow } from '../samples.js';

/** A least-squares line through a window: value ≈ intercept + slopePerSecond × (seconds since `originTime`). */
export interface Trend {
  slopePerSecond: number;
  /** The fitted value at the newest sample's time (less noisy than the raw newest value). */
  fittedNow: number;
  /** Time (ms) of the newest sample, where `fittedNow` sits. */
  newestTime: number;
}

/**
 * Least-squares slope of the window (simple-statistics' `linearRegression`), in value units per
 * second. Needs two samples at distinct times; otherwise undefined. Times are shifted to seconds
 * relative to the newest sample first, so epoch-sized numbers do not cost precision.
 */
export function trend(window: SampleWindow): Trend | undefined {
  const newest = window.at(-1);
  const oldest = window[0];
  if (newest === undefined || oldest === undefined || newest.time === oldest.time) return undefined;
  const points = window.map((sample) => [(sample.time - newest.time) / 1000, sample.value]);
  const { m, b } = linearRegression(points);
  return { slopePerSecond: m, fittedNow: b, newestTime: newest.time };
}

/**
 * The fitted line extended `horizonMs` past the newest sample: the load expected when a replica
 * started now would begin to serve. Never negative (a rate or a size cannot be).
 */
export function forecast(window: SampleWindow, horizonMs: number): number | undefined {
  const line = trend(window);
  if (line === undefined) return undefined;
  return Math.max(0, line.fittedNow + (line.slopePerSecond * horizonMs) / 1000);
}

/** A least-squares fit with the standard error of its slope, for deciding whether a trend is real. */
export interface TrendFit extends Trend {
  /** Standard error of the slope (per second); 0 when the points lie on the line. */
  slopeStandardError: number;
  /**
   * The same standard error corrected for autocorrelated residuals (held values, slow waves):
   * with r1 the lag-1 autocorrelation of the residuals, the effective sample size is
   * n_eff = n (1 − r1) / (1 + r1) (Santer et al., 2000) and the error grows by
   * sqrt((n − 2) / (n_eff − 2)); n_eff is also capped by the number of runs of equal values.
   * Infinite when n_eff ≤ 2: no trend can be claimed.
   */
  adjustedSlopeStandardError: number;
  /** n_eff above: how many independent points the window is worth. */
  effectiveSampleSize: number;
  /** Σ (value − fitted)²: what the line leaves unexplained. */
  residualSumOfSquares: number;
}

/**
 * The same least-squares line as `trend`, computed in one pass without allocating (the policy
 * loop calls it on every evaluation), plus the slope's standard error
 * sqrt(Σ residual² / (n − 2) / Σ (t − t̄)²). Needs three samples at distinct times.
 */
export function trendFit(window: SampleWindow): TrendFit | undefined {
  const n = window.length;
  const newest = window[n - 1];
  if (n < 3 || newest === undefined) return undefined;
  // One pass for the sums (times relative to the newest sample, in seconds), one for residuals.
  let sumT = 0;
  let sumV = 0;
  let sumTT = 0;
  let sumTV = 0;
  for (let i = 0; i < n; i += 1) {
    const sample = window[i]!;
    const t = (sample.time - newest.time) / 1000;
    sumT += t;
    sumV += sample.value;
    sumTT += t * t;
    sumTV += t * sample.value;
  }
  const meanT = sumT / n;
  const meanV = sumV / n;
  const sxx = sumTT - n * meanT * meanT;
  if (!(sxx > 1e-12)) return undefined;
  const slope = (sumTV - n * meanT * meanV) / sxx;
  const intercept = meanV - slope * meanT;
  let residuals = 0;
  let lagProduct = 0;
  let previous = 0;
  let runs = 0;
  let previousValue = NaN;
  for (let i = 0; i < n; i += 1) {
    const sample = window[i]!;
    if (sample.value !== previousValue) runs += 1;
    previousValue = sample.value;
    const r = sample.value - (intercept + (slope * (sample.time - newest.time)) / 1000);
    residuals += r * r;
    if (i > 0) lagProduct += r * previous;
    previous = r;
  }
  const slopeStandardError = Math.sqrt(residuals / (n - 2) / sxx);
  const r1 = residuals > 0 ? Math.max(0, lagProduct / residuals) : 0;
  // A held value is one observation however often it is sampled (a minute-resolution source read
  // every second): the number of runs of equal values caps the effective sample size too.
  const effective = Math.min((n * (1 - r1)) / (1 + r1), runs);
  const adjustedSlopeStandardError = effective > 2 ? slopeStandardError * Math.sqrt((n - 2) / (effective - 2)) : Infinity;
  return { slopePerSecond: slope, fittedNow: intercept, newestTime: newest.time, slopeStandardError, adjustedSlopeStandardError, effectiveSampleSize: effective, residualSumOfSquares: residuals };
}

/**
 * Whether a fitted slope differs from zero: a Student t test on the autocorrelation-corrected
 * error with n_eff − 2 degrees of freedom, at `confidence` (two-sided by default: 0.95 → |t| ≥ t(0.975)).
 * A window worth fewer than four independent points (two held values of a minute-sampled trace,
 * say) never shows a trend: a single step is not a slope to extrapolate.
 */
export function isSignificantTrend(fit: TrendFit | undefined, confidence = 0.95, sided: 'two' | 'one' = 'two'): boolean {
  if (fit === undefined || fit.slopePerSecond === 0) return false;
  const degrees = fit.effectiveSampleSize - 2;
  if (degrees < 2) return false;
  const p = sided === 'two' ? 1 - (1 - confidence) / 2 : confidence;
  return Math.abs(fit.slopePerSecond) >= studentTQuantile(p, degrees) * fit.adjustedSlopeStandardError;
}

/**
 * Quantile of Student's t with `degrees` of freedom, by the Cornish–Fisher expansion around the
 * normal quantile (simple-statistics' probit); within 3% of the exact value from 2 degrees on.
 */
export function studentTQuantile(p: number, degrees: number): number {
  const z = probit(p);
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / degrees + g2 / degrees ** 2 + g3 / degrees ** 3;
}
