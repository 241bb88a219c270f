/**
 * Delay before retry number `attempt` (1 = first retry): exponential from `minMs`, capped at
 * `maxMs`, with "equal jitter" (half fixed, half random) so that many collectors restarted
 * together do not hammer InfluxDB in step, while the delay never collapses to zero.
 */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}
