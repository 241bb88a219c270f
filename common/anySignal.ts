/**
 * The sources of each signal made by `anySignal`, held for as long as it lives.
 */
const sourcesOf = new WeakMap<AbortSignal, readonly AbortSignal[]>();

/**
 * `AbortSignal.any(signals)`, whose sources live as long as it does.
 *
 * Node 20's `AbortSignal.any` holds its sources weakly. An `AbortSignal.timeout` held by nothing
 * else is collected, timer and all, at the next garbage collection, and never fires: a request
 * to a server that takes the connection and never answers then waits forever. That is how the
 * scaler hung for good against a silent InfluxDB, where `INFLUX_TIMEOUT_MS` promised an exit
 * within the timeout (`test/common/anySignal.test.ts` shows the difference under forced
 * collections). Every signal combined in this codebase goes through here, not `AbortSignal.any`.
 */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const sources = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (sources.length === 1) return sources[0] as AbortSignal;
  const combined = AbortSignal.any(sources);
  sourcesOf.set(combined, sources);
  return combined;
}
