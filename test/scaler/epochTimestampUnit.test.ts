/**
 * The unit of a trace's numeric timestamps where the header leaves it to their size. Seconds
 * since the epoch stay below 1e11 until the year 5138: a first timestamp at or above it, under a
 * header that names no unit, is epoch milliseconds (1e11 to 1e14) or microseconds (1e14 to 1e17),
 * read so with a note; nanoseconds (1e17 on) are refused, saying to name the unit. A header that
 * names seconds over such a timestamp is refused, naming the contradiction and the fix. Read as
 * seconds, 1,700,000,000,000 was the year 55,000 and a 1 s trace's rows 1000 s apart.
 *
 * Whatever the unit, named or told by the size, a first timestamp after 2100 in it is refused,
 * saying what it looks like: `timestamp_ms` over microseconds was the year 55,000, and a date
 * written as digits (20240510120000) under `timestamp` was read as milliseconds, the year 2611.
 */
import { describe, expect, it } from 'vitest';
import { EPOCH_SECONDS_LIMIT, epochTimestampUnit, type HeaderUnit, LATEST_PLAUSIBLE_SECONDS } from '../../scaler/simulator/epochTimestampUnit.js';

const NO_UNIT: HeaderUnit = { columnName: 'timestamp', seconds: 1, named: false };
const NO_HEADER: HeaderUnit = { columnName: undefined, seconds: 1, named: false };
const SECONDS: HeaderUnit = { columnName: 'timestamp_seconds', seconds: 1, named: true };

describe('the unit of timestamps too large to be seconds since the epoch', () => {
  it('leaves seconds as they are up to 2100 (below 1e11, the year 5138, and after 2100 refused, below), and a date-time or a cell that is no number (NaN)', () => {
    for (const first of [0, 1_700_000_000, LATEST_PLAUSIBLE_SECONDS, -1e15, NaN, Infinity]) {
      for (const header of [NO_UNIT, NO_HEADER, SECONDS]) expect(epochTimestampUnit(header, first), `${header.columnName} ${first}`).toEqual({ kind: 'read', seconds: 1 });
    }
  });

  it('reads epoch milliseconds under a header that names no unit, or no header, with a note that says so and why', () => {
    expect(epochTimestampUnit(NO_UNIT, 1_700_000_000_000)).toEqual({
      kind: 'read',
      seconds: 0.001,
      note: 'timestamps read as milliseconds since the epoch, the first 2023-11-14T22:13:20Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)',
    });
    expect(epochTimestampUnit(NO_HEADER, 1_700_000_000_000)).toMatchObject({ kind: 'read', seconds: 0.001, note: expect.stringContaining('(the file has no header to name their unit, and as seconds') });
    for (const first of [1e11, LATEST_PLAUSIBLE_SECONDS * 1000]) expect(epochTimestampUnit(NO_UNIT, first), String(first)).toMatchObject({ kind: 'read', seconds: 0.001 });
  });

  it('reads epoch microseconds from 1e14 (up to 2100; to 1e17 they are after it, refused below)', () => {
    expect(epochTimestampUnit(NO_UNIT, 1_700_000_000_000_000)).toEqual({
      kind: 'read',
      seconds: 0.000001,
      note: 'timestamps read as microseconds since the epoch, the first 2023-11-14T22:13:20Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)',
    });
    for (const first of [1e14, LATEST_PLAUSIBLE_SECONDS * 1e6]) expect(epochTimestampUnit(NO_UNIT, first), String(first)).toMatchObject({ kind: 'read', seconds: 0.000001 });
  });

  it('refuses epoch nanoseconds (1e17 and above), a unit not read, saying to name the unit', () => {
    expect(epochTimestampUnit(NO_UNIT, 1_700_000_000_000_000_000)).toEqual({
      kind: 'refused',
      message: 'the first timestamp, 1700000000000000000, is too large to be seconds, milliseconds or microseconds since the epoch, and the timestamp column "timestamp" names no unit: name their unit in the header (timestamp_ms, timestamp_us); nanoseconds are not read: divide them by 1000 to microseconds (timestamp_us)',
    });
    expect(epochTimestampUnit(NO_HEADER, 1e17)).toMatchObject({ kind: 'refused', message: expect.stringContaining(', and the file has no header to name their unit: name their unit in the header') });
    // Quoted as a number, in digits up to 1e21 and an exponent beyond: never a cell's thousand digits.
    expect(epochTimestampUnit(NO_UNIT, Number(`1${'0'.repeat(300)}`))).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^the first timestamp, 1e\+300, is too large/) });
  });

  it('refuses a header that names seconds over timestamps too large to be seconds, naming the contradiction and the fix for their size', () => {
    expect(epochTimestampUnit(SECONDS, 1_700_000_000_000)).toEqual({
      kind: 'refused',
      message: 'the timestamp column "timestamp_seconds" names seconds, but the first timestamp, 1700000000000, is too large to be seconds since the epoch (after the year 5138): if they are milliseconds (2023-11-14T22:13:20Z), name the column so (timestamp_ms)',
    });
    expect(epochTimestampUnit({ columnName: 'time (s)', seconds: 1, named: true }, 1_700_000_000_000_000)).toEqual({
      kind: 'refused',
      message: 'the timestamp column "time (s)" names seconds, but the first timestamp, 1700000000000000, is too large to be seconds since the epoch (after the year 5138): if they are microseconds (2023-11-14T22:13:20Z), name the column so (timestamp_us)',
    });
    expect(epochTimestampUnit(SECONDS, 1.7e18)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^the timestamp column "timestamp_seconds" names seconds, but the first timestamp, 1700000000000000000, is too large [^]*: name their unit in the header \(timestamp_ms, timestamp_us\); nanoseconds are not read/) });
  });

  it('reads a header that names another unit in it, whatever the size up to 2100 in that unit', () => {
    for (const seconds of [0.001, 0.000001, 60, 3600]) {
      for (const first of [0, 1, 1_700_000_000 / seconds, LATEST_PLAUSIBLE_SECONDS / seconds]) expect(epochTimestampUnit({ columnName: 'time', seconds, named: true }, first), `${seconds} ${first}`).toEqual({ kind: 'read', seconds });
    }
  });
});

describe('a first timestamp after 2100 in the unit it is read in, named or told by its size: refused, saying what it looks like', () => {
  const MS: HeaderUnit = { columnName: 'timestamp_ms', seconds: 0.001, named: true };
  const US: HeaderUnit = { columnName: 'timestamp_us', seconds: 0.000001, named: true };
  const GENERIC_FIX = 'the timestamps are not seconds, milliseconds or microseconds since the epoch; name their unit in the header (timestamp_ms, timestamp_us), or write them as ISO 8601 date-times (2024-05-10T12:00:00Z)';

  it('refuses epoch microseconds under a header that names milliseconds (the year 55,840), saying to name microseconds', () => {
    expect(epochTimestampUnit(MS, 1_700_000_000_000_000)).toEqual({
      kind: 'refused',
      message: 'the first timestamp, 1700000000000000, read as milliseconds since the epoch (as the timestamp column "timestamp_ms" names), is in the year 55840, after 2100-01-01, which no trace records (nor 130 years from its start): if they are microseconds (2023-11-14T22:13:20Z), name the column so (timestamp_us)',
    });
  });

  it('refuses epoch nanoseconds under a header that names microseconds, saying nanoseconds are not read and how to make them microseconds', () => {
    expect(epochTimestampUnit(US, 1_700_000_000_000_000_000)).toEqual({
      kind: 'refused',
      message: 'the first timestamp, 1700000000000000000, read as microseconds since the epoch (as the timestamp column "timestamp_us" names), is in the year 55840, after 2100-01-01, which no trace records (nor 130 years from its start): if they are nanoseconds (2023-11-14T22:13:20Z), a unit not read: divide them by 1000 to microseconds (timestamp_us)',
    });
  });

  it('refuses a date written as 12 or 14 digits (YYYYMMDDhhmm, YYYYMMDDhhmmss) that is too large for seconds, whatever the header, saying to write it as ISO 8601', () => {
    // As epoch milliseconds the 14 digits were the year 2611, the 12 digits 1976, their rows 1 ms apart but 41 ms at each minute or hour.
    expect(epochTimestampUnit(NO_UNIT, 20240510120000)).toEqual({
      kind: 'refused',
      message: 'the first timestamp, 20240510120000, is too large to be seconds since the epoch, and the timestamp column "timestamp" names no unit: it looks like a date written as digits (YYYYMMDDhhmmss); write the timestamps as ISO 8601 date-times (2024-05-10T12:00:00Z)',
    });
    expect(epochTimestampUnit(NO_HEADER, 202405101200)).toEqual({
      kind: 'refused',
      message: 'the first timestamp, 202405101200, is too large to be seconds since the epoch, and the file has no header to name their unit: it looks like a date written as digits (YYYYMMDDhhmm); write the timestamps as ISO 8601 date-times (2024-05-10T12:00:00Z)',
    });
    // A header that names seconds over one is refused with the same fix, not the milliseconds it is not.
    expect(epochTimestampUnit(SECONDS, 202405101200)).toEqual({
      kind: 'refused',
      message: 'the timestamp column "timestamp_seconds" names seconds, but the first timestamp, 202405101200, is too large to be seconds since the epoch: it looks like a date written as digits (YYYYMMDDhhmm); write the timestamps as ISO 8601 date-times (2024-05-10T12:00:00Z)',
    });
    // Epoch milliseconds whose digits are no date are still read as such (1995: "80…" is no year from 1970 to 2100).
    expect(epochTimestampUnit(NO_UNIT, 804_556_800_000)).toMatchObject({ kind: 'read', seconds: 0.001 });
  });

  it('gives the ISO 8601 form of a date written as 8, 12 or 14 digits wherever its unit puts it after 2100', () => {
    const hours: HeaderUnit = { columnName: 't_hours', seconds: 3600, named: true };
    const minutes: HeaderUnit = { columnName: 'time_min', seconds: 60, named: true };
    expect(epochTimestampUnit(hours, 20240510)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^the first timestamp, 20240510, read as hours since the epoch \(as the timestamp column "t_hours" names\), is in the year 4279, after 2100-01-01, [^]*: it looks like a date written as digits \(YYYYMMDD\); write the timestamps as ISO 8601 date-times \(2024-05-10T00:00:00Z\)$/) });
    // Past the dates JavaScript counts (the year 275760), the year is not given.
    expect(epochTimestampUnit(minutes, 202405101230)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^the first timestamp, 202405101230, read as minutes since the epoch \(as the timestamp column "time_min" names\), is past the year 275760, [^]*: it looks like a date written as digits \(YYYYMMDDhhmm\); write the timestamps as ISO 8601 date-times \(2024-05-10T12:30:00Z\)$/) });
    expect(epochTimestampUnit(NO_UNIT, 20241231235959)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/\(YYYYMMDDhhmmss\); write the timestamps as ISO 8601 date-times \(2024-12-31T23:59:59Z\)$/) });
    expect(epochTimestampUnit(NO_UNIT, 20240229000000)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/\(2024-02-29T00:00:00Z\)$/) });
  });

  it('gives the generic fix where 14 digits are no calendar date and time (month 13, 30 February, hour 25, minute 60, year 1969)', () => {
    for (const first of [20241310120000, 20230229120000, 20240510250000, 20240510126000, 19691231235959]) {
      expect(epochTimestampUnit(NO_UNIT, first), String(first)).toEqual({
        kind: 'refused',
        message: `the first timestamp, ${first}, read as milliseconds since the epoch (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138), is in the year ${new Date(first).getUTCFullYear()}, after 2100-01-01, which no trace records (nor 130 years from its start): ${GENERIC_FIX}`,
      });
    }
  });

  it('refuses seconds after 2100 (5e9, the year 2128; or, from the trace\'s start, 158 years) under any header, with the generic fix', () => {
    expect(epochTimestampUnit(NO_UNIT, 5e9)).toEqual({
      kind: 'refused',
      message: `the first timestamp, 5000000000, read as seconds since the epoch (the timestamp column "timestamp" names no unit), is in the year 2128, after 2100-01-01, which no trace records (nor 130 years from its start): ${GENERIC_FIX}`,
    });
    expect(epochTimestampUnit(NO_HEADER, 5e9)).toMatchObject({ kind: 'refused', message: expect.stringContaining('read as seconds since the epoch (the file has no header to name their unit), is in the year 2128') });
    expect(epochTimestampUnit(SECONDS, 5e9)).toMatchObject({ kind: 'refused', message: expect.stringContaining('read as seconds since the epoch (as the timestamp column "timestamp_seconds" names), is in the year 2128') });
    expect(epochTimestampUnit(NO_UNIT, EPOCH_SECONDS_LIMIT - 1)).toMatchObject({ kind: 'refused', message: expect.stringContaining('is in the year 5138, after 2100-01-01') });
  });

  it('reads up to 2100-01-01T00:00:00Z in the unit read, and refuses from the next millisecond on', () => {
    expect(epochTimestampUnit(NO_UNIT, 4_102_444_799_999)).toEqual({
      kind: 'read',
      seconds: 0.001,
      note: 'timestamps read as milliseconds since the epoch, the first 2099-12-31T23:59:59Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)',
    });
    expect(epochTimestampUnit(MS, LATEST_PLAUSIBLE_SECONDS * 1000)).toEqual({ kind: 'read', seconds: 0.001 });
    expect(epochTimestampUnit(MS, LATEST_PLAUSIBLE_SECONDS * 1000 + 1)).toMatchObject({ kind: 'refused', message: expect.stringContaining('is in the year 2100, after 2100-01-01') });
    expect(epochTimestampUnit(NO_UNIT, LATEST_PLAUSIBLE_SECONDS + 1)).toMatchObject({ kind: 'refused' });
  });

  it('keeps the refusals that come first: seconds named over epoch milliseconds, and nanoseconds by size', () => {
    expect(epochTimestampUnit(SECONDS, 20240510120000)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^the timestamp column "timestamp_seconds" names seconds, but the first timestamp, 20240510120000, is too large to be seconds since the epoch/) });
    expect(epochTimestampUnit(NO_UNIT, 1e17)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^the first timestamp, 100000000000000000, is too large to be seconds, milliseconds or microseconds/) });
  });
});
