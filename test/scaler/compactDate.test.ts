/**
 * Dates written as digits. Those of 8 and 10 digits (YYYYMMDD, YYYYMMDDhh) are not too large to be
 * seconds, so a trace of them was read as seconds without a word: hourly rows 1 s apart within a
 * day and 77 s across midnight, daily rows 1 s apart within a month and 70 s across its end. A
 * trace whose every timestamp is such a date, and whose steps are more even read as dates than as
 * numbers, is refused, saying so; one that crosses no midnight or month's end is even both ways
 * and read as it is, since nothing tells it from seconds.
 */
import { describe, expect, it } from 'vitest';
import { compactDate, digitDatesRefusal } from '../../scaler/simulator/compactDate.js';

/** A trace's timestamps as the parser keeps them: the first, and each less it. */
function refusalOf(timestamps: readonly number[]): string | undefined {
  const first = timestamps[0] as number;
  return digitDatesRefusal(first, Float64Array.from(timestamps, (t) => t - first));
}

/** Hourly timestamps written as YYYYMMDDhh from a UTC date-time, `count` of them. */
function hourly(fromIso: string, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number(new Date(Date.parse(fromIso) + i * 3_600_000).toISOString().slice(0, 13).replace(/\D/g, '')));
}

/** Daily timestamps written as YYYYMMDD from a UTC date, `count` of them. */
function daily(fromIso: string, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number(new Date(Date.parse(fromIso) + i * 86_400_000).toISOString().slice(0, 10).replace(/\D/g, '')));
}

describe('a number read as a date written as digits', () => {
  it('reads 8, 10, 12 and 14 digits as a date and time, with its ISO 8601 form and epoch seconds', () => {
    expect(compactDate(20240530)).toEqual({ pattern: 'YYYYMMDD', iso: '2024-05-30T00:00:00Z', epochSeconds: Date.UTC(2024, 4, 30) / 1000 });
    expect(compactDate(2024053023)).toEqual({ pattern: 'YYYYMMDDhh', iso: '2024-05-30T23:00:00Z', epochSeconds: Date.UTC(2024, 4, 30, 23) / 1000 });
    expect(compactDate(202405302359)).toMatchObject({ pattern: 'YYYYMMDDhhmm', iso: '2024-05-30T23:59:00Z' });
    expect(compactDate(20240530235958)).toMatchObject({ pattern: 'YYYYMMDDhhmmss', iso: '2024-05-30T23:59:58Z' });
  });
  it('is no date where a field is out of its range, the year outside 1970–2100, or the digits another count', () => {
    for (const notADate of [2024053024, 20240230, 20241301, 19691231, 21010101, 202405301, 0, 1700000000, -20240530, 20240530.5]) {
      expect(compactDate(notADate), String(notADate)).toBeUndefined();
    }
    expect(compactDate(20240229), 'a leap day').toBeDefined();
  });
});

describe('a trace whose timestamps are dates of 8 or 10 digits', () => {
  it('is refused where hourly rows written as YYYYMMDDhh cross midnight, naming the step and the turn', () => {
    expect(refusalOf(hourly('2024-05-30T20:00:00Z', 8))).toBe(
      'the timestamps, read as seconds, are 1 s apart, but 77 s from 2024053023 to 2024053100, and 1 hour apart read as dates: they look like dates written as digits (YYYYMMDDhh); write the timestamps as ISO 8601 date-times (2024-05-30T20:00:00Z)',
    );
  });
  it('is refused where daily rows written as YYYYMMDD cross a month end (and a year end)', () => {
    expect(refusalOf(daily('2024-01-25T00:00:00Z', 14))).toBe(
      'the timestamps, read as seconds, are 1 s apart, but 70 s from 20240131 to 20240201, and 1 day apart read as dates: they look like dates written as digits (YYYYMMDD); write the timestamps as ISO 8601 date-times (2024-01-25T00:00:00Z)',
    );
    expect(refusalOf(daily('2023-12-29T00:00:00Z', 6))).toMatch(/^the timestamps, read as seconds, are 1 s apart, but 8870 s from 20231231 to 20240101, and 1 day apart/);
  });
  it('is refused at rows every 6 hours, the step named in hours', () => {
    const sixHourly = hourly('2024-05-30T00:00:00Z', 48).filter((_, i) => i % 6 === 0);
    expect(refusalOf(sixHourly)).toMatch(/^the timestamps, read as seconds, are 6 s apart, but 82 s from 2024053018 to 2024053100, and 6 hours apart read as dates:/);
  });
  it('is read as it is where it crosses no midnight or month end: even both ways, nothing tells it from seconds', () => {
    expect(refusalOf(hourly('2024-05-30T00:00:00Z', 24))).toBeUndefined();
    expect(refusalOf(daily('2024-05-01T00:00:00Z', 31))).toBeUndefined();
  });
  it('is read as it is where some timestamp is no date, or of another pattern: seconds that only start like one', () => {
    expect(refusalOf([20240530, 20240560, 20240620, 20240680])).toBeUndefined();
    expect(refusalOf([2024053023, 2024053100, 20240531])).toBeUndefined();
  });
  it('leaves dates of 12 and 14 digits to their size (epochTimestampUnit refuses them as too large for seconds)', () => {
    expect(refusalOf([202405302359, 202405310000, 202405310001])).toBeUndefined();
  });
  it('leaves seconds from a trace start alone, and epoch seconds of today (their digits are no date from 1970 on)', () => {
    expect(refusalOf([0, 60, 120, 180])).toBeUndefined();
    expect(refusalOf([1_717_027_200, 1_717_030_800, 1_717_034_400])).toBeUndefined();
  });
});
