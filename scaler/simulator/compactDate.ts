import { medianStep } from './medianStep.js';

/**
 * Dates written as digits (`20240530`, `2024053023`, `202405301200`, `20240530120000`) where a
 * trace's timestamps should be numbers of seconds: pure, numbers in, the date they spell (or the
 * refusal of a trace written in them) out.
 *
 * Read as seconds, such a trace's rows are unevenly spaced: hourly rows written as YYYYMMDDhh are
 * 1 s apart within a day and 77 s apart across midnight (2024053023 → 2024053100), daily rows
 * written as YYYYMMDD 1 s apart within a month and 70 s across its end. Dates of 12 and 14 digits
 * are too large for seconds and refused by their size (`epochTimestampUnit.ts`); those of 8 and
 * 10 digits are not, so they are told by their steps: a trace whose every timestamp is such a date
 * and whose steps are more even read as dates than as numbers is refused (`digitDatesRefusal`).
 */

/** A number read as a date written as digits: the fields it holds, its ISO 8601 form, its epoch seconds. */
export interface CompactDate {
  readonly pattern: string;
  readonly iso: string;
  readonly epochSeconds: number;
}

/** Digit counts of a date written as digits, and the fields they hold. */
const COMPACT_DATES: readonly { digits: number; pattern: string }[] = [
  { digits: 8, pattern: 'YYYYMMDD' },
  { digits: 10, pattern: 'YYYYMMDDhh' },
  { digits: 12, pattern: 'YYYYMMDDhhmm' },
  { digits: 14, pattern: 'YYYYMMDDhhmmss' },
];

/** The patterns told by their steps rather than their size: they can be seconds. */
const FITS_SECONDS = new Set(['YYYYMMDD', 'YYYYMMDDhh']);

/**
 * A number whose digits are a calendar date and time (YYYYMMDD, YYYYMMDDhh, YYYYMMDDhhmm or
 * YYYYMMDDhhmmss, from 1970 to 2100, each field in its range); undefined where they are not.
 */
export function compactDate(timestamp: number): CompactDate | undefined {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) return undefined;
  const digits = String(timestamp);
  const shape = COMPACT_DATES.find(({ digits: count }) => digits.length === count);
  if (shape === undefined) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = (digits.match(/^(\d{4})|\d{2}/g) ?? []).map(Number) as [number, number, number, number?, number?, number?];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1970 || year > 2100 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  return { pattern: shape.pattern, iso: new Date(epochMs).toISOString().replace('.000Z', 'Z'), epochSeconds: epochMs / 1000 };
}

/** What to do with a date written as digits (`one`: a timestamp), or with timestamps that all are (`all`). */
export function compactDateFix(date: Pick<CompactDate, 'pattern' | 'iso'>, said: 'one' | 'all' = 'one'): string {
  const looks = said === 'one' ? 'it looks like a date' : 'they look like dates';
  return `${looks} written as digits (${date.pattern}); write the timestamps as ISO 8601 date-times (${date.iso})`;
}

/**
 * Why a trace read as seconds is refused where its timestamps are dates of 8 or 10 digits, or
 * undefined where they are not. `first` is the first timestamp as written, `sinceFirst` every
 * timestamp less it (as the parser keeps them, in the file's order). Every timestamp must be a
 * date of the same pattern, and more of its steps must equal the usual step read as dates than
 * read as numbers: a trace that crosses no midnight (hourly) or month's end (daily) is even both
 * ways, and read as it is, since nothing tells it from seconds.
 */
export function digitDatesRefusal(first: number, sinceFirst: Float64Array): string | undefined {
  const date = compactDate(first);
  if (date === undefined || !FITS_SECONDS.has(date.pattern) || sinceFirst.length < 2) return undefined;
  const asDates = new Float64Array(sinceFirst.length);
  for (let i = 0; i < sinceFirst.length; i += 1) {
    const each = compactDate(first + (sinceFirst[i] as number));
    if (each === undefined || each.pattern !== date.pattern) return undefined;
    asDates[i] = each.epochSeconds;
  }
  const numberStep = medianStep(sinceFirst);
  const dateStep = medianStep(asDates);
  if (evenSteps(asDates, dateStep) <= evenSteps(sinceFirst, numberStep)) return undefined;
  // Where the calendar turns: the first step even as a date but not as a number. More steps are
  // even as dates than as numbers, so there is one.
  let at = 1;
  while (at < sinceFirst.length - 1 && !(stepAt(asDates, at) === dateStep && stepAt(sinceFirst, at) !== numberStep)) at += 1;
  const turn = `${stepAt(sinceFirst, at)} s from ${first + (sinceFirst[at - 1] as number)} to ${first + (sinceFirst[at] as number)}`;
  return `the timestamps, read as seconds, are ${numberStep} s apart, but ${turn}, and ${spanName(dateStep)} apart read as dates: ${compactDateFix(date, 'all')}`;
}

/** The step from the timestamp before `i` to `i`. */
function stepAt(times: Float64Array, i: number): number {
  return (times[i] as number) - (times[i - 1] as number);
}

/** How many consecutive timestamps are `step` apart. */
function evenSteps(times: Float64Array, step: number): number {
  let count = 0;
  for (let i = 1; i < times.length; i += 1) if (stepAt(times, i) === step) count += 1;
  return count;
}

/** A step between dates, for a message: in days, hours or seconds, whichever divides it. */
function spanName(seconds: number): string {
  const [amount, unit] = seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
