/**
 * The unit of a trace's numeric timestamps where the header leaves it to their size: pure, what
 * the header says and the first row's timestamp in, the unit read (with a note saying why) or a
 * refusal out.
 *
 * Epoch milliseconds under a header that names no unit (`timestamp,value`, or no header) were
 * read as seconds without a word: 1,700,000,000,000 s is the year 55,000, and the rows of a 1 s
 * trace were 1000 s apart. Seconds since the epoch stay below 1e11 until the year 5138, so a
 * first timestamp at or above it is no number of seconds: 1e11 to 1e14 is milliseconds (1973 to
 * 5138), 1e14 to 1e17 microseconds; from 1e17 on, nanoseconds, which are not read, and refused.
 * A header that names seconds over such a timestamp contradicts it: refused rather than guessed.
 * A header that names another unit is read in it, up to the year 2100.
 *
 * Whatever the unit, named or told by the size, a first timestamp that read in it falls after
 * 2100 is refused (`LATEST_PLAUSIBLE_SECONDS`): `timestamp_ms` over epoch microseconds was the
 * year 55,000, and `20240510120000` (a date written as digits, YYYYMMDDhhmmss) under `timestamp`
 * was read as milliseconds, the year 2611, its rows 1 ms apart but 41 ms from …120059 to …120100.
 * The message says what the value looks like: a unit a thousand times smaller, a date written as
 * digits (with its ISO 8601 form), or neither. A date of 12 or 14 digits (YYYYMMDDhhmm[ss]) too
 * large for seconds is refused as one before any unit is read from its size: as milliseconds the
 * 12 digits were 1976, before 2100, and read. Dates of 8 and 10 digits can be seconds; they are
 * told by their steps, over the whole trace (`compactDate.ts`).
 */

import { compactDate, compactDateFix } from './compactDate.js';

/** The smallest timestamp that is no number of seconds since the epoch (5138-11-16). */
export const EPOCH_SECONDS_LIMIT = 1e11;

/**
 * 2100-01-01T00:00:00Z, in seconds since the epoch: a first timestamp after it, in the unit it is
 * read in, is refused. Traces record the past, so a timestamp after 2100 in its unit is a unit
 * mistake (or no epoch timestamp at all); and read as seconds from the trace's start, that many
 * is some 130 years, no trace either.
 */
export const LATEST_PLAUSIBLE_SECONDS = 4_102_444_800;

/**
 * 1973-01-01T00:00:00Z: a timestamp after 2100 in its unit is taken, in the message, for the unit
 * a thousand times smaller only where it falls from here to 2100 in that unit. Any number up to
 * 1e11 falls before it a thousand times smaller, epoch timestamp or not: 20240510120000 read as
 * microseconds is 1970-08-23, no hint of microseconds (and 1e11 ms, the smallest epoch
 * milliseconds read by size, are 1973-03-03).
 */
const EARLIEST_SMALLER_UNIT_SECONDS = 94_694_400;

/** A unit timestamps are read in, and the header name that says it. */
interface NamedUnit {
  readonly seconds: number;
  readonly unit: string;
  /** None for the units no message suggests naming (nanoseconds are not read). */
  readonly header?: string;
}

const MILLISECONDS = { seconds: 0.001, unit: 'milliseconds', header: 'timestamp_ms' } as const;
const MICROSECONDS = { seconds: 0.000001, unit: 'microseconds', header: 'timestamp_us' } as const;

/**
 * The units a timestamp is read in, for a message: its name, and the header name to suggest where
 * a value is taken for it, a thousand times smaller than the unit read (none for nanoseconds, not
 * read; no unit is a thousand times hours, minutes or seconds).
 */
const UNIT_NAMES: readonly NamedUnit[] = [
  { seconds: 3600, unit: 'hours' },
  { seconds: 60, unit: 'minutes' },
  { seconds: 1, unit: 'seconds' },
  MILLISECONDS,
  MICROSECONDS,
  { seconds: 0.000000001, unit: 'nanoseconds' },
];

/** Sizes of timestamps read where the header names no unit: from `from`, in this many seconds a unit. */
const UNITS_BY_SIZE: readonly ({ readonly from: number } & Required<NamedUnit>)[] = [
  { from: 1e11, ...MILLISECONDS },
  { from: 1e14, ...MICROSECONDS },
];

/** From here on, epoch nanoseconds (1e17 ns is 1973-03-03), a unit not read. */
const NANOSECONDS_FROM = 1e17;

/** The year seconds since the epoch reach EPOCH_SECONDS_LIMIT, for a message. */
const LIMIT_YEAR = new Date(EPOCH_SECONDS_LIMIT * 1000).getUTCFullYear();

/** What to do with timestamps in nanoseconds (or larger), which are not read. */
const NANOSECONDS_FIX = `name their unit in the header (timestamp_ms, timestamp_us); nanoseconds are not read: divide them by 1000 to microseconds (timestamp_us)`;

/** What the header says of the timestamp column's unit (as `timestampUnit` read it), and its name (undefined: the file has no header). */
export interface HeaderUnit {
  readonly columnName: string | undefined;
  readonly seconds: number;
  /** Whether the name says its unit; seconds are taken where it names none. */
  readonly named: boolean;
}

/** The timestamps' unit in seconds, with a note where their size chose it (`note`, for the rescaling line), or why it is refused. */
export type EpochTimestampUnit = { readonly kind: 'read'; readonly seconds: number; readonly note?: string } | { readonly kind: 'refused'; readonly message: string };

/**
 * The unit of a timestamp column, from what its header says and its first row's timestamp as a
 * number (NaN for a date-time or a cell that is no number, which leave the header's unit as it is);
 * refused where that timestamp, read in the unit, falls after 2100.
 */
export function epochTimestampUnit(header: HeaderUnit, first: number): EpochTimestampUnit {
  // A date-time (NaN) is read as a date-time; an infinite number is no timestamp, and said so at its row.
  if (!Number.isFinite(first)) return { kind: 'read', seconds: header.seconds };
  const unit = unitOf(header, first);
  if (unit.kind === 'refused') return unit;
  const { why, ...read } = unit;
  if (first * unit.seconds <= LATEST_PLAUSIBLE_SECONDS) return read;
  return { kind: 'refused', message: `the first timestamp, ${String(first)}, read as ${unitName(unit.seconds)} since the epoch (${why}), is ${whenAfterLatest(first, unit.seconds)}, which no trace records (nor 130 years from its start): ${afterLatestFix(first, unit.seconds)}` };
}

/**
 * The unit a timestamp is read in, before it is checked against 2100: as the header names it, or
 * by its size where it names none or seconds; with why (for a message), or why it is refused.
 */
function unitOf(header: HeaderUnit, first: number): (Extract<EpochTimestampUnit, { kind: 'read' }> & { readonly why: string }) | Extract<EpochTimestampUnit, { kind: 'refused' }> {
  const noUnit = header.columnName === undefined ? 'the file has no header to name their unit' : `the timestamp column ${JSON.stringify(header.columnName.trim())} names no unit`;
  const named = `as the timestamp column ${JSON.stringify(header.columnName?.trim())} names`;
  // A unit other than seconds is read as named; a timestamp that can be seconds is.
  if (header.seconds !== 1 || first < EPOCH_SECONDS_LIMIT) return { kind: 'read', seconds: header.seconds, why: header.named ? named : noUnit };
  const bySize = first >= NANOSECONDS_FROM ? undefined : UNITS_BY_SIZE.findLast(({ from }) => first >= from);
  // Whole digits up to 1e21, a short exponent beyond: never a cell's thousand digits.
  const written = String(first);
  // Too large for seconds, and its digits a date and time (YYYYMMDDhhmm, YYYYMMDDhhmmss): as
  // epoch milliseconds the 12 digits fall in 1976-77, when no trace here was recorded, and the
  // rows would be 1 ms apart but 41 at each hour; a date is what it is.
  const date = compactDate(first);
  if (date !== undefined) {
    const tooLarge = header.named ? `the timestamp column ${JSON.stringify(header.columnName?.trim())} names seconds, but the first timestamp, ${written}, is too large to be seconds since the epoch` : `the first timestamp, ${written}, is too large to be seconds since the epoch, and ${noUnit}`;
    return { kind: 'refused', message: `${tooLarge}: ${compactDateFix(date)}` };
  }
  if (header.named) {
    const fix = bySize === undefined ? NANOSECONDS_FIX : nameTheUnitFix(bySize, first);
    return { kind: 'refused', message: `the timestamp column ${JSON.stringify(header.columnName?.trim())} names seconds, but the first timestamp, ${written}, is too large to be seconds since the epoch (after the year ${LIMIT_YEAR}): ${fix}` };
  }
  if (bySize === undefined) return { kind: 'refused', message: `the first timestamp, ${written}, is too large to be seconds, milliseconds or microseconds since the epoch, and ${noUnit}: ${NANOSECONDS_FIX}` };
  const why = `${noUnit}, and as seconds they would be after the year ${LIMIT_YEAR}`;
  return { kind: 'read', seconds: bySize.seconds, note: `timestamps read as ${bySize.unit} since the epoch, the first ${dateIn(first, bySize.seconds)} (${why})`, why };
}

/**
 * What to do with timestamps after 2100 in the unit they were read in: name the unit a thousand
 * times smaller where they fall in it between 1973 and 2100; write them as ISO 8601 date-times
 * where they are a date written as digits; else, either.
 */
function afterLatestFix(first: number, unitSeconds: number): string {
  const smaller = unitNamed(unitSeconds / 1000);
  const inSmaller = smaller === undefined ? NaN : first * smaller.seconds;
  if (smaller !== undefined && inSmaller >= EARLIEST_SMALLER_UNIT_SECONDS && inSmaller <= LATEST_PLAUSIBLE_SECONDS) {
    return smaller.header === undefined ? `if they are ${smaller.unit} (${dateIn(first, smaller.seconds)}), a unit not read: divide them by 1000 to microseconds (timestamp_us)` : nameTheUnitFix({ ...smaller, header: smaller.header }, first);
  }
  const date = compactDate(first);
  if (date !== undefined) return compactDateFix(date);
  return 'the timestamps are not seconds, milliseconds or microseconds since the epoch; name their unit in the header (timestamp_ms, timestamp_us), or write them as ISO 8601 date-times (2024-05-10T12:00:00Z)';
}

/** What to do with timestamps that are `unit` since the epoch: name the column so. */
function nameTheUnitFix(unit: Required<NamedUnit>, first: number): string {
  return `if they are ${unit.unit} (${dateIn(first, unit.seconds)}), name the column so (${unit.header})`;
}

/** The unit of this many seconds, where it has a name (0.000001 / 1000 is not 0.000000001 to the last bit). */
function unitNamed(unitSeconds: number): NamedUnit | undefined {
  return UNIT_NAMES.find(({ seconds }) => Math.abs(seconds / unitSeconds - 1) < 1e-9);
}

/** The name of a unit of this many seconds, for a message. */
function unitName(unitSeconds: number): string {
  return unitNamed(unitSeconds)?.unit ?? `units of ${unitSeconds} s`;
}

/** When a timestamp after 2100 in a unit falls, for a message: its year, or past the dates JavaScript counts (the year 275760). */
function whenAfterLatest(timestamp: number, unitSeconds: number): string {
  const date = new Date(timestamp * unitSeconds * 1000);
  return Number.isNaN(date.getTime()) ? 'past the year 275760' : `in the year ${date.getUTCFullYear()}, after 2100-01-01`;
}

/** A timestamp in a unit as a UTC date-time (to the second), for a message. */
function dateIn(timestamp: number, unitSeconds: number): string {
  return new Date(Math.floor(timestamp * unitSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}
