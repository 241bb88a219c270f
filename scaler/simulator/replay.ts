import type { Trace } from './trace.js';

/**
 * Turns a trace into the per-second arrival rates the simulator replays, rescaling explicitly:
 *
 * - time: a row of step Δ is replayed over min(Δ, maxReplayStepSeconds) simulated seconds, so an
 *   hourly trace plays each hour as a minute (60× faster) and 1 s and 1 min traces play in real
 *   time. Start-up delays, windows and cooldowns stay in real seconds: compressing a trace makes
 *   its changes steeper, which is the hard case for any autoscaler.
 * - load: values are multiplied so that the busiest simulated second gets `peakRps` requests per
 *   second (traces count requests per minute, per hour, or page views; only the shape is kept).
 * Between rows the rate is held constant (a row counts the requests of its whole interval). A
 * simulated second that spans several rows (rows shorter than a second, or irregular ones) gets
 * their mean weighted by the time each covers in it: no row is dropped.
 *
 * A gap (rows more than GAP_STEPS steps apart) is missing rows, not one long row: a count trace
 * made by grouping requests per second has no row for a second without any, and holding the row
 * before would play it as traffic. By default a row before a gap holds for one step and the rest
 * of the gap counts no requests; `gaps: 'hold'` holds it instead (a rate sampled by a monitor
 * that missed some scrapes). The description says how many gaps there were and how they were read.
 */
export type GapReading = 'zero' | 'hold';

export interface ReplayOptions {
  maxReplayStepSeconds: number;
  peakRps: number;
  /** How to read the time between rows more than GAP_STEPS steps apart (default 'zero'). */
  gaps?: GapReading;
}

/**
 * Rows further apart than this many steps have a gap between them: one missing row is a gap
 * (a second without requests in a per-second count), while spacing that merely wanders (a monitor
 * sampling every 10 ± 3 s) is not.
 */
export const GAP_STEPS = 1.5;

export interface Replay {
  /** Arrivals in each simulated second. */
  rates: Float64Array;
  /** Original seconds per simulated second (1 = real time). */
  timeFactor: number;
  /** Requests/s per unit of the trace's value. */
  loadFactor: number;
  description: string;
}

export function replayTrace(original: Trace, options: ReplayOptions): Replay {
  const gaps = traceGaps(original);
  const trace = options.gaps === 'hold' || gaps.count === 0 ? original : withGapsAsNoRequests(original);
  const timeFactor = replayTimeFactor(trace, options);
  const { times, values } = trace;
  const rows = times.length;
  const end = traceEndSeconds(trace);
  const seconds = replayedSeconds(trace, options);
  const rates = new Float64Array(seconds);
  let row = 0;
  let peak = 0;
  for (let t = 0; t < seconds; t += 1) {
    const from = t * timeFactor;
    const to = Math.min((t + 1) * timeFactor, end);
    while (row + 1 < rows && (times[row + 1] as number) <= from) row += 1;
    // Most seconds lie within one row (every one of a trace whose rows last a second or more).
    const spansRows = row + 1 < rows && (times[row + 1] as number) < to;
    const rate = spansRows ? timeWeightedMean(times, values, row, from, to) : (values[row] as number);
    rates[t] = rate;
    if (rate > peak) peak = rate;
  }
  const loadFactor = peak > 0 ? options.peakRps / peak : 0;
  for (let t = 0; t < seconds; t += 1) rates[t] = (rates[t] as number) * loadFactor;
  const averaged = trace.stepSeconds < timeFactor ? `, averaged over each simulated second` : '';
  const step = roughly(trace.stepSeconds);
  const time = timeFactor === 1 ? `real time (${step} s rows${averaged})` : `${step} s rows replayed over ${roughly(trace.stepSeconds / timeFactor)} s (${roughly(timeFactor)}× faster${averaged})`;
  const load = peak > 0 ? `values ×${loadFactor.toPrecision(3)} → peak ${options.peakRps} rps` : 'every value is 0, nothing to rescale';
  const gapNote = gaps.count === 0 ? '' : `; ${gaps.count} gap${gaps.count === 1 ? '' : 's'} of more than ${GAP_STEPS} rows (${roughly(gaps.seconds)} s of the trace) ${options.gaps === 'hold' ? 'held at the row before' : 'counted as no requests'}`;
  // How the timestamps were read comes first where their size, not the header, said it.
  const read = trace.timestampNote === undefined ? '' : `${trace.timestampNote}; `;
  return { rates, timeFactor, loadFactor, description: `time: ${read}${time}${gapNote}; load: ${load}; ${seconds} simulated second${seconds === 1 ? '' : 's'}` };
}

/**
 * A figure of the rescaling line as a reader takes it in: four significant digits at most, and no
 * float residue (1000 s rows over 60 s are 16.67× faster, not 16.666666666666668×; the median step
 * of rows 0.1 s apart is 0.1 s, not 0.09999999999999998). Whole numbers of up to 4 digits stay whole.
 */
function roughly(value: number): string {
  return String(Number(value.toPrecision(Math.max(4, Math.floor(Math.log10(Math.abs(value) || 1)) + 1))));
}

/** Original seconds per simulated second: 1 unless the trace's rows are longer than `maxReplayStepSeconds`. */
function replayTimeFactor(trace: Trace, options: Pick<ReplayOptions, 'maxReplayStepSeconds'>): number {
  return Math.max(1, trace.stepSeconds / options.maxReplayStepSeconds);
}

/** How many simulated seconds `replayTrace` plays a trace over, without replaying it (filling gaps moves neither end nor step). */
export function replayedSeconds(trace: Trace, options: Pick<ReplayOptions, 'maxReplayStepSeconds'>): number {
  const end = traceEndSeconds(trace);
  // end × max / step rather than end / (step / max): the factor rounded first can leave a whole
  // number of rows a hair over a whole number of seconds (3 rows of 2674 s, at most 17 s each:
  // 51.00000000000001), and the ceiling then plays the last row for one second more.
  const factor = replayTimeFactor(trace, options);
  return Math.max(1, Math.ceil(factor === 1 ? end : (end * options.maxReplayStepSeconds) / trace.stepSeconds));
}

/** Where a trace ends: its last row holds for one step. */
function traceEndSeconds(trace: Trace): number {
  return (trace.times[trace.times.length - 1] as number) + trace.stepSeconds;
}

/** Whether a gap follows row `i`: the next row comes more than GAP_STEPS steps after it. */
function gapAfter(trace: Trace, i: number): boolean {
  const next = trace.times[i + 1];
  return next !== undefined && next - (trace.times[i] as number) > GAP_STEPS * trace.stepSeconds;
}

/** The gaps of a trace: how many, and the seconds they hold beyond their row's first step. */
export function traceGaps(trace: Trace): { count: number; seconds: number } {
  let count = 0;
  let seconds = 0;
  for (let i = 0; i < trace.times.length; i += 1) {
    if (!gapAfter(trace, i)) continue;
    count += 1;
    seconds += (trace.times[i + 1] as number) - (trace.times[i] as number) - trace.stepSeconds;
  }
  return { count, seconds };
}

/** The trace with a row of 0 one step after each row that a gap follows. */
export function withGapsAsNoRequests(trace: Trace): Trace {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < trace.times.length; i += 1) {
    times.push(trace.times[i] as number);
    values.push(trace.values[i] as number);
    if (gapAfter(trace, i)) {
      times.push((trace.times[i] as number) + trace.stepSeconds);
      values.push(0);
    }
  }
  return { ...trace, times: Float64Array.from(times), values: Float64Array.from(values) };
}

/** The mean of the rows' values over [from, to), each weighted by the time it holds there (`first` holds at `from`). */
function timeWeightedMean(times: Float64Array, values: Float64Array, first: number, from: number, to: number): number {
  let sum = 0;
  let start = from;
  for (let row = first; row < times.length && start < to; row += 1) {
    const stop = row + 1 < times.length ? Math.min(times[row + 1] as number, to) : to;
    sum += (values[row] as number) * (stop - start);
    start = stop;
  }
  return sum / (to - from);
}
