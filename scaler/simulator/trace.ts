import { quotedText } from '../../common/quotedText.js';
import { digitDatesRefusal } from './compactDate.js';
import { epochTimestampUnit } from './epochTimestampUnit.js';
import { Float64Column } from './float64Column.js';
import { medianStep } from './medianStep.js';
import { timestampUnit } from './timestampUnit.js';

/**
 * A request-rate trace: `timestamp_seconds,value` rows, seconds counted from the first row, value
 * = requests in the interval that starts at that timestamp (or a rate; only the shape matters,
 * the simulator rescales it). Parsing is pure, a line at a time (`readTraceLine`; `TraceParser`
 * keeps what the lines said, so that `readTraceFile` can stream a file through it), and reports
 * every bad line with its number.
 *
 * Traces come from many tools, so two other spellings of time are read rather than misread: a
 * header whose timestamp column names its unit (`timestamp_ms`, `timestampMs`, `time (ms)`,
 * `t_hours`; seconds when it names none; a unit it has no factor for, `timestamp_ns`, is refused:
 * `timestampUnit`; where it names none or seconds, timestamps too large to be seconds since the
 * epoch are read as milliseconds or microseconds, or refused: `epochTimestampUnit`), and ISO 8601
 * date-times (`2024-05-10T00:00:01Z`; a day the calendar does not have, 2024-02-30,
 * is refused) in place of numbers. A wider file gives its timestamp and value from chosen
 * columns, and a request log (one row per request) is counted per second (`TraceReading`).
 */
export interface Trace {
  name: string;
  /** Seconds from the first row, strictly increasing. */
  times: Float64Array;
  values: Float64Array;
  /** Median spacing of the rows, in seconds: the trace's sampling step. */
  stepSeconds: number;
  /**
   * How the timestamps were read where their size, not the header, gave their unit (epoch
   * milliseconds under `timestamp,value`): the rescaling line says it. Absent otherwise.
   */
  timestampNote?: string;
}

/**
 * The largest trace file read, checked by size before reading. The file is streamed, so its text
 * is never held whole; its rows are, 16 bytes each, and each of their seconds is replayed: a
 * 256 MB file of `seconds,value` lines is some 17 million rows (about 270 MB) and simulated
 * seconds, and one of the shortest lines possible (`0,0`) four times as many.
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
  const quoted = quotedText(cut);
  return cut === text ? quoted : `${quoted}… (${text.length} characters)`;
}

/** Text from the file as written when it is short, else as an excerpt (quoted and cut). */
function asWrittenOrExcerpt(text: string): string {
  return text.length > EXCERPT_CHARACTERS ? excerpt(text) : text;
}

/** A list of header names for a message, cut as an excerpt is. */
function headerList(header: readonly string[], separator: string): string {
  return asWrittenOrExcerpt(header.join(separator));
}

const HEADER = /^\s*[A-Za-z_]/;

/**
 * A timestamp cell in seconds: a number in the column's unit, or an ISO 8601 date-time; NaN
 * otherwise, and `no such day` for a date-time on a day the calendar does not have.
 */
function timestampSeconds(cell: string, unitSeconds: number): number | 'no such day' {
  if (cell === '') return NaN;
  const number = Number(cell);
  if (Number.isFinite(number)) return number * unitSeconds;
  // A date needs its year first (Date.parse also takes loose forms such as "1,2" or "May 5").
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(cell);
  if (date === null) return NaN;
  // A date-time without a zone is read as UTC, not as this machine's local time: a trace that
  // crosses a daylight-saving change would otherwise gain or lose an hour there.
  const afterDate = cell.slice(10);
  const zoneless = /\d{2}:\d{2}/.test(afterDate) && !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(afterDate);
  // "2023-11-16 18:15:46.6805900", as the Azure LLM traces write it, is ISO 8601 with a space.
  const milliseconds = Date.parse(`${cell.replace(' ', 'T')}${zoneless ? 'Z' : ''}`);
  if (Number.isNaN(milliseconds)) return NaN;
  // Date.parse takes any day up to 31 and rolls it over (2024-02-30 is March 1st): the day must
  // come back as written.
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return 'no such day';
  return milliseconds / 1000;
}

/** The days of a month (1 to 12) of a year, for a message. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
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
  // Names are compared in any case: `--value-column requests` finds `Requests`.
  const name = wanted.trim().toLowerCase();
  const index = header.findIndex((cell) => cell.toLowerCase() === name);
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

/** Where the timestamp and the value are, 0-based (the value -1 for a request log), and how wide every row is. */
export interface TraceLayout {
  readonly columns: number;
  readonly time: number;
  readonly value: number;
  /** Seconds per unit of the timestamp column. */
  readonly unitSeconds: number;
  /** Where the first row's size, not the header, gave the unit: how the timestamps were read (`Trace.timestampNote`). */
  readonly timestampNote?: string;
}

/** What the lines before tell about the next one: plain data, kept by `TraceParser` from line to line. */
export interface TraceLineContext {
  readonly reading: TraceReading;
  /**
   * The header's names as written (trimmed), when the file has a header line: a column named by a
   * flag is found in any case, and the timestamp column's unit is read from its name as written
   * (lower-cased, `timestampMs` would be one word).
   */
  readonly header: readonly string[] | undefined;
  /** Known from the first row on. */
  readonly layout: TraceLayout | undefined;
  /** Nothing but blank lines and comments so far: a line of words here is the header. */
  readonly atStart: boolean;
  /** The last row's time in seconds (-Infinity before the first), and its timestamp cell as written (what a row out of order is compared with). */
  readonly previousTime: number;
  readonly previousCell: string;
  /** The first row's time in seconds (NaN before it): a trace's times are counted from it. */
  readonly firstTime: number;
}

/** A bad line, as data: its message is written only for the problems shown (a binary file has one a line). */
export type TraceLineProblem =
  | { readonly kind: 'narrow header'; readonly columns: number; readonly line: string }
  | { readonly kind: 'width'; readonly found: number }
  | { readonly kind: 'timestamp'; readonly cell: string }
  | { readonly kind: 'no such day'; readonly cell: string }
  | { readonly kind: 'value'; readonly cell: string }
  | { readonly kind: 'negative'; readonly value: number }
  | { readonly kind: 'order'; readonly cell: string; readonly previousCell: string }
  | { readonly kind: 'span'; readonly cell: string };

/** What one line of a trace file says, given what the lines before it said. */
export type TraceLineReading =
  | { readonly kind: 'blank' }
  | { readonly kind: 'header'; readonly header: readonly string[]; readonly problem?: TraceLineProblem }
  /** A row taken, a request of a log, or a bad row; the first row also says the file's layout (`layout`, undefined on the others). */
  | { readonly kind: 'row'; readonly time: number; readonly value: number; readonly cell: string; readonly layout: TraceLayout | undefined }
  | { readonly kind: 'event'; readonly time: number; readonly layout: TraceLayout | undefined }
  | { readonly kind: 'problem'; readonly problem: TraceLineProblem; readonly layout: TraceLayout | undefined }
  /**
   * The file cannot be read on: a column flag that names no column of it (`alone`: the one problem
   * reported), or rows narrower than the columns asked for (at this line, `atLine`, when they have one column).
   */
  | { readonly kind: 'fatal'; readonly message: string; readonly atLine: boolean; readonly alone: boolean };

const BLANK: TraceLineReading = { kind: 'blank' };

/** What a file's lines say before the first: nothing. */
export function traceStart(reading: TraceReading = {}): TraceLineContext {
  return { reading, header: undefined, layout: undefined, atStart: true, previousTime: -Infinity, previousCell: '', firstTime: NaN };
}

/** Reads one line of a trace file (without its line end), given what the lines before it said. Pure. */
export function readTraceLine(text: string, context: TraceLineContext): TraceLineReading {
  // A byte-order mark (files saved by spreadsheet tools) is not part of the first cell.
  const line = text.replace(/^\uFEFF/, '').trim();
  if (line === '' || line.startsWith('#')) return BLANK;
  const events = context.reading.events === true;
  // One header, before any row: a second line of words is a bad row, not another header.
  if (context.atStart && HEADER.test(line)) {
    const header = line.split(',').map((cell) => cell.trim());
    return header.length < 2 && !events ? { kind: 'header', header, problem: { kind: 'narrow header', columns: header.length, line } } : { kind: 'header', header };
  }
  const cells = line.split(',');
  let found: TraceLayout | undefined;
  if (context.layout === undefined) {
    const layout = layoutOf(cells, line, context);
    if (layout.kind === 'fatal') return layout;
    found = layout.layout;
  }
  const layout = (found ?? context.layout) as TraceLayout;
  // Every row as wide as the header (or as the first row, without one): a row with a column
  // more or less has its cells in other places.
  if (cells.length !== layout.columns) return { kind: 'problem', problem: { kind: 'width', found: cells.length }, layout: found };
  const timeCell = (cells[layout.time] as string).trim();
  const time = timestampSeconds(timeCell, layout.unitSeconds);
  if (time === 'no such day') return { kind: 'problem', problem: { kind: 'no such day', cell: timeCell }, layout: found };
  if (!Number.isFinite(time)) return { kind: 'problem', problem: { kind: 'timestamp', cell: cells[layout.time] as string }, layout: found };
  // A request log: rows may share a timestamp and need not be in order; they are counted.
  if (events) return { kind: 'event', time, layout: found };
  const valueCell = (cells[layout.value] as string).trim();
  const value = Number(valueCell);
  if (valueCell === '' || !Number.isFinite(value)) return { kind: 'problem', problem: { kind: 'value', cell: cells[layout.value] as string }, layout: found };
  if (value < 0) return { kind: 'problem', problem: { kind: 'negative', value }, layout: found };
  if (time <= context.previousTime) return { kind: 'problem', problem: { kind: 'order', cell: timeCell, previousCell: context.previousCell }, layout: found };
  // The trace keeps seconds from the first row: a row whose distance from it overflows
  // (-1e308 then 1e308), or rounds to the previous row's (-1, then 1e-20 and 2e-20), would be an
  // infinite or a repeated time there.
  const sinceFirst = time - context.firstTime;
  if (!Number.isNaN(context.firstTime) && !(Number.isFinite(sinceFirst) && sinceFirst > context.previousTime - context.firstTime)) {
    return { kind: 'problem', problem: { kind: 'span', cell: timeCell }, layout: found };
  }
  return { kind: 'row', time, value, cell: timeCell, layout: found };
}

/** The layout the first row gives (the header's width, else its own), or why the file cannot be read. */
function layoutOf(cells: readonly string[], line: string, context: TraceLineContext): { kind: 'layout'; layout: TraceLayout } | Extract<TraceLineReading, { kind: 'fatal' }> {
  const { header, reading } = context;
  const columns = header?.length ?? cells.length;
  const found = columnIndices(reading, header);
  // A column flag that names no column of the file: the flag is wrong, not a line.
  if (typeof found === 'string') return { kind: 'fatal', message: found, atLine: false, alone: true };
  const beyond = Math.max(found.time, found.value);
  if (beyond >= columns) {
    const role = beyond === found.time ? 'time' : 'value';
    if (columns === 1) return { kind: 'fatal', message: `expected 2 comma-separated columns (timestamp_seconds,value), found 1${separatorHint(line)}`, atLine: true, alone: false };
    return { kind: 'fatal', message: `${COLUMN_FLAG[role]}: the ${role} column is the ${ordinal(beyond + 1)}, but the file has ${columns} columns`, atLine: false, alone: false };
  }
  const columnName = header?.[found.time];
  const named = columnName === undefined ? { kind: 'read', seconds: 1, named: false } as const : timestampUnit(columnName);
  // A unit the header names but the reader has no factor for: the header is wrong for every row.
  if (named.kind === 'refused') return { kind: 'fatal', message: named.message, atLine: false, alone: true };
  // Epoch milliseconds under a header that names no unit are read as such, and a header that
  // names seconds over them is refused, in a request log as in a per-row trace: read as seconds,
  // a log's requests were 1000 s apart, or its span refused as longer than 100 days. The first
  // row decides; a log's rows may come in any order, but all epoch timestamps of one log are of
  // the same size, so its first is as good as its earliest for telling the unit.
  const timeCell = (cells[found.time] ?? '').trim();
  const unit = epochTimestampUnit({ columnName, ...named }, timeCell === '' ? NaN : Number(timeCell));
  if (unit.kind === 'refused') return { kind: 'fatal', message: unit.message, atLine: false, alone: true };
  return { kind: 'layout', layout: { columns, ...found, unitSeconds: unit.seconds, ...('note' in unit && unit.note !== undefined ? { timestampNote: unit.note } : {}) } };
}

/** The message of a bad line. */
export function traceLineMessage(problem: TraceLineProblem, context: TraceLineContext): string {
  switch (problem.kind) {
    case 'narrow header':
      return `header must have at least 2 columns (timestamp_seconds,value), found ${problem.columns}${separatorHint(problem.line)}`;
    case 'width': {
      const columns = context.layout?.columns ?? 0;
      return `expected ${columns} comma-separated column${columns === 1 ? '' : 's'}${context.header ? ` (${headerList(context.header, ',')})` : ''}, found ${problem.found}`;
    }
    case 'timestamp':
      return `timestamp is not a number or an ISO 8601 date-time: ${excerpt(problem.cell)}`;
    case 'no such day': {
      // Its year and month are as written: Date.parse refuses a month out of 1 to 12.
      const [year, month] = problem.cell.split('-').map(Number) as [number, number];
      return `timestamp ${asWrittenOrExcerpt(problem.cell)} is on a day that does not exist: ${problem.cell.slice(0, 7)} has ${daysInMonth(year, month)} days`;
    }
    case 'value':
      return `value is not a number: ${excerpt(problem.cell)}`;
    case 'negative':
      return `value must not be negative: ${problem.value}`;
    case 'order':
      return `timestamp ${asWrittenOrExcerpt(problem.cell)} does not increase (previous row: ${asWrittenOrExcerpt(problem.previousCell)})`;
    case 'span':
      return `timestamp ${asWrittenOrExcerpt(problem.cell)} is too far from the first row's, or too close to the previous row's, to count in seconds from the first row`;
  }
}

/**
 * A trace read a line at a time, in the file's order (`line`), then made whole (`end`): the lines
 * need not all be in memory at once, so a file can be streamed through it. Each line is read by
 * `readTraceLine`; this keeps what the lines said: the rows, and the first problems.
 */
export class TraceParser {
  /** Changed in place, a field at a time, rather than copied for each of millions of rows. */
  private readonly context: { -readonly [K in keyof TraceLineContext]: TraceLineContext[K] };
  private lineNumber = 0;
  private readonly times = new Float64Column();
  private readonly values = new Float64Column();
  private readonly problems: TraceProblem[] = [];
  /** Every problem; only the first are kept. */
  private problemCount = 0;

  constructor(
    private readonly name: string,
    reading: TraceReading = {},
  ) {
    this.context = traceStart(reading);
  }

  /** The next line, without its line end. Throws TraceParseError for a file that cannot be read on. */
  line(text: string): void {
    this.lineNumber += 1;
    const said = readTraceLine(text, this.context);
    switch (said.kind) {
      case 'blank':
        return;
      case 'header':
        this.context.header = said.header;
        this.context.atStart = false;
        if (said.problem) this.problem(said.problem);
        return;
      case 'fatal': {
        const problem = said.atLine ? { line: this.lineNumber, message: said.message } : { message: said.message };
        if (said.alone) throw new TraceParseError(this.name, [problem]);
        throw new TraceParseError(this.name, [...this.problems, problem].slice(0, SHOWN_PROBLEMS), this.problemCount + 1);
      }
    }
    this.context.atStart = false;
    if (said.layout !== undefined) this.context.layout = said.layout;
    switch (said.kind) {
      case 'problem':
        this.problem(said.problem);
        return;
      case 'event':
        this.times.push(said.time);
        return;
      case 'row':
        this.times.push(said.time);
        this.values.push(said.value);
        if (this.times.length === 1) this.context.firstTime = said.time;
        this.context.previousTime = said.time;
        this.context.previousCell = said.cell;
    }
  }

  /** The trace the lines make. Throws TraceParseError with the problems found, or what is wrong with the whole file (no line named). */
  end(): Trace {
    if (this.problemCount > 0) throw new TraceParseError(this.name, this.problems, this.problemCount);
    const note = this.context.layout?.timestampNote;
    if (this.context.reading.events === true) return eventsPerSecond(this.times.take(), this.name, note);
    if (this.times.length < 2) throw new TraceParseError(this.name, [{ message: `a trace needs at least 2 data rows, found ${this.times.length}` }]);
    const first = this.times.first;
    const times = this.times.take(first);
    // Read as seconds, dates written as digits are unevenly spaced; only their steps tell them.
    const digitDates = this.context.layout?.unitSeconds === 1 ? digitDatesRefusal(first, times) : undefined;
    if (digitDates !== undefined) throw new TraceParseError(this.name, [{ message: digitDates }]);
    return { name: this.name, times, values: this.values.take(), stepSeconds: medianStep(times), ...(note === undefined ? {} : { timestampNote: note }) };
  }

  private problem(problem: TraceLineProblem): void {
    this.problemCount += 1;
    // The first problems are kept; the rest (a binary file has one a line) only counted.
    if (this.problems.length < SHOWN_PROBLEMS) this.problems.push({ line: this.lineNumber, message: traceLineMessage(problem, this.context) });
  }
}

/** A trace from the whole text of its file (which `readTraceFile` streams instead). */
export function parseTraceCsv(text: string, name: string, reading: TraceReading = {}): Trace {
  const parser = new TraceParser(name, reading);
  for (const line of text.split(/\r?\n/)) parser.line(line);
  return parser.end();
}

/** The longest request log counted per second: 100 days, 8.64 million seconds (69 MB of counts). */
export const MAX_REQUEST_LOG_SECONDS = 8_640_000;

/**
 * A request log as a trace: the requests of each second from the first request's second to the
 * last one's, empty seconds included (counted 0, not missing). `timestampNote`: how the
 * timestamps were read where their size gave the unit (`Trace.timestampNote`).
 */
function eventsPerSecond(eventTimes: Float64Array, name: string, timestampNote: string | undefined): Trace {
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
    // Timestamps read as seconds may be milliseconds from 0 (epoch ones are read as such): name
    // the unit. Read as epoch milliseconds or microseconds, the log is that long: say how they were read.
    const how = timestampNote === undefined ? 'if its timestamps are not in seconds, name their unit in the header (timestamp_ms, time_us)' : timestampNote;
    throw new TraceParseError(name, [{ message: `the requests span ${seconds} s (${(seconds / 86_400).toFixed(0)} days), more than the ${MAX_REQUEST_LOG_SECONDS} s (${MAX_REQUEST_LOG_SECONDS / 86_400} days) a request log is counted over; ${how}` }]);
  }
  const values = new Float64Array(seconds);
  for (const time of eventTimes) {
    const second = Math.floor(time) - origin;
    values[second] = (values[second] ?? 0) + 1;
  }
  return { name, times: Float64Array.from({ length: seconds }, (_, t) => t), values, stepSeconds: 1, ...(timestampNote === undefined ? {} : { timestampNote }) };
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
  return { name: `${trace.name} (reversed)`, times, values, stepSeconds: trace.stepSeconds, ...(trace.timestampNote === undefined ? {} : { timestampNote: trace.timestampNote }) };
}
