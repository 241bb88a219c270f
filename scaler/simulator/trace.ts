/**
 * A request-rate trace: `timestamp_seconds,value` rows, seconds counted from the first row, value
 * = requests in the interval that starts at that timestamp (or a rate; only the shape matters,
 * the simulator rescales it). Parsing is pure and reports every bad line with its number.
 */
export interface Trace {
  name: string;
  /** Seconds from the first row, strictly increasing. */
  times: Float64Array;
  values: Float64Array;
  /** Median spacing of the rows, in seconds: the trace's sampling step. */
  stepSeconds: number;
}

export class TraceParseError extends Error {
  override name = 'TraceParseError';
  constructor(
    readonly traceName: string,
    readonly problems: { line: number; message: string }[],
  ) {
    const shown = problems.slice(0, 10).map((p) => `  line ${p.line}: ${p.message}`);
    const more = problems.length > 10 ? [`  ... and ${problems.length - 10} more`] : [];
    super([`cannot read trace ${traceName}:`, ...shown, ...more].join('\n'));
  }
}

const HEADER = /^\s*[A-Za-z_]/;

export function parseTraceCsv(text: string, name: string): Trace {
  const problems: { line: number; message: string }[] = [];
  const times: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  let previous = -Infinity;
  for (let index = 0; index < lines.length; index += 1) {
    const lineNumber = index + 1;
    const line = (lines[index] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    if (times.length === 0 && problems.length === 0 && HEADER.test(line)) {
      const header = line.split(',').map((cell) => cell.trim().toLowerCase());
      if (header.length !== 2) problems.push({ line: lineNumber, message: `header must have 2 columns (timestamp_seconds,value), found ${header.length}` });
      continue;
    }
    const cells = line.split(',');
    if (cells.length !== 2) {
      problems.push({ line: lineNumber, message: `expected 2 comma-separated columns (timestamp_seconds,value), found ${cells.length}` });
      continue;
    }
    const time = Number(cells[0]!.trim());
    const value = Number(cells[1]!.trim());
    if (cells[0]!.trim() === '' || !Number.isFinite(time)) {
      problems.push({ line: lineNumber, message: `timestamp is not a number: ${JSON.stringify(cells[0])}` });
      continue;
    }
    if (cells[1]!.trim() === '' || !Number.isFinite(value)) {
      problems.push({ line: lineNumber, message: `value is not a number: ${JSON.stringify(cells[1])}` });
      continue;
    }
    if (value < 0) {
      problems.push({ line: lineNumber, message: `value must not be negative: ${value}` });
      continue;
    }
    if (time <= previous) {
      problems.push({ line: lineNumber, message: `timestamp ${time} does not increase (previous row: ${previous})` });
      continue;
    }
    previous = time;
    times.push(time);
    values.push(value);
  }
  if (problems.length > 0) throw new TraceParseError(name, problems);
  if (times.length < 2) throw new TraceParseError(name, [{ line: lines.length, message: `a trace needs at least 2 data rows, found ${times.length}` }]);
  const origin = times[0] as number;
  const shifted = Float64Array.from(times, (t) => t - origin);
  return { name, times: shifted, values: Float64Array.from(values), stepSeconds: medianStep(shifted) };
}

function medianStep(times: Float64Array): number {
  const steps = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i += 1) steps[i - 1] = (times[i] as number) - (times[i - 1] as number);
  steps.sort();
  return steps[Math.floor(steps.length / 2)] as number;
}

/** The trace played backwards in time (same rows, same step): a held-out variant of a real trace. */
export function reversedTrace(trace: Trace): Trace {
  const n = trace.values.length;
  const last = n > 0 ? (trace.times[n - 1] as number) : 0;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    times[i] = last - (trace.times[n - 1 - i] as number);
    values[i] = trace.values[n - 1 - i] as number;
  }
  return { name: `${trace.name} (reversed)`, times, values, stepSeconds: trace.stepSeconds };
}
