/**
 * The unit of a trace's timestamp column, from its header name. A name that names no unit is
 * seconds; one that names a unit is read in it, as its last word (`timestamp_ms`, `time-ms`) or in
 * brackets (`time (ms)`, `time [ms]`: these were read as seconds, and a millisecond trace played
 * 1000 times too slow); one that names a unit not read, a word in brackets that is no unit, or two
 * units, is refused, saying what it saw and which units are read.
 */
import { describe, expect, it } from 'vitest';
import { timestampUnit, timestampUnitSeconds } from '../../scaler/simulator/timestampUnit.js';

const UNITS_READ = 'the units read, as the name\'s last word (timestamp_ms, time-ms) or in brackets (time (ms), time [ms]), are s (sec, secs, second, seconds, or no unit), ms (msec, msecs, millis, millisecond, milliseconds), us (µs, usec, usecs, micros, microsecond, microseconds), min (mins, minute, minutes), h (hr, hrs, hour, hours)';

const refusal = (columnName: string) => {
  const unit = timestampUnit(columnName);
  if (unit.kind !== 'refused') throw new Error(`expected ${JSON.stringify(columnName)} to be refused, read as ${unit.seconds} s`);
  return unit.message;
};

describe('a timestamp column\'s unit, from its header name', () => {
  it('a name that names no unit is seconds, as documented: a last word that is no unit is a word like any other', () => {
    for (const name of ['timestamp', 'time', 'end_timestamp', 'minute_of_day', 'day_of_week', 'time_utc', 'Request Time', 'time ()']) expect(timestampUnit(name)).toEqual({ kind: 'read', seconds: 1, named: false });
  });

  it('says whether the name names its unit: seconds named are not seconds taken for want of a unit', () => {
    for (const name of ['timestamp_seconds', 'time (s)', 'ts_s', 'timeS']) expect(timestampUnit(name), name).toEqual({ kind: 'read', seconds: 1, named: true });
    expect(timestampUnit('timestamp_ms')).toEqual({ kind: 'read', seconds: 0.001, named: true });
    expect(timestampUnit('Timestamp (UTC)')).toEqual({ kind: 'read', seconds: 1, named: false });
  });

  it('reads the unit in brackets or parentheses, with or without a space before them', () => {
    for (const [name, seconds] of [
      ['time(ms)', 0.001],
      ['time (ms)', 0.001],
      ['time [ms]', 0.001],
      ['time[ms]', 0.001],
      ['timestamp (s)', 1],
      ['Timestamp (Seconds)', 1],
      ['time (µs)', 0.000001],
      ['time [min]', 60],
      ['t (hours)', 3600],
      ['time [ ms ]', 0.001],
    ] as const) {
      expect(timestampUnitSeconds(name), name).toBe(seconds);
    }
  });

  it('reads every spelling of each unit, as the last word after "_", "-", a space or a dot', () => {
    const spellings = {
      1: ['s', 'sec', 'secs', 'second', 'seconds'],
      0.001: ['ms', 'msec', 'msecs', 'millis', 'millisecond', 'milliseconds'],
      0.000001: ['us', 'µs', 'usec', 'usecs', 'micros', 'microsecond', 'microseconds'],
      60: ['min', 'mins', 'minute', 'minutes'],
      3600: ['h', 'hr', 'hrs', 'hour', 'hours'],
    };
    for (const [seconds, names] of Object.entries(spellings)) {
      for (const unit of names) {
        for (const name of [`time_${unit}`, `time-${unit}`, `time ${unit}`, `time.${unit}`, `time (${unit})`, `TIME_${unit.toUpperCase()}`, unit]) expect(timestampUnitSeconds(name), name).toBe(Number(seconds));
      }
    }
  });

  it('takes the Greek letter mu for the micro sign: time (μs) is microseconds', () => {
    expect(timestampUnitSeconds('time (\u03bcs)')).toBe(0.000001);
    expect(timestampUnitSeconds('time_\u00b5s')).toBe(0.000001);
  });

  it('reads a unit beside notes of where the time counts from or of its zone', () => {
    expect(timestampUnitSeconds('t (ms since epoch)')).toBe(0.001);
    expect(timestampUnitSeconds('time (unix ms)')).toBe(0.001);
    expect(timestampUnitSeconds('timestamp_ms (utc)')).toBe(0.001);
    // A column of ISO 8601 date-times says its zone, not a unit.
    for (const name of ['Timestamp (UTC)', 'timestamp (UTC+01:00)', 'time [GMT-5]', 'time (epoch)', 'time (iso 8601)']) expect(timestampUnitSeconds(name), name).toBe(1);
  });

  it('refuses a unit of time that is not read, at the end of the name or in brackets, saying which it saw and which are read', () => {
    expect(refusal('timestamp_ns')).toBe(`the timestamp column "timestamp_ns" names a unit of time that is not read here ("ns"): ${UNITS_READ}`);
    expect(refusal('time (ns)')).toBe(`the timestamp column "time (ns)" names a unit of time that is not read here ("ns"): ${UNITS_READ}`);
    expect(refusal('Time [Nanoseconds]')).toBe(`the timestamp column "time [nanoseconds]" names a unit of time that is not read here ("nanoseconds"): ${UNITS_READ}`);
    expect(refusal('t (ns since epoch)')).toBe(`the timestamp column "t (ns since epoch)" names a unit of time that is not read here ("ns" in "(ns since epoch)"): ${UNITS_READ}`);
    // Minutes or milliseconds? Not guessed.
    for (const name of ['time_m', 'time (m)', 'time-m', 'timestamp_days', 'time (d)', 'time_nanos', 'time [ps]']) expect(timestampUnit(name).kind, name).toBe('refused');
  });

  it('refuses a word in brackets that is no unit it reads: a calendar unit, ticks, a multiple of a unit', () => {
    expect(refusal('time (days)')).toMatch(/^the timestamp column "time \(days\)" names a unit of time that is not read here \("days"\): /);
    expect(refusal('time (day)')).toMatch(/ \("day"\): /);
    expect(refusal('time (ticks)')).toMatch(/ \("ticks"\): /);
    expect(refusal('time [10 ms]')).toMatch(/ \("10" in "\[10 ms\]"\): /);
  });

  it('refuses a name that names two units; the same unit twice is one', () => {
    expect(refusal('time_s (ms)')).toBe(`the timestamp column "time_s (ms)" names more than one unit ("s", then "ms"), for one column: ${UNITS_READ}`);
    expect(refusal('time (s) [ms]')).toMatch(/names more than one unit \("s", then "ms"\)/);
    expect(timestampUnitSeconds('time_ms (msec)')).toBe(0.001);
  });

  it('reads a camel-case name\'s last word, where a small letter is followed by a capital: timestampMs was the one word "timestampms", and read as seconds', () => {
    for (const [name, seconds] of [
      ['timestampMs', 0.001],
      ['timeMS', 0.001],
      ['requestTimeMillis', 0.001],
      ['eventTimeMSec', 0.001],
      ['tsUs', 0.000001],
      ['timeMicros', 0.000001],
      ['startTimeSeconds', 1],
      ['timeMinutes', 60],
      ['elapsedHours', 3600],
      ['time (unixMs)', 0.001],
    ] as const) {
      expect(timestampUnitSeconds(name), name).toBe(seconds);
    }
  });

  it('decides a camel-case last word as it would after "_": timeS is seconds, named; durationMin is minutes, as duration_min is; timeM is refused, as time_m is', () => {
    expect(timestampUnit('timeS')).toEqual(timestampUnit('time_s'));
    expect(timestampUnit('durationMin')).toEqual(timestampUnit('duration_min'));
    expect(timestampUnitSeconds('durationMin')).toBe(60);
    expect(timestampUnit('timeM').kind).toBe('refused');
    expect(refusal('timestampNs')).toBe(`the timestamp column "timestampns" names a unit of time that is not read here ("ns" in "timestampNs"): ${UNITS_READ}`);
  });

  it('keeps a word that spells a unit whole in any case as that unit, not split: mS, µS, uS, MSec, NS', () => {
    for (const [name, seconds] of [['time_mS', 0.001], ['time_µS', 0.000001], ['time (uS)', 0.000001], ['MSec', 0.001], ['timestamp_Ms', 0.001]] as const) expect(timestampUnitSeconds(name), name).toBe(seconds);
    expect(refusal('time_nS')).toMatch(/ \("ns"\): /);
  });

  it('reads every name that was read before as before: capitals have no case boundary, and a name with one whose last word is no unit is still seconds', () => {
    for (const name of ['TIMESTAMP', 'Timestamp', 'TimeStamp', 'Timestamp (UTC)', 'timeUTC', 'minute_of_day', 'minuteOfDay', 'dayOfWeek', 'end_timestamp', 'endTimestamp', 'Request Time', 'ContextTokens', 'createdAt', 'HTTPTime']) {
      expect(timestampUnit(name), name).toEqual({ kind: 'read', seconds: 1, named: false });
    }
    for (const [name, seconds] of [['TIMESTAMP_MS', 0.001], ['TIME (MS)', 0.001], ['Timestamp_MS', 0.001], ['T_HOURS', 3600], ['TIMESTAMP_SECONDS', 1]] as const) expect(timestampUnitSeconds(name), name).toBe(seconds);
    expect(timestampUnit('TIMESTAMP_NANOS').kind).toBe('refused');
  });

  it('is total: any name gives a unit read or a refusal with a message', () => {
    for (const name of ['', ' ', '(', ')', '()', '[]', '(((ms)))', '_', '__ms__', 'µ', 'time (ms', 'time ms)', 'x'.repeat(10_000), 'aB'.repeat(5_000), 'İ', 'ǅ']) {
      const unit = timestampUnit(name);
      expect(unit.kind === 'read' ? unit.seconds > 0 : unit.message.startsWith('the timestamp column ')).toBe(true);
    }
  });
});
