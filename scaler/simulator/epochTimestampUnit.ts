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
 * A header that names another unit is read in it, whatever the size.
 */

/** The smallest timestamp that is no number of seconds since the epoch (5138-11-16). */
export const EPOCH_SECONDS_LIMIT = 1e11;

/** Sizes of timestamps read where the header names no unit: from `from`, in this many seconds a unit. */
const UNITS_BY_SIZE: readonly { from: number; seconds: number; unit: string; header: string }[] = [
  { from: 1e11, seconds: 0.001, unit: 'milliseconds', header: 'timestamp_ms' },
  { from: 1e14, seconds: 0.000001, unit: 'microseconds', header: 'timestamp_us' },
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
 * number (NaN for a date-time or a cell that is no number, which leave the header's unit as it is).
 */
export function epochTimestampUnit(header: HeaderUnit, first: number): EpochTimestampUnit {
  // A unit other than seconds is read as named; a timestamp that can be seconds is.
  if (header.seconds !== 1 || !(first >= EPOCH_SECONDS_LIMIT && Number.isFinite(first))) return { kind: 'read', seconds: header.seconds };
  const bySize = first >= NANOSECONDS_FROM ? undefined : UNITS_BY_SIZE.findLast(({ from }) => first >= from);
  // Whole digits up to 1e21, a short exponent beyond: never a cell's thousand digits.
  const written = String(first);
  if (header.named) {
    const fix = bySize === undefined ? NANOSECONDS_FIX : `if they are ${bySize.unit} (${dateIn(first, bySize.seconds)}), name the column so (${bySize.header})`;
    return { kind: 'refused', message: `the timestamp column ${JSON.stringify(header.columnName?.trim())} names seconds, but the first timestamp, ${written}, is too large to be seconds since the epoch (after the year ${LIMIT_YEAR}): ${fix}` };
  }
  const noUnit = header.columnName === undefined ? 'the file has no header to name their unit' : `the timestamp column ${JSON.stringify(header.columnName.trim())} names no unit`;
  if (bySize === undefined) return { kind: 'refused', message: `the first timestamp, ${written}, is too large to be seconds, milliseconds or microseconds since the epoch, and ${noUnit}: ${NANOSECONDS_FIX}` };
  return { kind: 'read', seconds: bySize.seconds, note: `timestamps read as ${bySize.unit} since the epoch, the first ${dateIn(first, bySize.seconds)} (${noUnit}, and as seconds they would be after the year ${LIMIT_YEAR})` };
}

/** A timestamp in a unit as a UTC date-time (to the second), for a message. */
function dateIn(timestamp: number, unitSeconds: number): string {
  return new Date(Math.floor(timestamp * unitSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}
