import { describe, expect, it } from 'vitest';
import { msUntilSustainedRise, throughputBuckets } from '../../bench/capacityServes.js';

describe('throughputBuckets', () => {
  it('counts answers per bucket as a rate per second', () => {
    // 250 ms buckets from t = 1000: two answers in the first, none in the second, one in the third.
    expect(throughputBuckets([1000, 1249, 1500, 1740], 1000, 1750, 250)).toEqual([8, 0, 8]);
  });

  it('leaves out answers before the start and at or after the end', () => {
    expect(throughputBuckets([999, 1000, 1500], 1000, 1500, 250)).toEqual([4, 0]);
  });

  it('refuses a bucket that is not positive', () => {
    expect(() => throughputBuckets([], 0, 1000, 0)).toThrow(/bucketMs must be positive/);
  });
});

describe('msUntilSustainedRise', () => {
  const timing = { from: 0, bucketMs: 250, changedAt: 1000 };

  it('is the end of the first bucket of a rise that holds, counted from the change', () => {
    //            0    250  500  750 |1000 1250 1500 1750 2000
    const rates = [10, 10, 10, 10, 12, 31, 30, 29, 30];
    expect(msUntilSustainedRise(rates, timing, 10, 2)).toBe(500); // the bucket 1250–1500 ends 500 ms after the change
  });

  it('does not take a single bucket of answers that had queued for a rise', () => {
    const rates = [10, 10, 10, 10, 40, 10, 10, 25, 30];
    expect(msUntilSustainedRise(rates, timing, 10, 2)).toBe(1000); // 1750–2000 and 2000–2250 hold: the first ends 1000 ms after the change
  });

  it('does not credit the change with a rise that began before it', () => {
    const rates = [10, 10, 30, 30, 10, 10, 10, 10];
    expect(msUntilSustainedRise(rates, timing, 10, 2)).toBeNull();
  });

  it('counts a bucket that begins at the change, and none that began before it', () => {
    expect(msUntilSustainedRise([10, 10, 10, 10, 30, 30], timing, 10, 2)).toBe(250);
    expect(msUntilSustainedRise([10, 10, 10, 10, 30, 30], { ...timing, changedAt: 1001 }, 10, 2)).toBeNull();
  });

  it('is null when the rise never reaches the factor', () => {
    expect(msUntilSustainedRise([10, 10, 10, 10, 19, 19, 19], timing, 10, 2)).toBeNull();
  });
});
