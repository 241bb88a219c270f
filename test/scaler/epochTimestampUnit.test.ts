/**
 * The unit of a trace's numeric timestamps where the header leaves it to their size. Seconds
 * since the epoch stay below 1e11 until the year 5138: a first timestamp at or above it, under a
 * header that names no unit, is epoch milliseconds (1e11 to 1e14) or microseconds (1e14 to 1e17),
 * read so with a note; nanoseconds (1e17 on) are refused, saying to name the unit. A header that
 * names seconds over such a timestamp is refused, naming the contradiction and the fix. Read as
 * seconds, 1,700,000,000,000 was the year 55,000 and a 1 s trace's rows 1000 s apart.
 */
import { describe, expect, it } from 'vitest';
import { EPOCH_SECONDS_LIMIT, epochTimestampUnit, type HeaderUnit } from '../../scaler/simulator/epochTimestampUnit.js';

const NO_UNIT: HeaderUnit = { columnName: 'timestamp', seconds: 1, named: false };
const NO_HEADER: HeaderUnit = { columnName: undefined, seconds: 1, named: false };
const SECONDS: HeaderUnit = { columnName: 'timestamp_seconds', seconds: 1, named: true };

describe('the unit of timestamps too large to be seconds since the epoch', () => {
  it('leaves seconds as they are below 1e11 (the year 5138), and a date-time or a cell that is no number (NaN)', () => {
    for (const first of [0, 1_700_000_000, EPOCH_SECONDS_LIMIT - 1, -1e15, NaN, Infinity]) {
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
    for (const first of [1e11, 1e14 - 1]) expect(epochTimestampUnit(NO_UNIT, first), String(first)).toMatchObject({ kind: 'read', seconds: 0.001 });
  });

  it('reads epoch microseconds from 1e14 up to 1e17', () => {
    expect(epochTimestampUnit(NO_UNIT, 1_700_000_000_000_000)).toEqual({
      kind: 'read',
      seconds: 0.000001,
      note: 'timestamps read as microseconds since the epoch, the first 2023-11-14T22:13:20Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)',
    });
    for (const first of [1e14, 1e17 - 1e3]) expect(epochTimestampUnit(NO_UNIT, first), String(first)).toMatchObject({ kind: 'read', seconds: 0.000001 });
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

  it('reads a header that names another unit in it, whatever the size', () => {
    for (const seconds of [0.001, 0.000001, 60, 3600]) expect(epochTimestampUnit({ columnName: 'time', seconds, named: true }, 1.7e18)).toEqual({ kind: 'read', seconds });
  });
});
