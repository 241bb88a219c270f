/**
 * The one shape every signal reads: a point of a time series, as the collector writes it.
 * `time` is milliseconds since the Unix epoch (what InfluxDB returns with `epoch=ms`), `value`
 * is the measured quantity in its own unit (requests/s, cores, bytes, queue length...).
 */
export interface Sample {
  time: number;
  value: number;
}

/** A window of samples, oldest first. Signals never mutate it. */
export type SampleWindow = readonly Sample[];

/** The samples of `window` whose time lies in (`end` - `spanMs`, `end`]; the input must be sorted by time. */
export function lastSpan(window: SampleWindow, spanMs: number, end = window.at(-1)?.time ?? 0): SampleWindow {
  const start = end - spanMs;
  let first = window.length;
  // Windows are short and sorted: walking back from the end is cheaper than a binary search setup.
  while (first > 0 && (window[first - 1] as Sample).time > start) first -= 1;
  let last = window.length;
  while (last > first && (window[last - 1] as Sample).time > end) last -= 1;
  return window.slice(first, last);
}
