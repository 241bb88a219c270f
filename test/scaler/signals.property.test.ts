import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { squareRootStaffing, staffedDemand } from '../../scaler/policies/squareRootStaffing.js';
import { lastSpan, type Sample } from '../../scaler/samples.js';
import { heldDemand } from '../../scaler/signals/heldDemand.js';
import { levelShiftFit } from '../../scaler/signals/levelShift.js';
import { exponentialMovingAverage, simpleMovingAverage } from '../../scaler/signals/movingAverage.js';
import { percentile, windowMax } from '../../scaler/signals/percentile.js';
import { computeSignals } from '../../scaler/signals/signalSet.js';
import { newestSampleAgeMs } from '../../scaler/signals/staleness.js';
import { forecast, isSignificantTrend, trend, trendFit } from '../../scaler/signals/trend.js';
import { propertySettings } from '../support/properties.js';

/**
 * The signals as specifications: what holds for any window of samples (oldest first, times in
 * whole milliseconds as the collector writes them, values a rate or a size: finite, not negative).
 * Floating point sums may leave the exact bound by a few units in the last place, so bounds are
 * checked with a relative slack of 1e-9 of the values' scale; nothing here is looser than that
 * except where a line is fitted (1e-6).
 */

const T0 = 1_700_000_000_000;
const value = fc.double({ min: 0, max: 10_000, noNaN: true, noDefaultInfinity: true });

/** A window of samples in time order, `minLength`..`maxLength` long, gaps of 0..`maxGapMs` (0: two samples at one time). */
function windowOf(minLength: number, maxLength = 120, minGapMs = 0, maxGapMs = 5000): fc.Arbitrary<Sample[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: 86_400_000 }), fc.array(fc.tuple(fc.integer({ min: minGapMs, max: maxGapMs }), value), { minLength, maxLength }))
    .map(([offset, points]) => {
      let time = T0 + offset;
      return points.map(([gap, v], i) => {
        if (i > 0) time += gap;
        return { time, value: v };
      });
    });
}
const anyWindow = windowOf(0);
const nonEmpty = windowOf(1);
/** At least `n` samples, all at distinct times. */
const distinctTimes = (n: number, maxLength = 120) => windowOf(n, maxLength, 1);

const values = (window: readonly Sample[]) => window.map((sample) => sample.value);
const lowest = (window: readonly Sample[]) => Math.min(...values(window));
const highest = (window: readonly Sample[]) => Math.max(...values(window));
/** The slack a floating point result may leave a bound by: 1e-9 of the values' scale. */
const slack = (window: readonly Sample[], factor = 1e-9) => factor * Math.max(1, ...values(window).map(Math.abs));
const within = (x: number, lo: number, hi: number, eps: number) => x >= lo - eps && x <= hi + eps;
const close = (a: number, b: number, eps: number) => Math.abs(a - b) <= eps;

describe('moving averages (properties)', () => {
  it('the simple moving average lies between the smallest and the largest sample', () => {
    fc.assert(
      fc.property(nonEmpty, (window) => {
        expect(within(simpleMovingAverage(window)!, lowest(window), highest(window), slack(window))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('the exponential moving average lies between the smallest and the largest sample, whatever its half-life', () => {
    fc.assert(
      fc.property(nonEmpty, fc.double({ min: 1, max: 1e7, noNaN: true }), (window, halfLife) => {
        expect(within(exponentialMovingAverage(window, halfLife)!, lowest(window), highest(window), slack(window))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('an empty window has no average (undefined, not NaN)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e7, noNaN: true }), (halfLife) => {
        expect(simpleMovingAverage([])).toBeUndefined();
        expect(exponentialMovingAverage([], halfLife)).toBeUndefined();
      }),
      propertySettings(20),
    );
  });

  it('a constant window averages to that constant, simply and exponentially', () => {
    fc.assert(
      fc.property(nonEmpty, value, fc.double({ min: 1, max: 1e7, noNaN: true }), (window, c, halfLife) => {
        const constant = window.map((sample) => ({ ...sample, value: c }));
        expect(close(simpleMovingAverage(constant)!, c, slack(constant))).toBe(true);
        expect(close(exponentialMovingAverage(constant, halfLife)!, c, slack(constant))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('scaling every value by k > 0 scales both averages by k', () => {
    fc.assert(
      fc.property(nonEmpty, fc.double({ min: 0.001, max: 1000, noNaN: true }), fc.double({ min: 1, max: 1e7, noNaN: true }), (window, k, halfLife) => {
        const scaled = window.map((sample) => ({ ...sample, value: sample.value * k }));
        expect(close(simpleMovingAverage(scaled)!, k * simpleMovingAverage(window)!, slack(scaled, 1e-9))).toBe(true);
        expect(close(exponentialMovingAverage(scaled, halfLife)!, k * exponentialMovingAverage(window, halfLife)!, slack(scaled, 1e-9))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('shifting every time by a constant changes neither average (the EMA weighs intervals, not instants)', () => {
    fc.assert(
      fc.property(nonEmpty, fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: 1, max: 1e7, noNaN: true }), (window, shift, halfLife) => {
        const shifted = window.map((sample) => ({ ...sample, time: sample.time + shift }));
        expect(simpleMovingAverage(shifted)).toBe(simpleMovingAverage(window));
        expect(exponentialMovingAverage(shifted, halfLife)).toBe(exponentialMovingAverage(window, halfLife));
      }),
      propertySettings(300),
    );
  });
});

describe('percentiles and the maximum (properties)', () => {
  const p = fc.double({ min: 0, max: 1, noNaN: true });

  it('a percentile lies between the smallest and the largest sample', () => {
    fc.assert(
      fc.property(nonEmpty, p, (window, q) => {
        expect(within(percentile(window, q)!, lowest(window), highest(window), slack(window))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('a percentile is monotone in p', () => {
    fc.assert(
      fc.property(nonEmpty, p, p, (window, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(percentile(window, lo)!).toBeLessThanOrEqual(percentile(window, hi)! + slack(window));
      }),
      propertySettings(300),
    );
  });

  it('p = 0 is the smallest sample and p = 1 the largest, exactly; the largest is windowMax', () => {
    fc.assert(
      fc.property(nonEmpty, (window) => {
        expect(percentile(window, 0)).toBe(lowest(window));
        expect(percentile(window, 1)).toBe(highest(window));
        expect(windowMax(window)).toBe(highest(window));
      }),
      propertySettings(300),
    );
  });

  it('windowMax is at least every sample and is one of them', () => {
    fc.assert(
      fc.property(nonEmpty, (window) => {
        const max = windowMax(window)!;
        for (const sample of window) expect(max).toBeGreaterThanOrEqual(sample.value);
        expect(values(window)).toContain(max);
      }),
      propertySettings(300),
    );
  });

  it('the order of the samples does not matter to a percentile', () => {
    fc.assert(
      fc.property(nonEmpty, p, (window, q) => {
        const reversed = [...window].reverse();
        expect(percentile(reversed, q)).toBe(percentile(window, q));
      }),
      propertySettings(300),
    );
  });

  it('scaling every value by k > 0 scales a percentile by k', () => {
    fc.assert(
      fc.property(nonEmpty, p, fc.double({ min: 0.001, max: 1000, noNaN: true }), (window, q, k) => {
        const scaled = window.map((sample) => ({ ...sample, value: sample.value * k }));
        expect(close(percentile(scaled, q)!, k * percentile(window, q)!, slack(scaled))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('an empty window has no percentile and no maximum (undefined, not NaN); p outside 0..1 is refused', () => {
    fc.assert(
      fc.property(p, anyWindow, fc.oneof(fc.double({ min: -1e6, max: -1e-9, noNaN: true }), fc.double({ min: 1 + 1e-9, max: 1e6, noNaN: true })), (q, window, outside) => {
        expect(percentile([], q)).toBeUndefined();
        expect(windowMax([])).toBeUndefined();
        expect(() => percentile(window, outside)).toThrow(RangeError);
      }),
      propertySettings(100),
    );
  });
});

describe('trend and forecast (properties)', () => {
  /** Distinct times and a line value = a + b × seconds since the first sample. */
  const onALine = fc.tuple(distinctTimes(3, 60), fc.double({ min: 0, max: 5000, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true })).map(([window, a, b]) => {
    const first = window[0]!.time;
    return { window: window.map((sample) => ({ time: sample.time, value: a + (b * (sample.time - first)) / 1000 })), a, b };
  });
  /** The tolerance for a fitted line: 1e-6 of the values' scale, per second over the window's span. */
  const lineSlack = (window: readonly Sample[]) => {
    const spanSeconds = Math.max(1, (window.at(-1)!.time - window[0]!.time) / 1000);
    return { value: slack(window, 1e-6), slope: slack(window, 1e-6) / spanSeconds };
  };

  it('samples on an exact line give that slope and that value at the newest sample', () => {
    fc.assert(
      fc.property(onALine, ({ window, b }) => {
        const line = trend(window)!;
        const eps = lineSlack(window);
        expect(close(line.slopePerSecond, b, eps.slope)).toBe(true);
        expect(close(line.fittedNow, window.at(-1)!.value, eps.value)).toBe(true);
        expect(line.newestTime).toBe(window.at(-1)!.time);
      }),
      propertySettings(300),
    );
  });

  it('the one-pass trendFit gives the same line as trend, and leaves nothing unexplained on an exact line', () => {
    fc.assert(
      fc.property(onALine, ({ window, b }) => {
        const fit = trendFit(window)!;
        const eps = lineSlack(window);
        expect(close(fit.slopePerSecond, b, eps.slope)).toBe(true);
        expect(close(fit.fittedNow, trend(window)!.fittedNow, eps.value)).toBe(true);
        // Σ r² is in squared units: relative to n × scale².
        expect(fit.residualSumOfSquares).toBeLessThanOrEqual(window.length * slack(window, 1e-6) ** 2);
      }),
      propertySettings(300),
    );
  });

  it('a forecast on an exact line is the line at the horizon (never negative)', () => {
    fc.assert(
      fc.property(onALine, fc.integer({ min: 0, max: 600_000 }), ({ window, a, b }, horizonMs) => {
        const first = window[0]!.time;
        const expected = Math.max(0, a + (b * (window.at(-1)!.time + horizonMs - first)) / 1000);
        const eps = lineSlack(window);
        expect(close(forecast(window, horizonMs)!, expected, eps.value + eps.slope * (horizonMs / 1000))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('a constant window has zero slope, forecasts the constant at any horizon, and never shows a significant trend', () => {
    fc.assert(
      fc.property(distinctTimes(3), value, fc.integer({ min: 0, max: 600_000 }), (window, c, horizonMs) => {
        const constant = window.map((sample) => ({ ...sample, value: c }));
        const eps = lineSlack(constant);
        expect(close(trend(constant)!.slopePerSecond, 0, eps.slope)).toBe(true);
        expect(close(forecast(constant, horizonMs)!, c, eps.value + eps.slope * (horizonMs / 1000))).toBe(true);
        expect(isSignificantTrend(trendFit(constant))).toBe(false);
      }),
      propertySettings(300),
    );
  });

  it('shifting every time by a whole number of milliseconds does not change the line', () => {
    fc.assert(
      fc.property(distinctTimes(3), fc.integer({ min: -1e9, max: 1e9 }), (window, shift) => {
        const shifted = window.map((sample) => ({ ...sample, time: sample.time + shift }));
        expect(trend(shifted)!.slopePerSecond).toBe(trend(window)!.slopePerSecond);
        expect(trendFit(shifted)!.slopePerSecond).toBe(trendFit(window)!.slopePerSecond);
        expect(forecast(shifted, 30_000)).toBe(forecast(window, 30_000));
      }),
      propertySettings(300),
    );
  });

  it('scaling every value by k > 0 scales the slope by k (both fits)', () => {
    fc.assert(
      fc.property(distinctTimes(3), fc.double({ min: 0.001, max: 1000, noNaN: true }), (window, k) => {
        const scaled = window.map((sample) => ({ ...sample, value: sample.value * k }));
        const eps = lineSlack(scaled).slope;
        expect(close(trend(scaled)!.slopePerSecond, k * trend(window)!.slopePerSecond, eps)).toBe(true);
        expect(close(trendFit(scaled)!.slopePerSecond, k * trendFit(window)!.slopePerSecond, eps)).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('the one-pass trendFit agrees with trend on any window (a mean offset large against the noise included)', () => {
    fc.assert(
      fc.property(distinctTimes(3), fc.double({ min: 0, max: 1e6, noNaN: true }), (window, offset) => {
        const lifted = window.map((sample) => ({ ...sample, value: sample.value + offset }));
        const eps = lineSlack(lifted).slope;
        expect(close(trendFit(lifted)!.slopePerSecond, trend(lifted)!.slopePerSecond, eps)).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('the slope errors are not negative, the corrected one is never smaller, and the effective sample size is within 0..n', () => {
    fc.assert(
      fc.property(distinctTimes(3), (window) => {
        const fit = trendFit(window)!;
        expect(fit.slopeStandardError).toBeGreaterThanOrEqual(0);
        expect(fit.residualSumOfSquares).toBeGreaterThanOrEqual(0);
        expect(fit.adjustedSlopeStandardError).toBeGreaterThanOrEqual(fit.slopeStandardError);
        expect(fit.effectiveSampleSize).toBeGreaterThanOrEqual(0);
        expect(fit.effectiveSampleSize).toBeLessThanOrEqual(window.length);
      }),
      propertySettings(300),
    );
  });

  it('fewer than two distinct times give no trend and no forecast (undefined, not NaN); fewer than three samples no trendFit', () => {
    fc.assert(
      fc.property(fc.integer({ min: T0, max: T0 + 1e9 }), fc.array(value, { maxLength: 20 }), (time, list) => {
        const oneInstant = list.map((v) => ({ time, value: v }));
        expect(trend(oneInstant)).toBeUndefined();
        expect(forecast(oneInstant, 30_000)).toBeUndefined();
        expect(trendFit(oneInstant)).toBeUndefined();
        expect(trendFit(oneInstant.slice(0, 2).map((sample, i) => ({ ...sample, time: sample.time + i * 1000 })))).toBeUndefined();
      }),
      propertySettings(100),
    );
  });

  it('a forecast is never negative and never NaN', () => {
    fc.assert(
      fc.property(anyWindow, fc.integer({ min: 0, max: 3_600_000 }), (window, horizonMs) => {
        const f = forecast(window, horizonMs);
        if (f !== undefined) {
          expect(Number.isFinite(f)).toBe(true);
          expect(f).toBeGreaterThanOrEqual(0);
        }
      }),
      propertySettings(300),
    );
  });
});

describe('staleness (properties)', () => {
  it('the newest sample is never of negative age; its age is now minus its time; an empty window is infinitely stale', () => {
    fc.assert(
      fc.property(anyWindow, fc.integer({ min: -600_000, max: 3_600_000 }), (window, after) => {
        const newest = window.at(-1);
        const now = (newest?.time ?? T0) + after;
        const age = newestSampleAgeMs(window, now);
        if (newest === undefined) expect(age).toBe(Infinity);
        else expect(age).toBe(Math.max(0, after));
      }),
      propertySettings(300),
    );
  });
});

describe('the demand that has held (properties)', () => {
  const blockMs = fc.integer({ min: 1000, max: 120_000 });
  const spanMs = fc.integer({ min: 0, max: 600_000 });
  const held = fc.tuple(nonEmpty, blockMs, spanMs, fc.integer({ min: -10_000, max: 120_000 }));
  /** The samples heldDemand may read: those in (now − blocks × block, now]. */
  const readable = (window: readonly Sample[], now: number, block: number, span: number) => lastSpan(window, Math.max(1, Math.floor(span / block)) * block, now);

  it('is undefined exactly when no sample lies in its blocks, and counts at most the blocks of the span', () => {
    fc.assert(
      fc.property(held, ([window, block, span, after]) => {
        const now = window.at(-1)!.time - after;
        const result = heldDemand(window, now, block, span);
        const seen = readable(window, now, block, span);
        expect(result === undefined).toBe(seen.length === 0);
        if (result) {
          expect(result.blocks).toBeGreaterThanOrEqual(1);
          expect(result.blocks).toBeLessThanOrEqual(Math.max(1, Math.floor(span / block)));
        }
      }),
      propertySettings(300),
    );
  });

  it('the held level and busy second lie within the values it read, and the level is at most the newest block’s mean', () => {
    fc.assert(
      fc.property(held, ([window, block, span, after]) => {
        const now = window.at(-1)!.time - after;
        const result = heldDemand(window, now, block, span);
        if (result === undefined) return;
        const seen = readable(window, now, block, span);
        const eps = slack(seen);
        expect(within(result.level, lowest(seen), highest(seen), eps)).toBe(true);
        expect(within(result.busySecond, lowest(seen), highest(seen), eps)).toBe(true);
        const newest = simpleMovingAverage(lastSpan(window, block, now));
        if (newest !== undefined) expect(result.level).toBeLessThanOrEqual(newest + eps);
      }),
      propertySettings(300),
    );
  });

  it('a longer span can only lower what has held (more blocks to have been lower in)', () => {
    fc.assert(
      fc.property(held, fc.integer({ min: 0, max: 600_000 }), ([window, block, span, after], more) => {
        const now = window.at(-1)!.time - after;
        const short = heldDemand(window, now, block, span);
        const long = heldDemand(window, now, block, span + more);
        if (short === undefined) return;
        expect(long).toBeDefined();
        expect(long!.level).toBeLessThanOrEqual(short.level);
        expect(long!.busySecond).toBeLessThanOrEqual(short.busySecond);
        expect(long!.blocks).toBeGreaterThanOrEqual(short.blocks);
      }),
      propertySettings(300),
    );
  });

  it('over one block it is that block’s mean and 95th percentile', () => {
    fc.assert(
      fc.property(nonEmpty, blockMs, (window, block) => {
        const now = window.at(-1)!.time;
        const result = heldDemand(window, now, block, block)!;
        const last = lastSpan(window, block, now);
        expect(result.blocks).toBe(1);
        expect(close(result.level, simpleMovingAverage(last)!, slack(last))).toBe(true);
        expect(close(result.busySecond, percentile(last, 0.95)!, slack(last))).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('samples after now are not read', () => {
    fc.assert(
      fc.property(held, fc.array(fc.tuple(fc.integer({ min: 1, max: 60_000 }), value), { minLength: 1, maxLength: 10 }), ([window, block, span], future) => {
        const now = window.at(-1)!.time;
        let time = now;
        const later = future.map(([gap, v]) => ({ time: (time += gap), value: v }));
        expect(heldDemand([...window, ...later], now, block, span)).toEqual(heldDemand(window, now, block, span));
      }),
      propertySettings(300),
    );
  });

  it('a block that is not a positive length is refused', () => {
    fc.assert(
      fc.property(nonEmpty, fc.integer({ min: -60_000, max: 0 }), (window, block) => {
        expect(() => heldDemand(window, window.at(-1)!.time, block, 60_000)).toThrow(RangeError);
      }),
      propertySettings(50),
    );
  });
});

describe('a shift of level (properties)', () => {
  it('is undefined below four samples and defined from four on', () => {
    fc.assert(
      fc.property(distinctTimes(0, 30), (window) => {
        expect(levelShiftFit(window) === undefined).toBe(window.length < 4);
      }),
      propertySettings(300),
    );
  });

  it('splits at a sample, leaves each level at least a tenth of the window (two samples), and each level is its segment’s mean', () => {
    fc.assert(
      fc.property(distinctTimes(4), (window) => {
        const shift = levelShiftFit(window)!;
        const split = window.findIndex((sample) => sample.time === shift.shiftTime);
        const minSegment = Math.max(2, Math.ceil(window.length / 10));
        expect(split).toBeGreaterThanOrEqual(minSegment);
        expect(window.length - split).toBeGreaterThanOrEqual(minSegment);
        const eps = slack(window);
        expect(close(shift.levelBefore, simpleMovingAverage(window.slice(0, split))!, eps)).toBe(true);
        expect(close(shift.levelAfter, simpleMovingAverage(window.slice(split))!, eps)).toBe(true);
      }),
      propertySettings(300),
    );
  });

  it('two levels never explain less than one: the residual is within 0 and the residual about the overall mean', () => {
    fc.assert(
      fc.property(distinctTimes(4), (window) => {
        const shift = levelShiftFit(window)!;
        const mean = simpleMovingAverage(window)!;
        const total = window.reduce((sum, sample) => sum + (sample.value - mean) ** 2, 0);
        expect(shift.residualSumOfSquares).toBeGreaterThanOrEqual(0);
        // The one-pass sums carry rounding of the order of Σ x² × 1e-12.
        const squares = window.reduce((sum, sample) => sum + sample.value ** 2, 0);
        expect(shift.residualSumOfSquares).toBeLessThanOrEqual(total + 1e-9 * Math.max(1, squares));
      }),
      propertySettings(300),
    );
  });

  it('an exact step between two levels, each long enough, is found where it is', () => {
    const step = fc
      .tuple(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 2, max: 60 }), value, value, fc.integer({ min: 1, max: 5000 }))
      .filter(([before, after, a, b]) => {
        const minSegment = Math.max(2, Math.ceil((before + after) / 10));
        return before >= minSegment && after >= minSegment && Math.abs(a - b) > 1e-3;
      });
    fc.assert(
      fc.property(step, ([before, after, a, b, stepMs]) => {
        const window = Array.from({ length: before + after }, (_, i) => ({ time: T0 + i * stepMs, value: i < before ? a : b }));
        const shift = levelShiftFit(window)!;
        expect(shift.shiftTime).toBe(T0 + before * stepMs);
        expect(close(shift.levelBefore, a, slack(window))).toBe(true);
        expect(close(shift.levelAfter, b, slack(window))).toBe(true);
      }),
      propertySettings(300),
    );
  });
});

describe('computeSignals (properties)', () => {
  const options = fc.record({
    stableWindowMs: fc.integer({ min: 1000, max: 600_000 }),
    panicWindowMs: fc.integer({ min: 1000, max: 60_000 }),
    forecastHorizonMs: fc.integer({ min: 0, max: 600_000 }),
    emaHalfLifeMs: fc.integer({ min: 1, max: 600_000 }),
  });

  it('on any window every signal is a finite number or undefined (never NaN); the age is ≥ 0 or infinite for an empty window', () => {
    fc.assert(
      fc.property(anyWindow, options, fc.integer({ min: -60_000, max: 600_000 }), (window, opts, after) => {
        const now = (window.at(-1)?.time ?? T0) + after;
        const signals = computeSignals(window, now, opts);
        for (const [name, v] of Object.entries(signals)) {
          if (v === undefined) continue;
          if (name === 'newestAgeMs' && window.length === 0) expect(v).toBe(Infinity);
          else expect(Number.isFinite(v), `${name} = ${v}`).toBe(true);
        }
        expect(signals.newestAgeMs).toBeGreaterThanOrEqual(0);
        expect(signals.sampleCount).toBe(lastSpan(window, opts.stableWindowMs, now).length);
        expect(signals.stableMean === undefined).toBe(signals.sampleCount === 0);
        if (signals.forecast !== undefined) expect(signals.forecast).toBeGreaterThanOrEqual(0);
      }),
      propertySettings(300),
    );
  });

  it('the stable window’s mean, EMA and p95 lie within its range, and the max bounds them all', () => {
    fc.assert(
      fc.property(nonEmpty, options, (window, opts) => {
        const now = window.at(-1)!.time;
        const signals = computeSignals(window, now, opts);
        const stable = lastSpan(window, opts.stableWindowMs, now);
        const eps = slack(stable);
        for (const v of [signals.stableMean!, signals.ema!, signals.p95!]) expect(within(v, lowest(stable), signals.max!, eps)).toBe(true);
        expect(signals.max).toBe(highest(stable));
      }),
      propertySettings(300),
    );
  });
});

describe('square-root staffing (properties)', () => {
  const load = fc.double({ min: 0, max: 10_000, noNaN: true });
  const beta = fc.double({ min: 0, max: 5, noNaN: true });

  it('is monotone in the load and in the headroom', () => {
    fc.assert(
      fc.property(load, load, beta, beta, (a, b, x, y) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const [small, large] = x <= y ? [x, y] : [y, x];
        expect(squareRootStaffing(lo, small)).toBeLessThanOrEqual(squareRootStaffing(hi, small));
        expect(squareRootStaffing(lo, small)).toBeLessThanOrEqual(squareRootStaffing(lo, large));
      }),
      propertySettings(300),
    );
  });

  it('never staffs below the plain replica need, and the rounded-up replicas never below its ceiling', () => {
    fc.assert(
      fc.property(load, beta, (r, b) => {
        expect(squareRootStaffing(r, b)).toBeGreaterThanOrEqual(r);
        expect(Math.ceil(squareRootStaffing(r, b))).toBeGreaterThanOrEqual(Math.ceil(r));
      }),
      propertySettings(300),
    );
  });

  it('a larger load runs hotter: the utilisation R / (R + β√R) never falls as R grows', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 10_000, noNaN: true }), fc.double({ min: 1e-6, max: 10_000, noNaN: true }), beta, (a, b, x) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const utilisation = (r: number) => r / squareRootStaffing(r, x);
        expect(utilisation(lo)).toBeLessThanOrEqual(utilisation(hi) + 1e-12);
      }),
      propertySettings(300),
    );
  });

  it('a busy second as demand is monotone in the busy second and never needs fewer replicas at the target than the busy second at full capacity', () => {
    // No subnormal rates: 5e-324 rps over 0.1 rps per replica underflows to 0 replicas (float, not policy).
    const rps = fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 100_000, noNaN: true }));
    const capacity = fc.double({ min: 0.1, max: 1000, noNaN: true });
    const target = fc.double({ min: 0.05, max: 1, noNaN: true });
    fc.assert(
      fc.property(rps, rps, capacity, target, beta, (a, b, c, u, x) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(staffedDemand(lo, c, u, x)).toBeLessThanOrEqual(staffedDemand(hi, c, u, x) * (1 + 1e-12));
        // Replicas at the target for the staffed demand ≥ replicas at full capacity for the busy second.
        expect(staffedDemand(a, c, u, x) / (c * u)).toBeGreaterThanOrEqual((a / c) * (1 - 1e-12));
      }),
      propertySettings(300),
    );
  });
});
