import { InfluxQueryError, readServiceWindow, type InfluxConnection } from '../../common/influx/index.js';
import type { WindowOrProblem } from './evaluate.js';
import { serviceWindowFrom, WINDOW_FIELDS } from './serviceWindow.js';

/**
 * Reads one service's recent `service_stats` window through the v1 `/query` API. A database that
 * does not exist yet is "no data"; any other failure (refused, timeout, 5xx) is "unreachable".
 */
export function influxWindowReader(connection: InfluxConnection, timeoutMs = 5000) {
  return async (service: string, windowSeconds: number): Promise<WindowOrProblem> => {
    try {
      const rows = await withTimeout(readServiceWindow(connection, { service, fields: WINDOW_FIELDS, windowSeconds }), timeoutMs);
      return { ok: true, window: serviceWindowFrom(rows) };
    } catch (error) {
      if (error instanceof InfluxQueryError && /database not found/i.test(error.message)) return { ok: true, window: serviceWindowFrom([]) };
      return { ok: false, problem: 'influx_unreachable', error: describe(error) };
    }
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
