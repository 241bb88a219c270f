import type { SampleWindow } from '../samples.js';

/**
 * How old the newest sample is at `now` (ms). A window with no sample is infinitely stale.
 * Stale data is a signal of its own: a policy that cannot see must not act on a hole.
 */
export function newestSampleAgeMs(window: SampleWindow, now: number): number {
  const newest = window.at(-1);
  return newest === undefined ? Infinity : Math.max(0, now - newest.time);
}
