import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTraceCsv, readTraceLine, traceStart, TraceParseError, type Trace, type TraceReading } from '../../scaler/simulator/trace.js';
import { propertySettings } from '../support/properties.js';

/**
 * Property tests of the trace CSV parser (`scaler/simulator/trace.ts`): what it promises for any
 * text (a Trace whose times start at 0 and increase, with finite non-negative values, or a
 * TraceParseError), and that a generated valid file reads back as written.
 */

/** Parses, and gives the TraceParseError instead of throwing it; any other error is rethrown (and fails the property). */
function parseOrError(text: string, reading?: TraceReading): Trace | TraceParseError {
  try {
    return parseTraceCsv(text, 'generated.csv', reading);
  } catch (error) {
    if (error instanceof TraceParseError) return error;
    throw error;
  }
}

/** What the Trace type promises of every trace it holds (checked in one pass: a request log may span thousands of seconds). */
function expectWellFormed(trace: Trace): void {
  expect(trace.times.length).toBe(trace.values.length);
  expect(trace.times.length).toBeGreaterThanOrEqual(2);
  expect(trace.times[0]).toBe(0);
  const bad = Array.from(trace.times).flatMap((time, i) => {
    const value = trace.values[i] as number;
    if (!Number.isFinite(time) || !Number.isFinite(value) || value < 0) return [`row ${i}: time ${time}, value ${value}`];
    return i > 0 && !(time > (trace.times[i - 1] as number)) ? [`row ${i}: time ${time} after ${trace.times[i - 1]}`] : [];
  });
  expect(bad).toEqual([]);
  expect(Number.isFinite(trace.stepSeconds) && trace.stepSeconds > 0).toBe(true);
}

/** Text that looks like a trace file often enough to reach every branch: digits, separators, signs, exponents, words, dates, line ends. */
const csvCharacter = fc.constantFrom(...'0123456789,,,.-+eE \t;#\r\n\n\nxTZ:ai_\uFEFF'.split(''));
const csvToken = fc.oneof(
  csvCharacter.map(String),
  fc.constantFrom('timestamp_seconds,value\n', 'timestamp_ms,value\n', 'time,requests\n', '2024-05-10T00:00:01Z', '2024-05-10 00:00:02', 'Infinity', 'NaN', '1e308', '-1e308', '1e-20', '9007199254740993', '\r\n'),
);
const traceLikeText = fc.oneof(
  fc.array(csvToken, { maxLength: 60 }).map((tokens) => tokens.join('')),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
const readings: fc.Arbitrary<TraceReading> = fc.oneof(
  fc.constant({}),
  fc.record({ timeColumn: fc.constantFrom('1', '2', 'time', 'timestamp_ms', '0'), valueColumn: fc.constantFrom('1', '2', '3', 'value', 'requests') }, { requiredKeys: [] }),
  fc.record({ events: fc.constant(true), timeColumn: fc.constantFrom('1', '2', 'timestamp_ms') }, { requiredKeys: ['events'] }),
);

/** A valid `timestamp_seconds,value` file's rows: strictly increasing integer seconds, finite non-negative values. */
const validRows = fc
  .uniqueArray(fc.integer({ min: 0, max: 2_000_000_000 }), { minLength: 2, maxLength: 40 })
  .chain((times) => {
    const sorted = [...times].sort((a, b) => a - b);
    return fc.array(fc.double({ min: 0, max: 1e300, noNaN: true }), { minLength: sorted.length, maxLength: sorted.length }).map((values) => ({ times: sorted, values }));
  });
const headers = fc.constantFrom<string | undefined>(undefined, 'timestamp_seconds,value', 'timestamp,value', 'time,requests', 'Timestamp , Requests');
const validFile = fc.record({ header: headers, rows: validRows });

function csvOf(file: { header: string | undefined; rows: { times: number[]; values: number[] } }, lineEnd = '\n', trailing = true): string {
  const lines = [...(file.header === undefined ? [] : [file.header]), ...file.rows.times.map((t, i) => `${t},${file.rows.values[i]}`)];
  return lines.join(lineEnd) + (trailing ? lineEnd : '');
}

/** The median step as the Trace documents it: the middle one of the sorted spacings (the upper middle for an even count). */
function medianSpacing(times: readonly number[]): number {
  const steps = times.slice(1).map((t, i) => t - (times[i] as number)).sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] as number;
}

describe('trace CSV parsing, as properties', () => {
  it('any text, read in any column layout, either parses to a well-formed trace or is refused with a TraceParseError, never another error', () => {
    fc.assert(
      fc.property(traceLikeText, readings, (text, reading) => {
        const result = parseOrError(text, reading);
        if (result instanceof TraceParseError) {
          expect(result.message).toMatch(/^cannot read trace generated\.csv:\n/);
          expect(result.problems.length).toBeGreaterThan(0);
          expect(result.count).toBeGreaterThanOrEqual(result.problems.length);
        } else {
          expectWellFormed(result);
        }
      }),
      propertySettings(300),
    );
  });

  it('a request log (events) is counted per second: whole seconds from 0, integer counts that add up to its rows', () => {
    const log = fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(log, fc.boolean(), (times, header) => {
        const text = `${header ? 'timestamp\n' : ''}${times.map(String).join('\n')}\n`;
        const trace = parseOrError(text, { events: true });
        if (trace instanceof TraceParseError) throw trace;
        expectWellFormed(trace);
        // Checked by hand rather than with toEqual: a log may span thousands of seconds.
        expect(trace.times.every((t, i) => t === i)).toBe(true);
        expect(trace.times.length).toBe(Math.max(2, Math.floor(Math.max(...times)) - Math.floor(Math.min(...times)) + 1));
        expect(trace.values.every((v) => Number.isInteger(v))).toBe(true);
        expect(trace.values.reduce((a, b) => a + b, 0)).toBe(times.length);
      }),
      propertySettings(200),
    );
  });

  it('a generated valid file (optional header, increasing integer seconds, finite non-negative values) reads back as written, from its first row, with its median step', () => {
    fc.assert(
      fc.property(validFile, (file) => {
        const trace = parseOrError(csvOf(file));
        if (trace instanceof TraceParseError) throw trace;
        const first = file.rows.times[0] as number;
        expect(Array.from(trace.times)).toEqual(file.rows.times.map((t) => t - first));
        expect(Array.from(trace.values)).toEqual(file.rows.values);
        expect(trace.stepSeconds).toBe(medianSpacing(file.rows.times));
        expect(trace.name).toBe('generated.csv');
      }),
      propertySettings(300),
    );
  });

  it('any strictly increasing finite timestamps (negative, tiny or huge) give times from 0 that are finite and strictly increasing, or a TraceParseError naming a row, or, from a first of 1e17 on (too large for seconds, milliseconds and microseconds since the epoch), refusing their unit', () => {
    const timestamps = fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 8 }).map((times) => [...times].sort((a, b) => a - b));
    fc.assert(
      fc.property(timestamps, (times) => {
        const result = parseOrError(times.map((t) => `${t},1`).join('\n'));
        if (result instanceof TraceParseError && (times[0] as number) >= 1e17) expect(result.problems).toEqual([{ message: expect.stringMatching(/^the first timestamp, \S+, is too large to be seconds, milliseconds or microseconds since the epoch/) }]);
        else if (result instanceof TraceParseError) expect(result.problems[0]?.line).toBeGreaterThan(1);
        else expectWellFormed(result);
      }),
      propertySettings(300),
    );
  });

  it('regression: timestamps whose distance from the first row overflows, or rounds to the previous row\'s, are refused naming the row', () => {
    // Found by the property above: the times were [0, Infinity] and [0, 1, 1].
    for (const [text, line] of [['-1e308,1\n1e308,1\n', 2], ['-1,1\n1e-20,1\n2e-20,1\n', 3], ['-8.679584011751285e-308,1\n-5e-324,1\n0,1\n', 3]] as const) {
      const error = parseOrError(text);
      expect(error).toBeInstanceOf(TraceParseError);
      expect((error as TraceParseError).problems).toEqual([{ line, message: expect.stringMatching(/^timestamp \S+ is too far from the first row's, or too close to the previous row's, to count in seconds from the first row$/) }]);
    }
  });

  it('CRLF line ends, a missing final line end, blank lines and comments give the same trace as plain LF lines', () => {
    fc.assert(
      fc.property(validFile, fc.nat(), (file, at) => {
        const plain = parseOrError(csvOf(file));
        expect(parseOrError(csvOf(file, '\r\n'))).toEqual(plain);
        expect(parseOrError(csvOf(file, '\n', false))).toEqual(plain);
        expect(parseOrError(csvOf(file, '\r\n', false))).toEqual(plain);
        const lines = csvOf(file).split('\n');
        lines.splice(at % lines.length, 0, '', '# a comment', '   ');
        expect(parseOrError(lines.join('\n'))).toEqual(plain);
      }),
      propertySettings(200),
    );
  });

  it('a bad row in an otherwise valid file is refused with a TraceParseError whose first problem names that row\'s line number', () => {
    // A row one column wider is bad except as the first row of a file without a header: that row sets the width.
    const badCell = (time: number, setsWidth: boolean) => fc.constantFrom(`${time},abc`, `${time},-5`, `${time},`, `${time},NaN`, `${time},Infinity`, `${time};5`, `${time}`, ...(setsWidth ? [] : [`${time},1,2`]));
    fc.assert(
      fc.property(
        validFile.chain((file) => fc.record({ file: fc.constant(file), row: fc.nat({ max: file.rows.times.length - 1 }) })).chain(({ file, row }) => fc.record({ file: fc.constant(file), row: fc.constant(row), bad: badCell(file.rows.times[row] as number, row === 0 && file.header === undefined) })),
        ({ file, row, bad }) => {
          const lines = csvOf(file).split('\n');
          const index = (file.header === undefined ? 0 : 1) + row;
          lines[index] = bad;
          const error = parseOrError(lines.join('\n'));
          expect(error).toBeInstanceOf(TraceParseError);
          const { problems, message } = error as TraceParseError;
          expect(problems[0]?.line).toBe(index + 1);
          expect(message).toContain(`\n  line ${index + 1}: `);
        },
      ),
      propertySettings(300),
    );
  });

  it('readTraceLine is total: any line, at the start or after a row, gives one reading, and a row it takes is finite, non-negative and later than the row before', () => {
    const contexts = fc.oneof(
      readings.map((reading) => traceStart(reading)),
      fc
        .record({ times: fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true })), columns: fc.integer({ min: 2, max: 4 }), unitSeconds: fc.constantFrom(1, 0.001, 60) })
        .map(({ times, columns, unitSeconds }) => ({
          ...traceStart(),
          header: undefined,
          atStart: false,
          layout: { columns, time: 0, value: 1, unitSeconds },
          firstTime: Math.min(...times),
          previousTime: Math.max(...times),
          previousCell: String(Math.max(...times)),
        })),
    );
    fc.assert(
      fc.property(traceLikeText, contexts, (text, context) => {
        const reading = readTraceLine(text, context);
        expect(['blank', 'header', 'row', 'event', 'problem', 'fatal']).toContain(reading.kind);
        if (reading.kind === 'row') {
          expect(Number.isFinite(reading.time)).toBe(true);
          expect(Number.isFinite(reading.value)).toBe(true);
          expect(reading.value).toBeGreaterThanOrEqual(0);
          expect(reading.time).toBeGreaterThan(context.previousTime);
          // ...and, counted from the first row as the trace keeps it, still finite and later.
          if (!Number.isNaN(context.firstTime)) {
            expect(Number.isFinite(reading.time - context.firstTime)).toBe(true);
            expect(reading.time - context.firstTime).toBeGreaterThan(context.previousTime - context.firstTime);
          }
        }
        // The line end the splitting leaves, a byte-order mark and surrounding blanks do not change what a line says.
        expect(readTraceLine(`\uFEFF ${text}\r`, context)).toEqual(reading);
      }),
      propertySettings(300),
    );
  });
});
