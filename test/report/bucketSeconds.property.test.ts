/**
 * The bucket a report averages a range's series in. InfluxDB aligns `GROUP BY time(…)` to the
 * epoch, not to the range, so the bucket must hold the points a chart gets to at most 400 however
 * the range falls; on a downsampled policy it is a whole number of its stored intervals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketSecondsFor } from '../../scaler/report/history.js';
import { propertySettings } from '../support/properties.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const midnight = Date.UTC(2026, 11, 3);

/** How many epoch-aligned buckets [from, to] touches: the points a chart of it gets at most. */
const bucketsTouched = (from: number, to: number, seconds: number) => Math.floor(to / (seconds * 1000)) - Math.floor(from / (seconds * 1000)) + 1;

describe('the bucket of a range read from the points as written', () => {
  it('a day that starts on a bucket edge is 400 buckets of 216 s', () => {
    const from = 400 * 216_000 * 10_000;
    expect(bucketSecondsFor(from, from + DAY - 1)).toBe(216);
    expect(bucketsTouched(from, from + DAY - 1, 216)).toBe(400);
  });

  it('a day that does not would touch 401 buckets of 216 s: the bucket is 217 s', () => {
    const from = midnight + 90_000;
    expect(bucketsTouched(from, from + DAY, 216)).toBe(401);
    expect(bucketSecondsFor(from, from + DAY)).toBe(217);
  });

  it('a range of under 400 s is read second by second', () => {
    expect(bucketSecondsFor(midnight, midnight + 300_000)).toBe(1);
  });

  it('whatever the range, no chart gets more than 400 points, and a bucket a second shorter would give more', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1_000, max: 400 * DAY }));
    fc.assert(
      fc.property(range, ([from, span]) => {
        const bucket = bucketSecondsFor(from, from + span);
        expect(bucketsTouched(from, from + span, bucket)).toBeLessThanOrEqual(400);
        if (bucket > Math.ceil(span / 1000 / 400)) expect(bucketsTouched(from, from + span, bucket - 1)).toBeGreaterThan(400);
      }),
      propertySettings(500),
    );
  });
});

describe('the bucket of a range read from a downsampled policy (a mean every minute)', () => {
  it('an hour is read a stored minute a point, not in 9 s buckets of which most are empty', () => {
    expect(bucketSecondsFor(midnight, midnight + 60 * MINUTE, 400, 60)).toBe(60);
  });

  it('a range too long for minute points is read in whole numbers of minutes', () => {
    expect(bucketSecondsFor(midnight, midnight + 7 * 60 * MINUTE, 400, 60)).toBe(120);
    expect(bucketSecondsFor(midnight, midnight + 30 * DAY, 400, 60)).toBe(6540);
  });

  it('whatever the range, a bucket is a whole number of stored intervals and no chart gets more than 400 points', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1_000, max: 400 * DAY }), fc.constantFrom(10, 60, 300, 3600));
    fc.assert(
      fc.property(range, ([from, span, stored]) => {
        const bucket = bucketSecondsFor(from, from + span, 400, stored);
        expect(bucket % stored).toBe(0);
        expect(bucketsTouched(from, from + span, bucket)).toBeLessThanOrEqual(400);
      }),
      propertySettings(500),
    );
  });
});
