import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forEachLine, LINE_CHUNK_BYTES } from '../../scaler/simulator/fileLines.js';
import { replayTrace, traceGaps } from '../../scaler/simulator/replay.js';
import { syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { parseTraceCsv, readTraceLine, reversedTrace, traceStart, TraceParseError, type Trace } from '../../scaler/simulator/trace.js';
import { timestampUnitSeconds } from '../../scaler/simulator/timestampUnit.js';
import { readTraceFile } from '../../scaler/simulator/traceFile.js';

const parseError = (text: string) => {
  try {
    parseTraceCsv(text, 'bad.csv');
  } catch (error) {
    if (error instanceof TraceParseError) return error;
    throw error;
  }
  throw new Error('expected a TraceParseError');
};

describe('trace CSV parsing', () => {
  it('reads timestamp_seconds,value with a header, from the first row, and finds the step', () => {
    const trace = parseTraceCsv('timestamp_seconds,value\n100,5\n160,7\n220,9\n', 'ok.csv');
    expect(Array.from(trace.times)).toEqual([0, 60, 120]);
    expect(Array.from(trace.values)).toEqual([5, 7, 9]);
    expect(trace.stepSeconds).toBe(60);
  });
  it('reads the timestamp unit from the header: milliseconds, minutes and hours become seconds', () => {
    const ms = parseTraceCsv('timestamp_ms,value\n1700000000000,5\n1700000000500,6\n1700000001000,7\n', 'ms.csv');
    expect(Array.from(ms.times)).toEqual([0, 0.5, 1]);
    expect(ms.stepSeconds).toBe(0.5);
    expect(Array.from(parseTraceCsv('time_minutes,value\n0,1\n1,2\n', 'min.csv').times)).toEqual([0, 60]);
    expect(Array.from(parseTraceCsv('t_hours,value\n0,1\n2,2\n', 'h.csv').times)).toEqual([0, 7200]);
  });
  it('takes seconds where the header names no unit, or no header is given', () => {
    for (const name of ['timestamp_seconds', 'timestamp', 'time', 'ts_s', 'minute_of_day']) expect(timestampUnitSeconds(name)).toBe(1);
    expect(timestampUnitSeconds(' Timestamp_MS ')).toBe(0.001);
    expect(timestampUnitSeconds('time_us')).toBe(0.000001);
    expect(Array.from(parseTraceCsv('10,1\n70,2\n', 'bare.csv').times)).toEqual([0, 60]);
  });
  it('reads the unit a header names in brackets (time (ms) was read as seconds: a millisecond trace 1000 times too slow), and refuses one it does not read, for the whole file', () => {
    for (const header of ['time(ms)', 'time [ms]', 'Timestamp (msec)', 'time-ms', 't (ms since epoch)']) {
      expect(Array.from(parseTraceCsv(`${header},value\n1700000000000,5\n1700000000500,6\n`, 'ms.csv').times), header).toEqual([0, 0.5]);
    }
    expect(Array.from(parseTraceCsv('requests,time (µs)\n5,0\n6,250000\n', 'us.csv', { timeColumn: 'time (µs)' }).times)).toEqual([0, 0.25]);
    // ISO 8601 date-times under a header that names their zone are read as before.
    expect(Array.from(parseTraceCsv('Timestamp (UTC),value\n2024-05-10T00:00:00Z,3\n2024-05-10T00:01:00Z,4\n', 'iso.csv').times)).toEqual([0, 60]);
    const refused = parseError('time [ns],value\n0,1\n1,x\n2,3\n');
    expect(refused.problems).toEqual([{ message: expect.stringMatching(/^the timestamp column "time \[ns\]" names a unit of time that is not read here \("ns"\): the units read, [^]* are s \(/) }]);
  });
  it('reads ISO 8601 date-times in place of numbers, and refuses loose dates', () => {
    const iso = parseTraceCsv('timestamp,value\n2024-05-10T00:00:00Z,3\n2024-05-10T00:00:01.5Z,4\n2024-05-10T00:01:00+00:00,5\n', 'iso.csv');
    expect(Array.from(iso.times)).toEqual([0, 1.5, 60]);
    expect(parseError('timestamp,value\nMay 5,3\n2024-13-45T00:00:00Z,4\n').problems).toEqual([
      { line: 2, message: 'timestamp is not a number or an ISO 8601 date-time: "May 5"' },
      { line: 3, message: 'timestamp is not a number or an ISO 8601 date-time: "2024-13-45T00:00:00Z"' },
    ]);
  });
  it('takes one header line: a second line of words is a bad row', () => {
    expect(parseError('timestamp_seconds,value\nseconds,requests\n0,1\n1,2\n').problems).toEqual([
      { line: 2, message: 'timestamp is not a number or an ISO 8601 date-time: "seconds"' },
    ]);
  });
  it('says which rows are out of order in the file\'s own spelling', () => {
    expect(parseError('timestamp,value\n2024-05-10T00:00:05Z,1\n2024-05-10T00:00:01Z,2\n').problems).toEqual([
      { line: 3, message: 'timestamp 2024-05-10T00:00:01Z does not increase (previous row: 2024-05-10T00:00:05Z)' },
    ]);
  });
  it('accepts a file without header, with CRLF line ends and blank lines', () => {
    expect(parseTraceCsv('0,1\r\n\r\n1,2\r\n', 'crlf.csv').values.length).toBe(2);
  });
  it('reports every bad line with its number, without crashing', () => {
    const error = parseError('timestamp_seconds,value\n0,1\n1,abc\n2\n3,-4\n0,5\n,6\n');
    expect(error.problems).toEqual([
      { line: 3, message: 'value is not a number: "abc"' },
      { line: 4, message: 'expected 2 comma-separated columns (timestamp_seconds,value), found 1' },
      { line: 5, message: 'value must not be negative: -4' },
      { line: 6, message: 'timestamp 0 does not increase (previous row: 0)' },
      { line: 7, message: 'timestamp is not a number or an ISO 8601 date-time: ""' },
    ]);
    expect(error.message).toMatch(/^cannot read trace bad\.csv:\n {2}line 3: value is not a number/);
  });
  it('an empty or one-row file is an error, not a crash', () => {
    expect(parseError('').message).toMatch(/at least 2 data rows, found 0/);
    expect(parseError('timestamp_seconds,value\n0,1\n').message).toMatch(/found 1/);
  });
  it('reads the value from another column, by header name or number, for files with more than two', () => {
    const text = 'timestamp,model,requests,tokens\n0,a,5,900\n1,a,7,1200\n2,b,6,700\n';
    expect(Array.from(parseTraceCsv(text, 'wide.csv', { valueColumn: 'Requests' }).values)).toEqual([5, 7, 6]);
    expect(Array.from(parseTraceCsv(text, 'wide.csv', { valueColumn: '4' }).values)).toEqual([900, 1200, 700]);
    // The default is the second column, here words: each row says so.
    expect(() => parseTraceCsv(text, 'wide.csv')).toThrow(/line 2: value is not a number: "a"/);
    const problem = (reading: { valueColumn?: string; timeColumn?: string }, csv = text) => {
      try {
        parseTraceCsv(csv, 'wide.csv', reading);
      } catch (error) {
        return (error as TraceParseError).problems;
      }
      throw new Error('expected a TraceParseError');
    };
    // A column flag that names no column is the flag's error, not a line's: no line is named.
    expect(problem({ valueColumn: 'latency' })).toEqual([{ message: '--value-column: no column named "latency"; the header has timestamp, model, requests, tokens' }]);
    expect(problem({ valueColumn: 'timestamp' })).toEqual([{ message: '--value-column: the value column "timestamp" is the timestamp column' }]);
    expect(problem({ valueColumn: '1' })).toEqual([{ message: '--value-column: the value column "1" is the timestamp column' }]);
    expect(problem({ valueColumn: '0' })).toEqual([{ message: '--value-column: the value column is counted from 1, got 0' }]);
    expect(problem({ timeColumn: '9' })).toEqual([{ message: '--time-column: the time column is the 9th, but the file has 4 columns' }]);
    expect(problem({ timeColumn: 'when' })).toEqual([{ message: '--time-column: no column named "when"; the header has timestamp, model, requests, tokens' }]);
    expect(problem({ valueColumn: '5' })).toEqual([{ message: '--value-column: the value column is the 5th, but the file has 4 columns' }]);
    expect(problem({ valueColumn: 'requests' }, '0,a,5\n1,a,6\n')).toEqual([{ message: '--value-column: the value column "requests" is named, but the file has no header line: give its number instead' }]);
    expect(() => parseTraceCsv(text, 'wide.csv', { valueColumn: 'zz' })).toThrow(/^cannot read trace wide\.csv:\n {2}--value-column: no column named "zz"; the header has timestamp, model, requests, tokens$/);
    // Every row as wide as the header: a cell more or less puts the others out of place.
    expect(problem({ valueColumn: 'requests' }, 'timestamp,model,requests\n0,a,5\n1,a,b,6\n')).toEqual([{ line: 3, message: 'expected 3 comma-separated columns (timestamp,model,requests), found 4' }]);
  });
  it('reads the timestamp from another column, in the unit its header names, and the value from the first other column by default', () => {
    const text = 'requests,host,time_ms\n5,a,1000\n7,a,3000\n6,b,5000\n';
    const trace = parseTraceCsv(text, 'late-time.csv', { timeColumn: 'time_ms' });
    expect(Array.from(trace.times)).toEqual([0, 2, 4]);
    expect(Array.from(trace.values)).toEqual([5, 7, 6]);
    expect(trace.stepSeconds).toBe(2);
    expect(Array.from(parseTraceCsv('9,1,10\n9,3,20\n', 'n.csv', { timeColumn: '2', valueColumn: '3' }).values)).toEqual([10, 20]);
    expect(() => parseTraceCsv(text, 'late-time.csv', { timeColumn: '3', valueColumn: 'time_ms' })).toThrow(/the value column "time_ms" is the timestamp column/);
  });
  it('counts a request log whose timestamp is not its first column: the Azure Functions invocation trace (app,func,end_timestamp,duration)', () => {
    const log = [
      'app,func,end_timestamp,duration',
      '7b2c43a2bc30f6bb,6d8ac4bf0b8bcfb5,0.061,0.051',
      'c8d5fc8f1b5a67e0,a1e4b1b8c6e2d3f9,0.48,0.40',
      '7b2c43a2bc30f6bb,6d8ac4bf0b8bcfb5,2.9,1.1',
      '0a6e4d3c2b1a0f9e,9e8d7c6b5a4f3e2d,0.7,0.2',
    ].join('\n');
    const trace = parseTraceCsv(log, 'functions.csv', { events: true, timeColumn: 'end_timestamp' });
    expect(Array.from(trace.values)).toEqual([3, 0, 1]);
    // Read from its first column, the app's hash is no timestamp: every row says so.
    expect(() => parseTraceCsv(log, 'functions.csv', { events: true })).toThrow(/line 2: timestamp is not a number or an ISO 8601 date-time: "7b2c43a2bc30f6bb"/);
  });
  it('reads a request log (--events): one row per request, counted per second, empty seconds as 0, in any order', () => {
    // The Azure LLM inference traces' own format: a space between date and time, seven decimals, no zone.
    const log = [
      'TIMESTAMP,ContextTokens,GeneratedTokens',
      '2023-11-16 18:15:46.6805900,374,44',
      '2023-11-16 18:15:46.9000000,396,109',
      '2023-11-16 18:15:49.1000000,879,46',
      '2023-11-16 18:15:46.6805900,120,12',
      '2023-11-16 18:15:48.0000000,55,5',
    ].join('\n');
    const trace = parseTraceCsv(log, 'azure.csv', { events: true });
    expect(Array.from(trace.times)).toEqual([0, 1, 2, 3]);
    expect(Array.from(trace.values)).toEqual([3, 0, 1, 1]);
    expect(trace.stepSeconds).toBe(1);
    // Timestamps in a unit, as BurstGPT's seconds or a log in milliseconds.
    expect(Array.from(parseTraceCsv('timestamp_ms\n1700000000100\n1700000000900\n1700000002500\n', 'ms.csv', { events: true }).values)).toEqual([2, 0, 1]);
    // One request is still a trace (of two seconds); none is an error.
    expect(Array.from(parseTraceCsv('t\n5\n', 'one.csv', { events: true }).values)).toEqual([1, 0]);
    expect(() => parseTraceCsv('t\n', 'none.csv', { events: true })).toThrow(/a request log needs at least 1 request, found none/);
    expect(() => parseTraceCsv('t\n5\nsoon\n', 'bad.csv', { events: true })).toThrow(/line 3: timestamp is not a number or an ISO 8601 date-time: "soon"/);
    // Milliseconds from 0 under a header that names no unit, read as seconds, span 54,000 years: refused, with the fix.
    expect(() => parseTraceCsv('timestamp\n0\n1700000000900\n', 'ms.csv', { events: true })).toThrow(/the requests span 1700000000901 s \(19675926 days\), more than the 8640000 s \(100 days\) a request log is counted over; if its timestamps are not in seconds, name their unit in the header \(timestamp_ms, time_us\)/);
  });
  it('reads a date-time without a zone as UTC, whatever the machine\'s zone (no hour lost at a daylight-saving change), and skips a byte-order mark', () => {
    const zone = process.env.TZ;
    // London moved its clocks from 01:00 to 02:00 on 2024-03-31: read as local time, these two
    // rows would be one hour apart.
    process.env.TZ = 'Europe/London';
    try {
      const zoneless = parseTraceCsv('\uFEFFtimestamp,value\n2024-03-31 00:30:00,1\n2024-03-31T02:30:00,2\n', 'bom.csv');
      expect(Array.from(zoneless.times)).toEqual([0, 7200]);
      expect(Array.from(parseTraceCsv('timestamp,value\n2024-03-31T00:30:00Z,1\n2024-03-31T02:30:00+00:00,2\n', 'z.csv').times)).toEqual([0, 7200]);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
  it('says so when the columns are separated by semicolons or tabs', () => {
    expect(parseError('timestamp_seconds;value\n0;5\n1;6\n').problems).toEqual([
      { line: 1, message: 'header must have at least 2 columns (timestamp_seconds,value), found 1: columns are separated by commas, and this line has semicolons or tabs' },
      { line: 2, message: 'expected 2 comma-separated columns (timestamp_seconds,value), found 1: columns are separated by commas, and this line has semicolons or tabs' },
    ]);
  });
  it('caps the message at ten problems and counts the rest', () => {
    const lines = ['timestamp_seconds,value', ...Array.from({ length: 15 }, (_, i) => `${i},x`)];
    expect(parseError(lines.join('\n')).message).toMatch(/\.\.\. and 5 more$/);
    // Only the problems shown are kept: a file bad on every line costs no memory per line.
    const many = ['timestamp_seconds,value', ...Array.from({ length: 100_000 }, (_, i) => `${i},x`)];
    const error = parseError(many.join('\n'));
    expect(error.problems).toHaveLength(10);
    expect(error.count).toBe(100_000);
    expect(error.message).toMatch(/\.\.\. and 99990 more$/);
  });
  it('quotes at most 80 characters of a bad cell, with its length, and escapes a binary file\'s bytes', () => {
    const long = 'x'.repeat(5_000_000);
    const error = parseError(`timestamp_seconds,value\n0,1\n1,${long}\n`);
    expect(error.problems).toEqual([{ line: 3, message: `value is not a number: "${'x'.repeat(80)}"… (5000000 characters)` }]);
    expect(error.message.length).toBeLessThan(200);
    const binary = Buffer.from([0x30, 0x2c, 0x00, 0x01, 0x1b, 0x7f, 0xff, 0xfe, 0x0a, 0x31, 0x2c, 0x32, 0x0a]).toString('utf8');
    expect(parseError(binary).problems).toEqual([{ line: 1, message: 'value is not a number: "\\u0000\\u0001\\u001b\\u007f\\ufffd\\ufffd"' }]);
    // A timestamp that is a number however long it is spelt is cut too.
    const zeros = `${'0'.repeat(200)}5`;
    expect(parseError(`t,v\n9,1\n${zeros},2\n`).problems).toEqual([{ line: 3, message: `timestamp "${'0'.repeat(80)}"… (201 characters) does not increase (previous row: 9)` }]);
  });
  it('names no line for what is wrong with the whole file: too few rows, no request, a log spanning too long', () => {
    expect(parseError('').message).toBe('cannot read trace bad.csv:\n  a trace needs at least 2 data rows, found 0');
    expect(parseError('timestamp_seconds,value\n0,1\n').problems).toEqual([{ message: 'a trace needs at least 2 data rows, found 1' }]);
    expect(() => parseTraceCsv('t\n', 'none.csv', { events: true })).toThrow(/^cannot read trace none\.csv:\n {2}a request log needs at least 1 request, found none$/);
    expect(() => parseTraceCsv('timestamp\n0\n1700000000900\n', 'ms.csv', { events: true })).toThrow(/^cannot read trace ms\.csv:\n {2}the requests span /);
  });
});

describe('the timestamp unit a trace is read in: a camel-case header, and epoch timestamps too large to be seconds', () => {
  /** Rows a second apart from 1,700,000,000 s (2023-11-14T22:13:20Z), in a unit of `secondsPerUnit`. */
  const epochRows = (secondsPerUnit: number, rows = 4) => Array.from({ length: rows }, (_, i) => `${(1_700_000_000 + i) / secondsPerUnit},${i + 1}`).join('\n');
  const problems = (text: string, reading = {}) => {
    try {
      parseTraceCsv(text, 'epoch.csv', reading);
    } catch (error) {
      if (error instanceof TraceParseError) return error.problems;
      throw error;
    }
    throw new Error('expected a TraceParseError');
  };

  it('reads a camel-case header\'s unit (timestampMs was read as seconds, rows 1000 s apart), and finds a column a flag names in any case', () => {
    for (const header of ['timestampMs', 'timeMS', 'requestTimeMillis']) {
      const trace = parseTraceCsv(`${header},requests\n${epochRows(0.001)}\n`, 'camel.csv');
      expect(Array.from(trace.times), header).toEqual([0, 1, 2, 3]);
      expect(trace.timestampNote, header).toBeUndefined();
    }
    expect(Array.from(parseTraceCsv(`tsUs,requests\n${epochRows(0.000001)}\n`, 'camel.csv').times)).toEqual([0, 1, 2, 3]);
    const wide = `Requests,Host,eventTimeMs\n5,a,1000\n7,a,3000\n6,b,5000\n`;
    expect(Array.from(parseTraceCsv(wide, 'wide.csv', { timeColumn: 'EVENTTIMEMS', valueColumn: 'requests' }).times)).toEqual([0, 2, 4]);
    expect(readTraceLine('Timestamp,Requests', traceStart())).toEqual({ kind: 'header', header: ['Timestamp', 'Requests'] });
  });

  it('reads epoch milliseconds or microseconds under a header that names no unit, or none, and keeps a note of it for the rescaling line', () => {
    for (const [text, unit] of [
      [`timestamp,value\n${epochRows(0.001)}`, 'milliseconds'],
      [epochRows(0.001), 'milliseconds'],
      [`timestamp,value\n${epochRows(0.000001)}`, 'microseconds'],
    ] as const) {
      const trace = parseTraceCsv(text, 'epoch.csv');
      expect(Array.from(trace.times), text).toEqual([0, 1, 2, 3]);
      expect(trace.stepSeconds).toBe(1);
      expect(trace.timestampNote).toMatch(new RegExp(`^timestamps read as ${unit} since the epoch, the first 2023-11-14T22:13:20Z \\(`));
    }
    expect(parseTraceCsv(epochRows(0.001), 'bare.csv').timestampNote).toContain('(the file has no header to name their unit, and as seconds they would be after the year 5138)');
    // The reversed trace, a held-out variant, is read the same way and says so.
    expect(reversedTrace(parseTraceCsv(epochRows(0.001), 'bare.csv')).timestampNote).toMatch(/^timestamps read as milliseconds/);
  });

  it('decides by the first row: seconds up to 2100 are seconds, and later rows do not change the unit', () => {
    const seconds = parseTraceCsv(`timestamp,value\n${epochRows(1)}`, 'seconds.csv');
    expect(Array.from(seconds.times)).toEqual([0, 1, 2, 3]);
    expect(seconds.timestampNote).toBeUndefined();
    expect(Array.from(parseTraceCsv('timestamp,value\n4102444800,1\n100000000000,2\n', 'edge.csv').times)).toEqual([0, 95_897_555_200]);
    // Seconds after 2100 (below 1e11, read as seconds before) are no trace's: refused for the whole file (epochTimestampUnit.test.ts).
    expect(problems('timestamp,value\n99999999999,1\n100000000000,2\n')).toEqual([{ message: expect.stringMatching(/^the first timestamp, 99999999999, read as seconds since the epoch \(the timestamp column "timestamp" names no unit\), is in the year 5138, after 2100-01-01/) }]);
    expect(Array.from(parseTraceCsv('timestamp,value\n100000000000,1\n100000001000,2\n', 'edge.csv').times)).toEqual([0, 1]);
    // A date-time is no number: read as it was.
    expect(parseTraceCsv('timestamp,value\n2024-05-10T00:00:00Z,3\n2024-05-10T00:01:00Z,4\n', 'iso.csv').timestampNote).toBeUndefined();
  });

  it('refuses epoch nanoseconds, a unit not read, for the whole file, saying to name the unit', () => {
    expect(problems(`timestamp,value\n${epochRows(1e-9)}`)).toEqual([
      { message: 'the first timestamp, 1700000000000000000, is too large to be seconds, milliseconds or microseconds since the epoch, and the timestamp column "timestamp" names no unit: name their unit in the header (timestamp_ms, timestamp_us); nanoseconds are not read: divide them by 1000 to microseconds (timestamp_us)' },
    ]);
  });

  it('refuses a header that names seconds over timestamps too large to be seconds, rather than guess, naming the fix', () => {
    expect(problems(`timestamp_seconds,value\n${epochRows(0.001)}`)).toEqual([
      { message: 'the timestamp column "timestamp_seconds" names seconds, but the first timestamp, 1700000000000, is too large to be seconds since the epoch (after the year 5138): if they are milliseconds (2023-11-14T22:13:20Z), name the column so (timestamp_ms)' },
    ]);
    expect(problems(`Time (s),value\n${epochRows(0.001)}`)[0]?.message).toMatch(/^the timestamp column "Time \(s\)" names seconds, but /);
    // A header that names milliseconds is read in them, whatever the size.
    expect(parseTraceCsv(`timestamp_ms,value\n${epochRows(0.001)}`, 'ms.csv').timestampNote).toBeUndefined();
  });

  describe('in a request log (--events), the same: epoch milliseconds were its requests 1000 s apart, or a span refused as longer than 100 days', () => {
    /** `timestamp,tokens` rows of requests at these offsets in seconds from 1,700,000,000 s (2023-11-14T22:13:20Z), in a unit of `secondsPerUnit`, in the order given. */
    const requests = (secondsPerUnit: number, offsets: readonly number[]) => offsets.map((offset, i) => `${Math.round((1_700_000_000 + offset) / secondsPerUnit)},${100 + i}`).join('\n');
    /** Out of order, as a log's rows may come: 2 requests in the first second, 1 in the second, 2 in the third. */
    const offsets = [1.25, 0.1, 2.5, 0.9, 2];

    it('counts epoch milliseconds or microseconds under a header that names no unit per second, and keeps the note for the rescaling line', () => {
      for (const [secondsPerUnit, unit] of [[0.001, 'milliseconds'], [0.000001, 'microseconds']] as const) {
        const trace = parseTraceCsv(`timestamp,x\n${requests(secondsPerUnit, offsets)}\n`, 'log.csv', { events: true });
        expect(Array.from(trace.times), unit).toEqual([0, 1, 2]);
        expect(Array.from(trace.values), unit).toEqual([2, 1, 2]);
        expect(trace.timestampNote).toBe(`timestamps read as ${unit} since the epoch, the first 2023-11-14T22:13:21Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)`);
      }
      // No header, and the old refusal's case: 2.5 hours of milliseconds, read as seconds 104 days.
      expect(parseTraceCsv(`${requests(0.001, offsets)}\n`, 'bare.csv', { events: true }).timestampNote).toContain('(the file has no header to name their unit, and as seconds');
      expect(parseTraceCsv('timestamp\n1700000000000\n1700009000000\n', 'log.csv', { events: true }).values.length).toBe(9001);
      // A header that names the unit is read in it, as before, with no note.
      const named = parseTraceCsv('timestampMs\n1700000000100\n1700000000900\n1700000002500\n', 'ms.csv', { events: true });
      expect(Array.from(named.values)).toEqual([2, 0, 1]);
      expect(named.timestampNote).toBeUndefined();
    });

    it('refuses a header that names seconds over epoch milliseconds, naming the column, and nanoseconds', () => {
      expect(problems(`timestamp_s,x\n${requests(0.001, offsets)}\n`, { events: true })).toEqual([
        { message: 'the timestamp column "timestamp_s" names seconds, but the first timestamp, 1700000001250, is too large to be seconds since the epoch (after the year 5138): if they are milliseconds (2023-11-14T22:13:21Z), name the column so (timestamp_ms)' },
      ]);
      expect(problems(`timestamp,x\n${requests(1e-9, [0, 1])}\n`, { events: true })[0]?.message).toMatch(/^the first timestamp, 1700000000000000000, is too large to be seconds, milliseconds or microseconds since the epoch/);
    });

    it('says how the timestamps were read when a log read in epoch milliseconds is longer than 100 days, rather than to name a unit', () => {
      expect(problems('timestamp\n1700000000000\n1710000000000\n', { events: true })).toEqual([
        { message: 'the requests span 10000001 s (116 days), more than the 8640000 s (100 days) a request log is counted over; timestamps read as milliseconds since the epoch, the first 2023-11-14T22:13:20Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)' },
      ]);
    });

    it('leaves date-times and relative seconds as they were: no note', () => {
      const iso = parseTraceCsv('timestamp,x\n2024-05-10T00:00:02.5Z,1\n2024-05-10T00:00:00.1Z,1\n2024-05-10T00:00:00.9Z,1\n', 'iso.csv', { events: true });
      expect(Array.from(iso.values)).toEqual([2, 0, 1]);
      expect(iso.timestampNote).toBeUndefined();
      const relative = parseTraceCsv('timestamp,x\n1.25,1\n0.1,1\n2.5,1\n0.9,1\n', 'relative.csv', { events: true });
      expect(Array.from(relative.values)).toEqual([2, 1, 1]);
      expect(relative.timestampNote).toBeUndefined();
    });
  });
});

describe('replay rescaling', () => {
  it('plays an hourly trace one minute per row and maps the peak to the requested rate', () => {
    const trace = parseTraceCsv('0,100\n3600,400\n7200,200\n', 'hourly.csv');
    const replay = replayTrace(trace, { maxReplayStepSeconds: 60, peakRps: 80 });
    expect(replay.timeFactor).toBe(60);
    expect(replay.rates.length).toBe(180);
    expect(replay.rates[0]).toBe(20);
    expect(replay.rates[60]).toBe(80);
    expect(replay.rates[179]).toBe(40);
    expect(replay.description).toMatch(/3600 s rows replayed over 60 s \(60× faster\); load: values ×0\.200 → peak 80 rps/);
  });
  it('says so when a trace has no load to rescale, rather than claiming a peak it cannot reach', () => {
    const replay = replayTrace(parseTraceCsv('0,0\n1,0\n2,0\n', 'idle.csv'), { maxReplayStepSeconds: 60, peakRps: 560 });
    expect(Array.from(replay.rates)).toEqual([0, 0, 0]);
    expect(replay.description).toBe('time: real time (1 s rows); load: every value is 0, nothing to rescale; 3 simulated seconds');
  });
  it('says first how the timestamps were read where their size, not the header, gave the unit', () => {
    const replay = replayTrace(parseTraceCsv('timestamp,value\n1700000000000,1\n1700000001000,2\n1700000002000,4\n', 'ms.csv'), { maxReplayStepSeconds: 60, peakRps: 8 });
    expect(replay.description).toBe('time: timestamps read as milliseconds since the epoch, the first 2023-11-14T22:13:20Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138); real time (1 s rows); load: values ×2.00 → peak 8 rps; 3 simulated seconds');
  });
  it('plays 1 s traces in real time', () => {
    const replay = replayTrace(parseTraceCsv('0,1\n1,2\n2,4\n', 's.csv'), { maxReplayStepSeconds: 60, peakRps: 8 });
    expect(replay.timeFactor).toBe(1);
    expect(Array.from(replay.rates)).toEqual([2, 4, 8]);
  });
  it('averages rows shorter than a second over each simulated second, dropping none, and maps the busiest second to the peak', () => {
    const replay = replayTrace(parseTraceCsv('0,2\n0.5,4\n1,6\n1.5,8\n', 'half-second.csv'), { maxReplayStepSeconds: 60, peakRps: 70 });
    // Seconds of 3 and 7 (the means of their two rows); 7 becomes 70 rps.
    expect(Array.from(replay.rates)).toEqual([30, 70]);
    expect(replay.loadFactor).toBe(10);
    expect(replay.description).toMatch(/real time \(0\.5 s rows, averaged over each simulated second\); load: values ×10\.0 → peak 70 rps; 2 simulated seconds/);
  });
  it('gives a second that spans irregular rows their mean weighted by the time each holds in it', () => {
    // Rows at 0, 1, 1.25 and 2: steps of 1, 0.25 and 0.75 s, a median step of 0.75 s.
    const trace = parseTraceCsv('0,4\n1,4\n1.25,8\n2,4\n', 'irregular.csv');
    const replay = replayTrace(trace, { maxReplayStepSeconds: 60, peakRps: 7 });
    // Second 1: 4 for a quarter, 8 for three quarters = 7. The last row holds for its 0.75 s step.
    expect(Array.from(replay.rates)).toEqual([4, 7, 4]);
  });
  it('counts the missing rows of a gap as no requests: a count trace that skips empty seconds', () => {
    // Per-second counts with no row for seconds 4-7 and 11: nothing arrived then.
    const trace = parseTraceCsv('0,4\n1,6\n2,2\n3,4\n8,2\n9,8\n10,4\n12,4\n13,2\n', 'counts.csv');
    expect(trace.stepSeconds).toBe(1);
    expect(traceGaps(trace)).toEqual({ count: 2, seconds: 5 });
    const replay = replayTrace(trace, { maxReplayStepSeconds: 60, peakRps: 8 });
    expect(Array.from(replay.rates)).toEqual([4, 6, 2, 4, 0, 0, 0, 0, 2, 8, 4, 0, 4, 2]);
    expect(replay.description).toMatch(/real time \(1 s rows\); 2 gaps of more than 1.5 rows \(5 s of the trace\) counted as no requests; load/);
  });
  it('replays a count trace without its empty seconds as the whole trace, and tolerates spacing that wanders', () => {
    const whole = syntheticTrace('sparse-bursts', 3600);
    const rows = Array.from(whole.values, (value, t) => [t, value] as const);
    const csv = (kept: (readonly [number, number])[]) => kept.map(([t, value]) => `${t},${value}`).join('\n');
    const withoutEmpty = rows.filter(([t, value]) => value > 0 || t === 0 || t === rows.length - 1);
    expect(withoutEmpty.length).toBeLessThan(rows.length / 3);
    const options = { maxReplayStepSeconds: 60, peakRps: 560 };
    expect(Array.from(replayTrace(parseTraceCsv(csv(withoutEmpty), 'sparse.csv'), options).rates)).toEqual(Array.from(replayTrace(parseTraceCsv(csv(rows), 'whole.csv'), options).rates));
    // A monitor sampling every 10 ± 3 s has no gap.
    expect(traceGaps(parseTraceCsv('0,1\n10,1\n23,1\n30,1\n42,1\n49,1\n', 'wander.csv'))).toEqual({ count: 0, seconds: 0 });
  });
  it('holds the row before a gap with gaps: hold (a sampled rate that missed scrapes)', () => {
    const replay = replayTrace(parseTraceCsv('0,4\n1,6\n6,2\n7,8\n', 'rate.csv'), { maxReplayStepSeconds: 60, peakRps: 8, gaps: 'hold' });
    expect(Array.from(replay.rates)).toEqual([4, 6, 6, 6, 6, 6, 2, 8]);
    expect(replay.description).toMatch(/1 gap of more than 1.5 rows \(4 s of the trace\) held at the row before/);
  });
  it('plays gaps of an hourly trace compressed like its rows, and says nothing of gaps where there are none', () => {
    // Hours 0-2, then 7 and 8: the gap's four missing hours play as four silent minutes.
    const replay = replayTrace(parseTraceCsv('0,10\n3600,20\n7200,20\n25200,20\n28800,20\n', 'hours.csv'), { maxReplayStepSeconds: 60, peakRps: 20 });
    expect(replay.rates.length).toBe(540);
    expect([0, 60, 120, 180, 419, 420, 539].map((second) => replay.rates[second])).toEqual([10, 20, 20, 0, 0, 20, 20]);
    expect(replayTrace(parseTraceCsv('0,1\n1,2\n2,4\n', 's.csv'), { maxReplayStepSeconds: 60, peakRps: 8 }).description).not.toMatch(/gap/);
  });
  it('compresses a minute trace into fewer seconds than rows by averaging them, when the replay step is under a second', () => {
    const trace = parseTraceCsv('0,10\n60,30\n120,20\n180,40\n', 'minutes.csv');
    const replay = replayTrace(trace, { maxReplayStepSeconds: 0.5, peakRps: 30 });
    expect(replay.timeFactor).toBe(120);
    expect(Array.from(replay.rates)).toEqual([20, 30]);
    expect(replay.description).toMatch(/60 s rows replayed over 0\.5 s \(120× faster, averaged over each simulated second\)/);
  });
});

describe('a trace file read as a stream, a line at a time', () => {
  /** What the stream reads at a time. */
  const CHUNK = LINE_CHUNK_BYTES;
  const dir = mkdtempSync(join(tmpdir(), 'sw-trace-stream-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  /** What the whole text gives: a trace, or the error. */
  const fromText = (text: string, name: string, reading = {}): Trace | string => {
    try {
      return parseTraceCsv(text, name, reading);
    } catch (error) {
      return (error as Error).message;
    }
  };
  const fromFile = (path: string, reading = {}): Promise<Trace | string> => readTraceFile(path, reading).catch((error: Error) => error.message);
  /** Rows of `timestamp,value` from `first`, padded with a comment so that `at` falls exactly on a chunk's end. */
  const rowsEndingAt = (at: number) => {
    const rows = Array.from({ length: 1000 }, (_, t) => `${t},${t % 7}\n`).join('');
    return `${rows}#${'.'.repeat(at - rows.length - 2)}\n`;
  };

  it('each line is read on its own, from plain data to plain data: the header, a row, a bad row', () => {
    const start = traceStart();
    expect(readTraceLine('\uFEFFtimestamp_seconds,value\r', start)).toEqual({ kind: 'header', header: ['timestamp_seconds', 'value'] });
    const afterHeader = { ...start, header: ['timestamp_seconds', 'value'], atStart: false };
    const first = readTraceLine(' 60,5 ', afterHeader);
    expect(first).toEqual({ kind: 'row', time: 60, value: 5, cell: '60', layout: { columns: 2, time: 0, value: 1, unitSeconds: 1 } });
    const afterRow = { ...afterHeader, layout: { columns: 2, time: 0, value: 1, unitSeconds: 1 }, previousTime: 60, previousCell: '60' };
    expect(readTraceLine('59,1', afterRow)).toEqual({ kind: 'problem', problem: { kind: 'order', cell: '59', previousCell: '60' }, layout: undefined });
    expect(readTraceLine('# a comment', afterRow)).toEqual({ kind: 'blank' });
  });

  it('gives what the whole text gives, for lines across the chunks it is read in: CRLF cut between "\\r" and "\\n", a character of several bytes cut in two, a line longer than a chunk', async () => {
    // The first chunk ends with the "\\r"; the next starts with the "\\n".
    const crlf = `${rowsEndingAt(CHUNK).replace(/\n$/, '\r\n')}1000,1\r\n1001,2\r\n`;
    expect([crlf[CHUNK - 1], crlf[CHUNK]]).toEqual(['\r', '\n']);
    // "é" is two bytes in UTF-8: the first is the chunk's last.
    const bad = `${rowsEndingAt(CHUNK - 6)}1000,é\n1001,2\n`;
    expect(Buffer.from(bad).indexOf(Buffer.from('é'))).toBe(CHUNK - 1);
    const long = `0,1\n1,${'9'.repeat(3 * CHUNK)}x\n2,3\n`;
    for (const [name, text] of [['crlf.csv', crlf], ['split-char.csv', bad], ['long.csv', long]] as const) {
      expect(await fromFile(file(name, text))).toEqual(fromText(text, name));
    }
    expect(await fromFile(join(dir, 'split-char.csv'))).toMatch(/line 1002: value is not a number: "é"/);
    expect(await fromFile(join(dir, 'long.csv'))).toContain(`line 2: value is not a number: "${'9'.repeat(80)}"… (${3 * CHUNK + 1} characters)`);
  });

  it('numbers lines as the whole text does: a "\\r" alone is not a line end, a last line needs none; a byte-order mark is skipped; a request log is counted', async () => {
    const cases: [string, string, object?][] = [
      ['lone-cr.csv', '0,1\r1,2\n2,3\n'],
      ['no-end.csv', '\uFEFFtimestamp_seconds,value\n0,1\n1,2'],
      ['empty.csv', ''],
      ['events.csv', 'timestamp\n0.5\n0.7\n3.2\n', { events: true }],
      ['narrow.csv', 'timestamp_seconds,value\n0;1\n'],
      ['flag.csv', 'a,b\n0,1\n', { valueColumn: 'c' }],
    ];
    for (const [name, text, reading = {}] of cases) expect(await fromFile(file(name, text), reading)).toEqual(fromText(text, name, reading));
  });

  it('hands on every line, and stops reading where a line is refused', async () => {
    const lines: string[] = [];
    await forEachLine(file('lines.txt', 'a\r\nb\rc\n\nd'), (line) => lines.push(line));
    expect(lines).toEqual(['a', 'b\rc', '', 'd']);
    const seen: string[] = [];
    const refusing = forEachLine(file('refused.txt', 'a\nb\nc\n'), (line) => {
      seen.push(line);
      if (line === 'b') throw new Error('refused b');
    });
    await expect(refusing).rejects.toThrow('refused b');
    expect(seen).toEqual(['a', 'b']);
  });
});
