/**
 * A request-rate trace: `timestamp_seconds,value` rows, seconds counted from the first row, value
 * = requests in the interval that starts at that timestamp (or a rate; only the shape matters,
 * the simulator rescales it). Parsing is pure and reports every bad line with its number.
 *
 * Traces come from many tools, so two other spellings of time are read rather than misread: a
 * header whose timestamp column names its unit (`timestamp_ms`, `time_minutes`, `t_hours`;
 * seconds when it names none), and ISO 8601 date-times (`2024-05-10T00:00:01Z`) in place of
 * numbers. A wider file gives its timestamp and value from chosen columns, and a request log (one
 * row per request) is counted per second (`TraceReading`).
 */
export interface Trace {
  name: string;
  /** Seconds from the first row, strictly increasing. */
  times: Float64Array;
  values: Float64Array;
  /** Median spacing of the rows, in seconds: the trace's sampling step. */
  stepSeconds: number;
}

/**
 * The largest trace file read: it is read whole, as one string (V8's longest is about 512 MB of
 * text, and its lines and numbers take memory beside it). Checked by size before reading.
 */
export const MAX_TRACE_BYTES = 256_000_000;

/** One problem of a trace: at a line, or (no line) of the whole file or of a column flag. */
export interface TraceProblem {
  line?: number;
  message: string;
}

/** The problems kept and shown; the rest are only counted. */
const SHOWN_PROBLEMS = 10;

export class TraceParseError extends Error {
  override name = 'TraceParseError';
  constructor(
    readonly traceName: string,
    /** The first problems (ten at most), in line order. */
    readonly problems: TraceProblem[],
    /** Every problem, shown or not. */
    readonly count = problems.length,
  ) {
    const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => `  ${p.line === undefined ? '' : `line ${p.line}: `}${p.message}`);
    const more = count > shown.length ? [`  ... and ${count - shown.length} more`] : [];
    super([`cannot read trace ${traceName}:`, ...shown, ...more].join('\n'));
  }
}

/** The longest excerpt of a file's text a message quotes; a longer one is cut, with its length. */
const EXCERPT_CHARACTERS = 80;

/**
 * Text from the file as a message quotes it: in double quotes, control and other unprintable
 * characters (a binary file's bytes) escaped, cut after 80 characters with "…" and the length.
 */
export function excerpt(text: string): string {
  const cut = text.length > EXCERPT_CHARACTERS ? text.slice(0, EXCERPT_CHARACTERS) : text;
  const quoted = JSON.stringify(cut).replace(/[\u007f-\u009f\u00ad\u2028\u2029\ufeff\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut === text ? quoted : `${quoted}… (${text.length} characters)`;
}

/** A list of header names for a message, cut as an excerpt is. */
function headerList(header: readonly string[], separator: string): string {
  const text = header.join(separator);
  return text.length > EXCERPT_CHARACTERS ? excerpt(text) : text;
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
  if (!/^\d{4}-\d{2}-\d{2}/.test(cell)) return NaN;
  // A date-time without a zone is read as UTC, not as this machine's local time: a trace that
  // crosses a daylight-saving change would otherwise gain or lose an hour there.
  const afterDate = cell.slice(10);
  const zoneless = /\d{2}:\d{2}/.test(afterDate) && !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(afterDate);
  // "2023-11-16 18:15:46.6805900", as the Azure LLM traces write it, is ISO 8601 with a space.
  return Date.parse(`${cell.replace(' ', 'T')}${zoneless ? 'Z' : ''}`) / 1000;
}

/**
 * How to read a trace file's columns, each named by its header name or its number from 1:
 * - `timeColumn`: the column that holds the timestamp (default: the first); its header name gives
 *   its unit;
 * - `valueColumn`: the column that holds the value (default: the first that is not the
 *   timestamp's, so the second of a `timestamp_seconds,value` file);
 * - `events`: each row is one request at its timestamp (a request log, as the Azure LLM inference
 *   traces are published), counted per second; the value column is not read.
 */
export interface TraceReading {
  timeColumn?: string;
  valueColumn?: string;
  events?: boolean;
}

/** A hint for a line whose columns are not separated by commas. */
function separatorHint(line: string): string {
  return /[;\t]/.test(line) ? ': columns are separated by commas, and this line has semicolons or tabs' : '';
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** The flag that names a column (`TraceReading.timeColumn`, `.valueColumn`): its errors name it, not a line. */
const COLUMN_FLAG = { time: '--time-column', value: '--value-column' } as const;

/**
 * The 0-based index of the column a flag names (by header name or number from 1), or a message
 * saying why there is none. Whether the file is as wide is checked on its first row.
 */
function namedColumnIndex(role: 'time' | 'value', wanted: string, header: readonly string[] | undefined): number | string {
  const flag = COLUMN_FLAG[role];
  const position = Number(wanted);
  if (Number.isInteger(position)) return position >= 1 ? position - 1 : `${flag}: the ${role} column is counted from 1, got ${wanted}`;
  if (header === undefined) return `${flag}: the ${role} column ${JSON.stringify(wanted)} is named, but the file has no header line: give its number instead`;
  const index = header.indexOf(wanted.trim().toLowerCase());
  return index >= 0 ? index : `${flag}: no column named ${JSON.stringify(wanted)}; the header has ${headerList(header, ', ')}`;
}

/** Where the timestamp and the value are, 0-based; the value is -1 for a request log, which has none. */
function columnIndices(reading: TraceReading, header: readonly string[] | undefined): { time: number; value: number } | string {
  const time = reading.timeColumn === undefined ? 0 : namedColumnIndex('time', reading.timeColumn, header);
  if (typeof time === 'string') return time;
  if (reading.events === true) return { time, value: -1 };
  if (reading.valueColumn === undefined) return { time, value: time === 0 ? 1 : 0 };
  const value = namedColumnIndex('value', reading.valueColumn, header);
  if (typeof value === 'string') return value;
  return value === time ? `--value-column: the value column ${JSON.stringify(reading.valueColumn)} is the timestamp column` : { time, value };
}

export function parseTraceCsv(text: string, name: string, reading: TraceReading = {}): Trace {
  const problems: TraceProblem[] = [];
  let problemCount = 0;
  // The first problems are kept; the rest (a binary file has one a line) only counted.
  const problem = (line: number, message: () => string) => {
    problemCount += 1;
    if (problems.length < SHOWN_PROBLEMS) problems.push({ line, message: message() });
  };
  const times: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  let previous = -Infinity;
  let unitSeconds = 1;
  let lastCell = '';
  let header: string[] | undefined;
  let columns: number | undefined;
  let at: { time: number; value: number } | undefined;
  const events = reading.events === true;
  for (let index = 0; index < lines.length; index += 1) {
    const lineNumber = index + 1;
    // A byte-order mark (files saved by spreadsheet tools) is not part of the first cell.
    const line = (lines[index] as string).replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    // One header, before any row: a second line of words is a bad row, not another header.
    if (header === undefined && times.length === 0 && problemCount === 0 && HEADER.test(line)) {
      header = line.split(',').map((cell) => cell.trim().toLowerCase());
      columns = header.length;
      if (columns < 2 && !events) problem(lineNumber, () => `header must have at least 2 columns (timestamp_seconds,value), found ${columns}${separatorHint(line)}`);
      continue;
    }
    const cells = line.split(',');
    // Every row as wide as the header (or as the first row, without one): a row with a column
    // more or less has its cells in other places.
    columns ??= cells.length;
    if (at === undefined) {
      const found = columnIndices(reading, header);
      // A column flag that names no column of the file: the flag is wrong, not a line.
      if (typeof found === 'string') throw new TraceParseError(name, [{ message: found }]);
      const beyond = Math.max(found.time, found.value);
      if (beyond >= columns) {
        const role = beyond === found.time ? 'time' : 'value';
        const tooNarrow = columns === 1 ? { line: lineNumber, message: `expected 2 comma-separated columns (timestamp_seconds,value), found 1${separatorHint(line)}` } : { message: `${COLUMN_FLAG[role]}: the ${role} column is the ${ordinal(beyond + 1)}, but the file has ${columns} columns` };
        throw new TraceParseError(name, [...problems, tooNarrow].slice(0, SHOWN_PROBLEMS), problemCount + 1);
      }
      at = found;
      unitSeconds = header === undefined ? 1 : timestampUnitSeconds(header[at.time]!);
    }
    if (cells.length !== columns) {
      problem(lineNumber, () => `expected ${columns} comma-separated column${columns === 1 ? '' : 's'}${header ? ` (${headerList(header, ',')})` : ''}, found ${cells.length}`);
      continue;
    }
    const timeCell = cells[at.time]!.trim();
    const time = timestampSeconds(timeCell, unitSeconds);
    if (!Number.isFinite(time)) {
      problem(lineNumber, () => `timestamp is not a number or an ISO 8601 date-time: ${excerpt(cells[at!.time]!)}`);
      continue;
    }
    if (events) {
      // A request log: rows may share a timestamp and need not be in order; they are counted.
      times.push(time);
      continue;
    }
    const valueCell = cells[at.value]!.trim();
    const value = Number(valueCell);
    if (valueCell === '' || !Number.isFinite(value)) {
      problem(lineNumber, () => `value is not a number: ${excerpt(cells[at!.value]!)}`);
      continue;
    }
    if (value < 0) {
      problem(lineNumber, () => `value must not be negative: ${value}`);
      continue;
    }
    if (time <= previous) {
      const [now, before] = [timeCell, lastCell].map((cell) => (cell.length > EXCERPT_CHARACTERS ? excerpt(cell) : cell));
      problem(lineNumber, () => `timestamp ${now} does not increase (previous row: ${before})`);
      continue;
    }
    previous = time;
    lastCell = timeCell;
    times.push(time);
    values.push(value);
  }
  if (problemCount > 0) throw new TraceParseError(name, problems, problemCount);
  // What is wrong with the whole file names no line.
  if (events) return eventsPerSecond(times, name);
  if (times.length < 2) throw new TraceParseError(name, [{ message: `a trace needs at least 2 data rows, found ${times.length}` }]);
  const origin = times[0] as number;
  const shifted = Float64Array.from(times, (t) => t - origin);
  return { name, times: shifted, values: Float64Array.from(values), stepSeconds: medianStep(shifted) };
}

/** The longest request log counted per second: 100 days, 8.64 million seconds (69 MB of counts). */
export const MAX_REQUEST_LOG_SECONDS = 8_640_000;

/**
 * A request log as a trace: the requests of each second from the first request's second to the
 * last one's, empty seconds included (counted 0, not missing).
 */
function eventsPerSecond(eventTimes: readonly number[], name: string): Trace {
  if (eventTimes.length === 0) throw new TraceParseError(name, [{ message: 'a request log needs at least 1 request, found none' }]);
  let first = Infinity;
  let last = -Infinity;
  for (const time of eventTimes) {
    first = Math.min(first, time);
    last = Math.max(last, time);
  }
  const origin = Math.floor(first);
  // At least two seconds, so that a log of one second is still a trace.
  const seconds = Math.max(2, Math.floor(last) - origin + 1);
  if (seconds > MAX_REQUEST_LOG_SECONDS) {
    throw new TraceParseError(name, [{ message: `the requests span ${seconds} s (${(seconds / 86_400).toFixed(0)} days), more than the ${MAX_REQUEST_LOG_SECONDS} s (${MAX_REQUEST_LOG_SECONDS / 86_400} days) a request log is counted over; if its timestamps are not in seconds, name their unit in the header (timestamp_ms, time_us)` }]);
  }
  const values = new Float64Array(seconds);
  for (const time of eventTimes) {
    const second = Math.floor(time) - origin;
    values[second] = (values[second] ?? 0) + 1;
  }
  return { name, times: Float64Array.from({ length: seconds }, (_, t) => t), values, stepSeconds: 1 };
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
