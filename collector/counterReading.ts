/**
 * What a Prometheus counter, or a histogram's bucket, can read: a finite number, not below 0.
 * Anything else comes from a broken exporter or a garbled exposition, and no increase, rate or
 * sum built on it means anything.
 */
export function isCounterReading(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}
