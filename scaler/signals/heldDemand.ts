import { quantile } from 'simple-statistics';
import type { SampleWindow } from '../samples.js';

/**
 * The demand that has held: split the window into consecutive blocks of `blockMs` ending at `now`
 * (each block (end − blockMs, end], as `lastSpan` reads a window), and take the lowest block mean
 * and the lowest block busy second (the block's `busyQuantile` of per-sample demand) over them.
 * A level (or a busy second) this high was there in every block: it lasted the whole window, not
 * one burst of it. Blocks without samples are left out (a hole in the data says nothing of the
 * load); undefined when every block is empty.
 */
export interface HeldDemand {
  /** The lowest block mean. */
  level: number;
  /** The lowest block busy second. */
  busySecond: number;
  /** Blocks with samples, the newest included. */
  blocks: number;
}

export function heldDemand(window: SampleWindow, now: number, blockMs: number, spanMs: number, busyQuantile = 0.95): HeldDemand | undefined {
  if (!(blockMs > 0)) throw new RangeError(`block must be positive, got ${blockMs} ms`);
  const blockCount = Math.max(1, Math.floor(spanMs / blockMs));
  let level = Infinity;
  let busySecond = Infinity;
  let blocks = 0;
  let end = window.length;
  // Newest block first, walking back through the (time-ordered) window once.
  while (end > 0 && window[end - 1]!.time > now) end -= 1;
  for (let k = 0; k < blockCount; k += 1) {
    const start = now - (k + 1) * blockMs;
    let first = end;
    while (first > 0 && window[first - 1]!.time > start) first -= 1;
    if (first < end) {
      const values = new Array<number>(end - first);
      let sum = 0;
      for (let i = first; i < end; i += 1) {
        const value = window[i]!.value;
        values[i - first] = value;
        sum += value;
      }
      level = Math.min(level, sum / values.length);
      busySecond = Math.min(busySecond, quantile(values, busyQuantile));
      blocks += 1;
    }
    end = first;
  }
  return blocks === 0 ? undefined : { level, busySecond, blocks };
}
