import { describe, expect, it } from 'vitest';
import { replayTrace } from '../../scaler/simulator/replay.js';
import { parseTraceCsv, TraceParseError } from '../../scaler/simulator/trace.js';

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
      { line: 7, message: 'timestamp is not a number: ""' },
    ]);
    expect(error.message).toMatch(/^cannot read trace bad\.csv:\n {2}line 3: value is not a number/);
  });
  it('an empty or one-row file is an error, not a crash', () => {
    expect(parseError('').message).toMatch(/at least 2 data rows, found 0/);
    expect(parseError('timestamp_seconds,value\n0,1\n').message).toMatch(/found 1/);
  });
  it('caps the message at ten problems and counts the rest', () => {
    const lines = ['timestamp_seconds,value', ...Array.from({ length: 15 }, (_, i) => `${i},x`)];
    expect(parseError(lines.join('\n')).message).toMatch(/\.\.\. and 5 more$/);
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
  it('plays 1 s traces in real time', () => {
    const replay = replayTrace(parseTraceCsv('0,1\n1,2\n2,4\n', 's.csv'), { maxReplayStepSeconds: 60, peakRps: 8 });
    expect(replay.timeFactor).toBe(1);
    expect(Array.from(replay.rates)).toEqual([2, 4, 8]);
  });
});
