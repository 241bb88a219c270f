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
