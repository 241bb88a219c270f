import { linearRegression } from 'simple-statistics';
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
  let sumT = 0;
  let sumV = 0;
  for (const sample of window) {
    sumT += (sample.time - newest.time) / 1000;
    sumV += sample.value;
  }
  const meanT = sumT / n;
  const meanV = sumV / n;
  let sxx = 0;
  let sxy = 0;
  for (const sample of window) {
    const dt = (sample.time - newest.time) / 1000 - meanT;
    sxx += dt * dt;
    sxy += dt * (sample.value - meanV);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  let residuals = 0;
  for (const sample of window) {
    const dt = (sample.time - newest.time) / 1000 - meanT;
    const r = sample.value - (meanV + slope * dt);
    residuals += r * r;
  }
  return {
    slopePerSecond: slope,
    fittedNow: meanV + slope * (0 - meanT),
    newestTime: newest.time,
    slopeStandardError: Math.sqrt(residuals / (n - 2) / sxx),
  };
}
