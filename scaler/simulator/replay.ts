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
 */
export interface ReplayOptions {
  maxReplayStepSeconds: number;
  peakRps: number;
}

export interface Replay {
  /** Arrivals in each simulated second. */
  rates: Float64Array;
  /** Original seconds per simulated second (1 = real time). */
  timeFactor: number;
  /** Requests/s per unit of the trace's value. */
  loadFactor: number;
  description: string;
}

export function replayTrace(trace: Trace, options: ReplayOptions): Replay {
  const timeFactor = Math.max(1, trace.stepSeconds / options.maxReplayStepSeconds);
  const { times, values } = trace;
  const rows = times.length;
  const end = (times[rows - 1] as number) + trace.stepSeconds;
  const seconds = Math.max(1, Math.ceil(end / timeFactor));
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
  const time = timeFactor === 1 ? `real time (${trace.stepSeconds} s rows${averaged})` : `${trace.stepSeconds} s rows replayed over ${trace.stepSeconds / timeFactor} s (${timeFactor}× faster${averaged})`;
  const load = `values ×${loadFactor.toPrecision(3)} → peak ${options.peakRps} rps`;
  return { rates, timeFactor, loadFactor, description: `time: ${time}; load: ${load}; ${seconds} simulated seconds` };
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
