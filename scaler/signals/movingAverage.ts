import type { SampleWindow } from '../samples.js';

/** Arithmetic mean of the values in the window; undefined when the window is empty. */
export function simpleMovingAverage(window: SampleWindow): number | undefined {
  if (window.length === 0) return undefined;
  let sum = 0;
  for (const sample of window) sum += sample.value;
  return sum / window.length;
}

/**
 * Exponential moving average with a half-life in time rather than in samples, so that a gap in
 * the data (a missed scrape) weighs as the time it lasted and not as one step: each new sample
 * gets the weight `1 - 2^(-dt / halfLife)`. The first sample seeds the average.
 */
export function exponentialMovingAverage(window: SampleWindow, halfLifeMs: number): number | undefined {
  if (halfLifeMs <= 0) throw new RangeError(`halfLifeMs must be positive, got ${halfLifeMs}`);
  const first = window[0];
  if (first === undefined) return undefined;
  let average = first.value;
  let previousTime = first.time;
  for (let i = 1; i < window.length; i += 1) {
    const sample = window[i]!;
    const weight = 1 - 2 ** (-(sample.time - previousTime) / halfLifeMs);
    average += weight * (sample.value - average);
    previousTime = sample.time;
  }
  return average;
}
