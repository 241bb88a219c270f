import type { Trace } from './trace.js';

/**
 * Turns a trace into the per-second arrival rates the simulator replays, rescaling explicitly:
 *
 * - time: a row of step Δ is replayed over min(Δ, maxReplayStepSeconds) simulated seconds, so an
 *   hourly trace plays each hour as a minute (60× faster) and 1 s and 1 min traces play in real
 *   time. Start-up delays, windows and cooldowns stay in real seconds: compressing a trace makes
 *   its changes steeper, which is the hard case for any autoscaler.
 * - load: values are multiplied so that the trace's largest row becomes `peakRps` requests per
 *   second (traces count requests per minute, per hour, or page views; only the shape is kept).
 * Between rows the rate is held constant (a row counts the requests of its whole interval).
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
  const lastTime = trace.times[trace.times.length - 1] as number;
  const seconds = Math.max(1, Math.ceil((lastTime + trace.stepSeconds) / timeFactor));
  let peak = 0;
  for (const value of trace.values) if (value > peak) peak = value;
  const loadFactor = peak > 0 ? options.peakRps / peak : 0;
  const rates = new Float64Array(seconds);
  let row = 0;
  for (let t = 0; t < seconds; t += 1) {
    const original = t * timeFactor;
    while (row + 1 < trace.times.length && (trace.times[row + 1] as number) <= original) row += 1;
    rates[t] = (trace.values[row] as number) * loadFactor;
  }
  const time = timeFactor === 1 ? `real time (${trace.stepSeconds} s rows)` : `${trace.stepSeconds} s rows replayed over ${trace.stepSeconds / timeFactor} s (${timeFactor}× faster)`;
  const load = `values ×${loadFactor.toPrecision(3)} → peak ${options.peakRps} rps`;
  return { rates, timeFactor, loadFactor, description: `time: ${time}; load: ${load}; ${seconds} simulated seconds` };
}
