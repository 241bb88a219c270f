import { lastSpan, type SampleWindow } from '../samples.js';
import { exponentialMovingAverage, simpleMovingAverage } from './movingAverage.js';
import { percentile, windowMax } from './percentile.js';
import { newestSampleAgeMs } from './staleness.js';
import { forecast, trend } from './trend.js';

export interface SignalOptions {
  /** Span of the "stable" window: the mean the policy trusts (Knative uses 60 s). */
  stableWindowMs: number;
  /** Span of the short window that detects sudden spikes (Knative: 10% of stable, 6 s). */
  panicWindowMs: number;
  /** How far ahead to forecast: the time a replica started now needs before it serves. */
  forecastHorizonMs: number;
  /** Half-life of the exponential average. */
  emaHalfLifeMs: number;
}

/** Every signal the policies read, computed once from one window. Plain data, ready to log. */
export interface SignalSet {
  /** Mean over the stable window. */
  stableMean: number | undefined;
  /** Mean over the panic window. */
  panicMean: number | undefined;
  ema: number | undefined;
  /** Least-squares slope over the stable window, per second. */
  slopePerSecond: number | undefined;
  /** Stable-window line extended by the forecast horizon (never negative). */
  forecast: number | undefined;
  p95: number | undefined;
  max: number | undefined;
  /** Age of the newest sample at evaluation time (ms). */
  newestAgeMs: number;
  sampleCount: number;
}

export function computeSignals(window: SampleWindow, now: number, options: SignalOptions): SignalSet {
  const stable = lastSpan(window, options.stableWindowMs, now);
  const panic = lastSpan(window, options.panicWindowMs, now);
  return {
    stableMean: simpleMovingAverage(stable),
    panicMean: simpleMovingAverage(panic),
    ema: exponentialMovingAverage(stable, options.emaHalfLifeMs),
    slopePerSecond: trend(stable)?.slopePerSecond,
    forecast: forecast(stable, options.forecastHorizonMs),
    p95: percentile(stable, 0.95),
    max: windowMax(stable),
    newestAgeMs: newestSampleAgeMs(window, now),
    sampleCount: stable.length,
  };
}
