/**
 * A request-rate trace: `timestamp_seconds,value` rows, seconds counted from the first row, value
 * = requests in the interval that starts at that timestamp (or a rate; only the shape matters,
 * the simulator rescales it). Parsing is pure and reports every bad line with its number.
 *
 * Traces come from many tools, so two other spellings of time are read rather than misread: a
 * header whose first column names its unit (`timestamp_ms`, `time_minutes`, `t_hours`; seconds
 * when it names none), and ISO 8601 date-times (`2024-05-10T00:00:01Z`) in place of numbers.
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

/** Seconds per unit of a timestamp column, by the unit its header name ends with. */
const UNIT_SECONDS: readonly [RegExp, number][] = [
  [/(^|_)(ms|millis|milliseconds)$/, 0.001],
  [/(^|_)(us|micros|microseconds)$/, 0.000001],
  [/(^|_)(min|mins|minutes)$/, 60],
  [/(^|_)(h|hr|hrs|hours)$/, 3600],
];

/** The timestamp column's unit, in seconds, from its header name (seconds unless it names another). */
export function timestampUnitSeconds(columnName: string): number {
  const name = columnName.trim().toLowerCase();
  return UNIT_SECONDS.find(([pattern]) => pattern.test(name))?.[1] ?? 1;
}

/** A timestamp cell in seconds: a number in the column's unit, or an ISO 8601 date-time; NaN otherwise. */
function timestampSeconds(cell: string, unitSeconds: number): number {
  if (cell === '') return NaN;
  const number = Number(cell);
  if (Number.isFinite(number)) return number * unitSeconds;
  // A date needs its year first (Date.parse also takes loose forms such as "1,2" or "May 5").
  return /^\d{4}-\d{2}-\d{2}/.test(cell) ? Date.parse(cell) / 1000 : NaN;
}

export function parseTraceCsv(text: string, name: string): Trace {
  const problems: { line: number; message: string }[] = [];
  const times: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  let previous = -Infinity;
  let unitSeconds = 1;
  let lastCell = '';
  let headerSeen = false;
  for (let index = 0; index < lines.length; index += 1) {
    const lineNumber = index + 1;
    const line = (lines[index] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    // One header, before any row: a second line of words is a bad row, not another header.
    if (!headerSeen && times.length === 0 && problems.length === 0 && HEADER.test(line)) {
      headerSeen = true;
      const header = line.split(',').map((cell) => cell.trim().toLowerCase());
      if (header.length !== 2) problems.push({ line: lineNumber, message: `header must have 2 columns (timestamp_seconds,value), found ${header.length}` });
      unitSeconds = timestampUnitSeconds(header[0]!);
      continue;
    }
    const cells = line.split(',');
    if (cells.length !== 2) {
      problems.push({ line: lineNumber, message: `expected 2 comma-separated columns (timestamp_seconds,value), found ${cells.length}` });
      continue;
    }
    const timeCell = cells[0]!.trim();
    const time = timestampSeconds(timeCell, unitSeconds);
    const value = Number(cells[1]!.trim());
    if (!Number.isFinite(time)) {
      problems.push({ line: lineNumber, message: `timestamp is not a number or an ISO 8601 date-time: ${JSON.stringify(cells[0])}` });
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
      problems.push({ line: lineNumber, message: `timestamp ${timeCell} does not increase (previous row: ${lastCell})` });
      continue;
    }
    previous = time;
    lastCell = timeCell;
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
