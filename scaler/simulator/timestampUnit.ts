/**
 * The unit of a trace's timestamp column, from its header name: pure, a name in, a unit or a
 * refusal out.
 *
 * Traces come from many tools, and each writes the unit its own way: `timestamp_ms`,
 * `end_timestamp_ms`, `time-ms`, `time (ms)`, `time [ms]`, `Timestamp (UTC)`, `t (ms since
 * epoch)`. A name that names no unit is seconds, as documented. A name that names one is read in
 * it, or refused: read as seconds, `time(ms)` played a millisecond trace 1000 times too slow, and
 * `timestamp_ns` a billion times, without a word.
 *
 * Where a name says its unit: in brackets, any word of what they hold, and in the word it ends
 * with (after its last `_`, `-`, space or other mark, or, in camel case, where a small letter is
 * followed by a capital: `timestampMs`, `requestTimeMillis`). Only brackets are sure to hold a
 * unit: a word there that is neither a unit read nor a note of where the time counts from or of
 * its zone (`since epoch`, `UTC`) is refused. The last word of a name may be a word like any other
 * (`end_timestamp`, `minute_of_day`): a unit where it spells one, and seconds otherwise.
 *
 * The name is read as written, not lower-cased first: lower-cased, `timestampMs` is the one word
 * `timestampms`, and a millisecond trace was read as seconds. A word that spells a unit whole, in
 * any case, is that unit and not split (`mS`, `µS`, `NS`); a name in capitals has no small letter
 * before a capital, so `TIMESTAMP_MS` and `TIMESTAMP` read as before.
 */

/** Seconds per unit, each unit under its spellings: the first is the unit's name in messages. */
const UNITS_READ: readonly { names: readonly string[]; seconds: number }[] = [
  { names: ['s', 'sec', 'secs', 'second', 'seconds'], seconds: 1 },
  { names: ['ms', 'msec', 'msecs', 'millis', 'millisecond', 'milliseconds'], seconds: 0.001 },
  { names: ['us', 'µs', 'usec', 'usecs', 'micros', 'microsecond', 'microseconds'], seconds: 0.000001 },
  { names: ['min', 'mins', 'minute', 'minutes'], seconds: 60 },
  { names: ['h', 'hr', 'hrs', 'hour', 'hours'], seconds: 3600 },
];

/**
 * Spellings that can only be a unit of time, and one the reader has no factor for (or, `m`, one it
 * cannot tell: minutes or milliseconds?). Refused at the end of a name too: `timestamp_ns`. The
 * calendar's words (`day`, `week`) are not here: `minute_of_day` and `day_of_week` end in a
 * calendar field, not a unit; in brackets, where every word counts, they are refused all the same.
 */
const UNITS_NOT_READ: readonly string[] = ['ns', 'nsec', 'nsecs', 'nanos', 'nanosecond', 'nanoseconds', 'ps', 'picosecond', 'picoseconds', 'm', 'd', 'days', 'w', 'wk', 'wks', 'weeks', 'mo', 'months', 'y', 'yr', 'yrs', 'years'];

/**
 * Words in brackets that say where the time is counted from or in which zone, not in what unit:
 * `(ms since epoch)`, `(unix ms)`, `(UTC)` for a column of ISO 8601 date-times.
 */
const NOTES: readonly string[] = ['utc', 'gmt', 'z', 'local', 'zone', 'epoch', 'unix', 'posix', 'iso', '8601', 'time', 'since', 'from', 'start', 'elapsed', 'relative'];

/**
 * What a timestamp column's header name says of its unit: seconds per unit, and whether the name
 * says it (`named`: false where it names none and seconds are taken), or why it is refused.
 */
export type TimestampUnit = { readonly kind: 'read'; readonly seconds: number; readonly named: boolean } | { readonly kind: 'refused'; readonly message: string };

/** Text in brackets: `(ms)`, `[ms]`, a pair of either kind. */
const BRACKETED = /[([]([^()[\]]*)[)\]]/g;

/** A time zone's offset (`UTC+01:00`, `GMT-5`): a note, not a number of units. */
const ZONE_OFFSET = /(utc|gmt)\s*[+-]\s*\d{1,2}(:?\d{2})?/gi;

/** The units a header may name, for a message: each unit's first spelling, then its others in brackets. */
const UNITS_READ_TEXT = UNITS_READ.map(({ names: [name, ...others] }, i) => `${name} (${[...others, ...(i === 0 ? ['or no unit'] : [])].join(', ')})`).join(', ');

/** Where a header name says its unit, for a message. */
const WHERE_READ = 'as the name\'s last word (timestamp_ms, time-ms) or in brackets (time (ms), time [ms])';

/**
 * The timestamp column's unit, from its header name: seconds where it names none; refused where it
 * names a unit that is not read (`timestamp_ns`, `time (days)`), a word in brackets that is no
 * unit (`time (ticks)`), or two units (`time_s (ms)`).
 */
export function timestampUnit(columnName: string): TimestampUnit {
  const named: { word: string; seconds: number }[] = [];
  for (const { word, writtenIn, mustBeUnit } of unitWords(columnName.trim())) {
    const read = UNITS_READ.find(({ names }) => names.includes(word));
    if (read !== undefined) named.push({ word, seconds: read.seconds });
    else if (mustBeUnit || UNITS_NOT_READ.includes(word)) return refused(columnName, `a unit of time that is not read here (${JSON.stringify(word)}${writtenIn === word ? '' : ` in ${JSON.stringify(writtenIn)}`})`);
  }
  // The same unit twice (`time_ms (msec)`) is one unit.
  const units = named.filter(({ seconds }, i) => named.findIndex((other) => other.seconds === seconds) === i);
  if (units.length > 1) return refused(columnName, `more than one unit (${units.map(({ word }) => JSON.stringify(word)).join(', then ')}), for one column`);
  const unit = units[0];
  return unit === undefined ? { kind: 'read', seconds: 1, named: false } : { kind: 'read', seconds: unit.seconds, named: true };
}

/**
 * The words of a name (as written) that may say its unit, lower-cased, with what they were written
 * in (for a message): its last word outside brackets, which is a unit only where it spells one,
 * and every word in brackets, which must be a unit or a note.
 */
function unitWords(name: string): { word: string; writtenIn: string; mustBeUnit: boolean }[] {
  const lastWord = wordsOf(name.replace(BRACKETED, ' ')).at(-1);
  const inBrackets = [...name.matchAll(BRACKETED)].flatMap(([brackets, within]) =>
    wordsOf(within!.replace(ZONE_OFFSET, '$1')).map(({ word }) => ({ word, writtenIn: lowerCased(within!.trim()) === word ? word : lowerCased(brackets), mustBeUnit: !NOTES.includes(word) })),
  );
  return [...(lastWord === undefined ? [] : [{ word: lastWord.word, writtenIn: lastWord.writtenIn, mustBeUnit: false }]), ...inBrackets];
}

/** Seconds per unit of the timestamp column, or undefined where its header name is refused (`timestampUnit` says why). */
export function timestampUnitSeconds(columnName: string): number | undefined {
  const unit = timestampUnit(columnName);
  return unit.kind === 'read' ? unit.seconds : undefined;
}

/**
 * The words of a name, lower-cased, each with the text it was written as (a camel-case word is
 * written within a longer one): what its `_`, `-`, spaces, dots and other marks separate, and,
 * within a part that is no unit whole, a small letter followed by a capital (`timestampMs`:
 * `timestamp`, `ms`; `mS` stays one word, `ms`).
 */
function wordsOf(text: string): { word: string; writtenIn: string }[] {
  return text
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .flatMap((part) => {
      const whole = lowerCased(part);
      if (isUnitSpelling(whole)) return [{ word: whole, writtenIn: whole }];
      const words = part.split(/(?<=\p{Ll})(?=\p{Lu})/u).map(lowerCased);
      return words.map((word) => ({ word, writtenIn: words.length === 1 ? word : part }));
    });
}

/** A spelling of a unit, read or not. */
function isUnitSpelling(word: string): boolean {
  return UNITS_NOT_READ.includes(word) || UNITS_READ.some(({ names }) => names.includes(word));
}

/** A word as it is compared: lower-cased, and the Greek letter mu (U+03BC), as some keyboards type it, for the micro sign (U+00B5). */
function lowerCased(text: string): string {
  return text.toLowerCase().replaceAll('\u03bc', '\u00b5');
}

function refused(columnName: string, what: string): TimestampUnit {
  return { kind: 'refused', message: `the timestamp column ${JSON.stringify(columnName.trim().toLowerCase())} names ${what}: the units read, ${WHERE_READ}, are ${UNITS_READ_TEXT}` };
}
