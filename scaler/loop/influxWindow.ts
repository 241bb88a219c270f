import { ContainerStatsField, influxQuery, InfluxQueryError, InfluxUnreachableError, Measurement, quoteIdentifier, quoteString, readContainerWindow, readServiceWindow, ScalerSignalField, seriesRows, Tag, type InfluxConnection } from '../../common/influx/index.js';
import { bridgeBaseWhileAt } from '../policies/verticalBridge.js';
import type { WindowOrProblem } from './evaluate.js';
import { serviceWindowFrom, WINDOW_FIELDS } from './serviceWindow.js';

/**
 * Reads one service's recent `service_stats` window, and (unless told not to) its containers'
 * CPU, through the v1 `/query` API. A database that does not exist yet is "no data"; any other failure (refused,
 * timeout, 5xx) is "unreachable". Each request gives up after `timeoutMs` (at most the connection's
 * own timeout, `INFLUX_TIMEOUT_MS`), so a silent InfluxDB costs a tick seconds, not minutes, and at
 * once when `signal` aborts (the scaler is stopping: the caller knows, and decides nothing from it).
 */
export function influxWindowReader(connection: InfluxConnection, timeoutMs = TICK_READ_TIMEOUT_MS) {
  const deadline = tickReadDeadline(connection, timeoutMs);
  return async (service: string, windowSeconds: number, options: { containerCpu: boolean; signal?: AbortSignal } = { containerCpu: true }): Promise<WindowOrProblem> => {
    const bounded = { ...deadline, ...(options.signal ? { signal: options.signal } : {}) };
    try {
      // Both settled, the first failure in this order: cut short together (`scaler --once` giving
      // up), the one the read is said to have failed on is the same every time.
      const [rows, containerRows] = firstFailure(await Promise.allSettled([
        readServiceWindow(connection, { service, fields: WINDOW_FIELDS, windowSeconds }, { ...bounded, request: `the ${windowSeconds} s window of service ${JSON.stringify(service)} (service_stats)` }),
        options.containerCpu
          ? readContainerWindow(connection, Measurement.containerStats, { service, fields: [ContainerStatsField.cpuUsageCores], windowSeconds }, { ...bounded, request: `the ${windowSeconds} s container CPU of service ${JSON.stringify(service)} (container_stats)` })
          : [],
      ]));
      const containerCpu = containerRows.flatMap((row) => {
        const value = row.values[ContainerStatsField.cpuUsageCores];
        return value === null || value === undefined ? [] : [{ time: row.time, container: row.container, value }];
      });
      return { ok: true, window: serviceWindowFrom(rows, containerCpu) };
    } catch (error) {
      if (nothingThereYet(error)) return { ok: true, window: serviceWindowFrom([]) };
      return { ok: false, problem: 'influx_unreachable', error: describe(error) };
    }
  };
}

/** How long one per-tick read may take at most (a tick must not wait minutes on a silent InfluxDB). */
export const TICK_READ_TIMEOUT_MS = 5000;

/**
 * The deadline of one per-tick read, and what sets it, for its failure's message: the scaler's
 * fixed 5 s, or `INFLUX_TIMEOUT_MS` where that is smaller.
 */
export function tickReadDeadline(connection: Pick<InfluxConnection, 'timeoutMs'>, timeoutMs = TICK_READ_TIMEOUT_MS): { timeoutMs: number; timeoutSetting: string } {
  return connection.timeoutMs !== undefined && connection.timeoutMs < timeoutMs
    ? { timeoutMs: connection.timeoutMs, timeoutSetting: 'INFLUX_TIMEOUT_MS' }
    : { timeoutMs, timeoutSetting: `the scaler's per-tick read limit, ${timeoutMs / 1000} s; INFLUX_TIMEOUT_MS lowers it` };
}

/** The values of settled reads, or the first one's failure, thrown. */
function firstFailure<T extends readonly unknown[]>(settled: { -readonly [K in keyof T]: PromiseSettledResult<T[K]> }): T {
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Its message already says what the cause adds ("fetch failed", "aborted due to timeout") better.
  if (error instanceof InfluxUnreachableError) return error.message;
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

/**
 * The database (or its retention policy) is not there yet: nothing was recorded, nothing is lost.
 * InfluxDB 1.x says "database not found" to a query of one statement, but to one of several only
 * "not executed" for the first (checked against influxd 1.6 in predecessorRecordsLost.test.ts).
 */
function nothingThereYet(error: unknown): boolean {
  return error instanceof InfluxQueryError && (/database not found/i.test(error.message) || /^statement 0: not executed$/.test(error.message));
}

/** What a predecessor (an earlier scaler process, or the previous lease holder) left in the records about a service. */
export interface PredecessorRecords {
  /** When it last applied a scale-out and a scale-in (epoch ms). */
  readonly lastScaleOutAt: number | undefined;
  readonly lastScaleInAt: number | undefined;
  /** The base CPU limit, when the newest applied bridge decision left the limit above it. */
  readonly bridgeBaseCpuCores?: number | undefined;
  /** The newest latency correction it recorded (`capacity_factor`), and when. */
  readonly capacityFactor?: { readonly factor: number; readonly at: number } | undefined;
  /** The newest finding that latency does not answer to replicas: until when it holds, and how long the next one will. */
  readonly latencyUnresponsive?: { readonly until: number; readonly forMs: number } | undefined;
}

/**
 * The records of a service's recent past, or why they could not be read (one line: the
 * dependency's own, e.g. InfluxDB's timeout naming this read). A failure is not "nothing
 * recorded": the caller, which has the logger, says that what a predecessor left is lost.
 */
export type PredecessorRecordsOrProblem = { readonly ok: true; readonly records: PredecessorRecords } | { readonly ok: false; readonly error: string };

/** Nothing recorded: a first start, or a database not created yet. */
const NOTHING_RECORDED: PredecessorRecords = { lastScaleOutAt: undefined, lastScaleInAt: undefined };

/**
 * Reads what the records say of a service's recent past: the last applied horizontal actions and
 * bridge from `scaler_decision`, and the newest capacity factor from `scaler_signal`, so that a
 * restarted scaler keeps the cooldowns its predecessor started instead of scaling in at once, and
 * the capacity latency taught it instead of missing the objective again to learn it (and that
 * latency does not answer to replicas, instead of running a trial again to find it).
 * Empty, or no database yet: nothing recorded. Unreachable, unanswered, or cut short by `stopping`
 * (the scaler is stopping; the caller knows, and says nothing of it): not ok, with the reason.
 */
export function influxPredecessorRecords(connection: InfluxConnection, lookBackSeconds = 3600, timeoutMs = TICK_READ_TIMEOUT_MS) {
  const deadline = tickReadDeadline(connection, timeoutMs);
  return async (service: string, stopping?: AbortSignal): Promise<PredecessorRecordsOrProblem> => {
    const recent = `${quoteIdentifier(Tag.service)} = ${quoteString(service)} AND time > now() - ${lookBackSeconds}s`;
    const where = `${recent} AND outcome = 'applied'`;
    const request = `the recorded decisions and signals of service ${JSON.stringify(service)} (last ${lookBackSeconds} s)`;
    try {
      const [out, inn, bridge, signal, unresponsive] = await influxQuery(
        connection,
        [
          `SELECT last(${quoteIdentifier('reason')}) FROM ${quoteIdentifier(Measurement.scalerDecision)} WHERE ${where} AND ${quoteIdentifier(Tag.action)} = 'scale_out'`,
          `SELECT last(${quoteIdentifier('reason')}) FROM ${quoteIdentifier(Measurement.scalerDecision)} WHERE ${where} AND ${quoteIdentifier(Tag.action)} = 'scale_in'`,
          // Every bridge record carries both fields, so both last() values come from the newest one.
          `SELECT last(${quoteIdentifier('bridge_base_cpu_cores')}) AS base, last(${quoteIdentifier('cpu_limit_cores_after')}) AS after FROM ${quoteIdentifier(Measurement.scalerDecision)} WHERE ${where} AND ${quoteIdentifier('policy')} = 'arbitration/bridge'`,
          `SELECT last(${quoteIdentifier(ScalerSignalField.capacityFactor)}) AS factor FROM ${quoteIdentifier(Measurement.scalerSignal)} WHERE ${recent}`,
          // Both fields are written together, so both last() values come from the newest record.
          `SELECT last(${quoteIdentifier(ScalerSignalField.latencyUnresponsiveUntilMs)}) AS until, last(${quoteIdentifier(ScalerSignalField.latencyUnresponsiveForMs)}) AS forMs FROM ${quoteIdentifier(Measurement.scalerSignal)} WHERE ${recent}`,
        ].join('; '),
        { ...deadline, request, ...(stopping ? { signal: stopping } : {}) },
      );
      const time = (result: typeof out) => {
        const row = seriesRows(result?.series ?? [])[0];
        return typeof row?.time === 'number' ? row.time : undefined;
      };
      const bridgeRow = seriesRows(bridge?.series ?? [])[0];
      const base = typeof bridgeRow?.base === 'number' ? bridgeRow.base : undefined;
      const after = typeof bridgeRow?.after === 'number' ? bridgeRow.after : undefined;
      const signalRow = seriesRows(signal?.series ?? [])[0];
      const unresponsiveRow = seriesRows(unresponsive?.series ?? [])[0];
      return {
        ok: true,
        records: {
          lastScaleOutAt: time(out),
          lastScaleInAt: time(inn),
          bridgeBaseCpuCores: base !== undefined && after !== undefined ? bridgeBaseWhileAt(after, base) : undefined,
          capacityFactor: typeof signalRow?.factor === 'number' && typeof signalRow.time === 'number' ? { factor: signalRow.factor, at: signalRow.time } : undefined,
          latencyUnresponsive: typeof unresponsiveRow?.until === 'number' && typeof unresponsiveRow.forMs === 'number' ? { until: unresponsiveRow.until, forMs: unresponsiveRow.forMs } : undefined,
        },
      };
    } catch (error) {
      if (nothingThereYet(error)) return { ok: true, records: NOTHING_RECORDED };
      return { ok: false, error: describe(error) };
    }
  };
}
