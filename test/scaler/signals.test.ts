import { describe, expect, it } from 'vitest';
import { lastSpan, type Sample } from '../../scaler/samples.js';
import { exponentialMovingAverage, simpleMovingAverage } from '../../scaler/signals/movingAverage.js';
import { percentile, windowMax } from '../../scaler/signals/percentile.js';
import { computeSignals } from '../../scaler/signals/signalSet.js';
import { newestSampleAgeMs } from '../../scaler/signals/staleness.js';
import { isLevelShiftRatherThanTrend, levelShiftFit } from '../../scaler/signals/levelShift.js';
import { forecast, trend, trendFit } from '../../scaler/signals/trend.js';
import { heldDemand } from '../../scaler/signals/heldDemand.js';

const T0 = 1_700_000_000_000;
const series = (values: number[], stepMs = 1000): Sample[] => values.map((value, i) => ({ time: T0 + i * stepMs, value }));

describe('moving averages', () => {
  it('the simple moving average is the arithmetic mean: (2+4+6+8)/4 = 5', () => {
    expect(simpleMovingAverage(series([2, 4, 6, 8]))).toBe(5);
  });
  it('an empty window has no average', () => {
    expect(simpleMovingAverage([])).toBeUndefined();
    expect(exponentialMovingAverage([], 1000)).toBeUndefined();
  });
  it('the exponential average weighs each new sample by 1 - 2^(-dt/halfLife)', () => {
    // half-life 1 s, samples 1 s apart: weight 0.5. 0 → 0.5·10 = 5 → 5 + 0.5·(10-5) = 7.5
    expect(exponentialMovingAverage(series([0, 10, 10]), 1000)).toBeCloseTo(7.5, 12);
  });
  it('a gap in the data weighs as the time it lasted: 2 s at half-life 1 s gives weight 0.75', () => {
    const window = [{ time: T0, value: 0 }, { time: T0 + 2000, value: 100 }];
    expect(exponentialMovingAverage(window, 1000)).toBeCloseTo(75, 12);
  });
});

describe('trend and forecast', () => {
  it('the least-squares slope of 1, 3, 5, 7 at 1 s steps is 2 per second', () => {
    const line = trend(series([1, 3, 5, 7]))!;
    expect(line.slopePerSecond).toBeCloseTo(2, 12);
    expect(line.fittedNow).toBeCloseTo(7, 12);
  });
  it('the slope is per second whatever the sampling: 0, 10, 20 at 5 s steps is 2 per second', () => {
    expect(trend(series([0, 10, 20], 5000))!.slopePerSecond).toBeCloseTo(2, 12);
  });
  it('a noisy line: slope of 1, 2, 2, 4 is (Σ(t-1.5)(v-2.25))/Σ(t-1.5)² = 4.5/5 = 0.9', () => {
    expect(trend(series([1, 2, 2, 4]))!.slopePerSecond).toBeCloseTo(0.9, 12);
  });
  it('forecasts along the line: 1, 3, 5, 7 then 10 s ahead is 7 + 2·10 = 27', () => {
    expect(forecast(series([1, 3, 5, 7]), 10_000)).toBeCloseTo(27, 12);
  });
  it('never forecasts a negative rate', () => {
    expect(forecast(series([10, 5, 0]), 60_000)).toBe(0);
  });
  it('needs two distinct times', () => {
    expect(trend(series([5]))).toBeUndefined();
  });
  it('the one-pass fit agrees with simple-statistics and gives the slope standard error', () => {
    const window = series([1, 2, 2, 4]);
    const fit = trendFit(window)!;
    expect(fit.slopePerSecond).toBeCloseTo(trend(window)!.slopePerSecond, 12);
    expect(fit.fittedNow).toBeCloseTo(trend(window)!.fittedNow, 12);
    // residuals of 0.9t + 0.9 at t=0..3: 0.1, 0.2, -0.7, 0.4 → Σr² = 0.7; SE = sqrt(0.7/2/5)
    expect(fit.slopeStandardError).toBeCloseTo(Math.sqrt(0.7 / 2 / 5), 12);
  });
});

describe('a shift of level against a trend', () => {
  it('finds where one flat level gives way to another: 1,1,1,1 then 5,5,5,5', () => {
    expect(levelShiftFit(series([1, 1, 1, 1, 5, 5, 5, 5]))).toEqual({ shiftTime: T0 + 4000, levelBefore: 1, levelAfter: 5, residualSumOfSquares: 0 });
  });
  it('keeps each level at least a tenth of the window (two samples): 2,4,6,8 can only split in the middle', () => {
    // (2−3)² + (4−3)² + (6−7)² + (8−7)² = 4
    expect(levelShiftFit(series([2, 4, 6, 8]))).toEqual({ shiftTime: T0 + 2000, levelBefore: 3, levelAfter: 7, residualSumOfSquares: 4 });
    expect(levelShiftFit(series([1, 2, 3]))).toBeUndefined();
  });
  it('a burst that began reads as a shift: 1,2,1,2 then 9,8,9,8 leaves 2 to the levels and 76/3 to the line', () => {
    const window = series([1, 2, 1, 2, 9, 8, 9, 8]);
    expect(levelShiftFit(window)?.residualSumOfSquares).toBeCloseTo(2, 12);
    // Syy − Sxy²/Sxx = 100 − 56²/42
    expect(trendFit(window)?.residualSumOfSquares).toBeCloseTo(76 / 3, 9);
    // BIC: 8 ln(2/8) + 3 ln 8 ≈ −4.85 against 8 ln(25.3/8) + 2 ln 8 ≈ 13.38
    expect(isLevelShiftRatherThanTrend(window, trendFit(window))).toBe(true);
  });
  it('a noisy ramp reads as a trend: 0,2,1,3,4,6,5,7 leaves 3.9 to the line and 10 to the best two levels', () => {
    const window = series([0, 2, 1, 3, 4, 6, 5, 7]);
    expect(trendFit(window)?.residualSumOfSquares).toBeCloseTo(42 - 1600 / 42, 9);
    expect(levelShiftFit(window)?.residualSumOfSquares).toBeCloseTo(10, 12);
    expect(isLevelShiftRatherThanTrend(window, trendFit(window))).toBe(false);
  });
  it('an exact line is a trend, and a shift must beat it by more than its extra parameter is worth', () => {
    expect(isLevelShiftRatherThanTrend(series([2, 4, 6, 8]), trendFit(series([2, 4, 6, 8])))).toBe(false);
    // A staircase of many small steps: the line explains it better than any one step.
    const staircase = series(Array.from({ length: 300 }, (_, i) => 100 + 20 * Math.floor(i / 60)));
    expect(isLevelShiftRatherThanTrend(staircase, trendFit(staircase))).toBe(false);
  });
});

describe('percentiles, maximum, staleness', () => {
  it('p90 of 1..10 interpolates between ranks: position 9·0.9 = 8.1 → 9 + 0.1·(10 - 9) = 9.1', () => {
    expect(percentile(series([5, 1, 9, 3, 7, 2, 10, 4, 8, 6]), 0.9)).toBeCloseTo(9.1, 12);
  });
  it('p95 of 1..20: position 19·0.95 = 18.05 → 19.05', () => {
    expect(percentile(series(Array.from({ length: 20 }, (_, i) => i + 1)), 0.95)).toBeCloseTo(19.05, 12);
  });
  it('p50 of 1, 2, 3, 4 is 2.5 (midpoint of an even count)', () => {
    expect(percentile(series([4, 1, 3, 2]), 0.5)).toBe(2.5);
  });
  it('refuses a percentile outside 0..1', () => {
    expect(() => percentile(series([1]), 95)).toThrow(RangeError);
  });
  it('the maximum is the largest value', () => {
    expect(windowMax(series([3, 9, 2]))).toBe(9);
  });
  it('the age of the newest sample, and an empty window is infinitely stale', () => {
    expect(newestSampleAgeMs(series([1, 2]), T0 + 4000)).toBe(3000);
    expect(newestSampleAgeMs([], T0)).toBe(Infinity);
  });
  it('lastSpan keeps the samples in (end - span, end]', () => {
    expect(lastSpan(series([0, 1, 2, 3, 4]), 2000).map((s) => s.value)).toEqual([3, 4]);
  });
});

describe('the demand that has held', () => {
  // Blocks of 4 s over 12 s, ending at the newest sample: (T0+7, T0+11], (T0+3, T0+7], (T0-1, T0+3].
  const now = T0 + 11_000;
  it('is the lowest block mean and the lowest block busy second', () => {
    // blocks [1, 2, 3, 10], [5, 5, 5, 5], [2, 4, 6, 8]: means 4, 5, 5; 95th percentiles (R-7, rank
    // 3 × 0.95 = 2.85) 3 + 0.85 × 7 = 8.95, 5, 6 + 0.85 × 2 = 7.7
    const held = heldDemand(series([1, 2, 3, 10, 5, 5, 5, 5, 2, 4, 6, 8]), now, 4000, 12_000);
    expect(held?.blocks).toBe(3);
    expect(held?.level).toBe(4);
    expect(held?.busySecond).toBeCloseTo(5, 10);
  });
  it('is the newest block itself when the span is one block', () => {
    const held = heldDemand(series([1, 2, 3, 10, 5, 5, 5, 5, 2, 4, 6, 8]), now, 4000, 4000);
    expect(held).toMatchObject({ level: 5, blocks: 1 });
    expect(held?.busySecond).toBeCloseTo(7.7, 10);
  });
  it('a burst in one block does not hold: a minute of 300 in five minutes of 100 holds 100', () => {
    const load = series(Array.from({ length: 300 }, (_, i) => (i >= 240 ? 300 : 100)));
    const held = heldDemand(load, T0 + 299_000, 60_000, 300_000);
    expect(held).toEqual({ level: 100, busySecond: 100, blocks: 5 });
  });
  it('leaves out blocks without samples (a hole says nothing of the load) and samples after now', () => {
    // samples every 5 s at 200, none in the oldest two of four 10 s blocks, one in the future at 900
    const sparse = [...series([200, 200, 200, 200], 5000).map((sample) => ({ ...sample, time: sample.time + 20_000 })), { time: T0 + 60_000, value: 900 }];
    const held = heldDemand(sparse, T0 + 39_000, 10_000, 40_000);
    expect(held).toEqual({ level: 200, busySecond: 200, blocks: 2 });
    expect(heldDemand([], now, 4000, 12_000)).toBeUndefined();
  });
  it('refuses a block that is not a positive length', () => {
    expect(() => heldDemand(series([1]), now, 0, 12_000)).toThrow(RangeError);
  });
});

describe('computeSignals', () => {
  it('computes every signal from one window', () => {
    const window = series([10, 10, 10, 10, 20, 20]);
    const signals = computeSignals(window, T0 + 5000, { stableWindowMs: 6000, panicWindowMs: 2000, forecastHorizonMs: 30_000, emaHalfLifeMs: 1000 });
    expect(signals.stableMean).toBeCloseTo(80 / 6, 12);
    expect(signals.panicMean).toBe(20);
    expect(signals.max).toBe(20);
    expect(signals.newestAgeMs).toBe(0);
    expect(signals.sampleCount).toBe(6);
    expect(signals.slopePerSecond).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(signals))).toEqual(signals);
  });
});
