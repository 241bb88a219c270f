import { z } from 'zod';
import type { InfluxConnection } from './config.js';
import { authHeaders, endpoint, InfluxHttpError, isRetryableStatus, queryRequestName, requestFailure, requestSignal, requestTimeoutMs } from './http.js';

/** One series of an InfluxQL answer, as `/query` returns it. */
export interface InfluxSeries {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}

/** The answer to one statement. */
export interface StatementResult {
  readonly statementId: number;
  readonly series: readonly InfluxSeries[];
}

const responseSchema = z.object({
  error: z.string().optional(),
  results: z
    .array(
      z.object({
        statement_id: z.number().optional(),
        error: z.string().optional(),
        series: z
          .array(
            z.object({
              name: z.string().default(''),
              tags: z.record(z.string(), z.string()).optional(),
              columns: z.array(z.string()),
              values: z.array(z.array(z.unknown())).default([]),
            }),
          )
          .optional(),
      }),
    )
    .default([]),
});

export class InfluxQueryError extends Error {
  override name = 'InfluxQueryError';
  constructor(
    message: string,
    readonly query: string,
  ) {
    super(message);
  }
}

export interface QueryOptions {
  /** Database to run against; defaults to the connection's. */
  readonly database?: string;
  /** Retention policy for unqualified measurements; defaults to the connection's. */
  readonly retentionPolicy?: string;
  /** Send as POST, needed for statements that change things (CREATE, DROP, SELECT INTO). */
  readonly write?: boolean;
  /** Aborts the request early (the timeout applies as well). */
  readonly signal?: AbortSignal;
  /** Per-request timeout; defaults to the connection's (`INFLUX_TIMEOUT_MS`, 10 s). */
  readonly timeoutMs?: number;
  /** What the query is for, in the words its failure should use (default: the method and the statement). */
  readonly request?: string;
  /** The setting `timeoutMs` comes from, for its failure's message (default `INFLUX_TIMEOUT_MS`). */
  readonly timeoutSetting?: string;
}

/**
 * Runs InfluxQL (one or more statements separated by `;`) through `/query` and returns each
 * statement's series. Times come back as epoch milliseconds. Any statement error throws, so an
 * empty answer always means "no data", never "the query was wrong". An InfluxDB that refuses the
 * connection or does not answer within the timeout throws InfluxUnreachableError.
 */
export async function influxQuery(connection: InfluxConnection, query: string, options: QueryOptions = {}): Promise<StatementResult[]> {
  const params: Record<string, string> = { q: query, epoch: 'ms', db: options.database ?? connection.database };
  const rp = options.retentionPolicy ?? connection.retentionPolicy;
  if (rp) params.rp = rp;
  const timeoutMs = requestTimeoutMs(connection, options.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint(connection, '/query', options.write ? {} : params), {
      method: options.write ? 'POST' : 'GET',
      headers: { ...authHeaders(connection), ...(options.write ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      ...(options.write ? { body: new URLSearchParams(params).toString() } : {}),
      signal: requestSignal(connection, timeoutMs, options.signal),
    });
    text = await response.text();
  } catch (error) {
    const method = options.write ? 'POST' : 'GET';
    throw requestFailure(connection, error, timeoutMs, { request: options.request ?? queryRequestName(method, query), ...(options.timeoutSetting ? { timeoutSetting: options.timeoutSetting } : {}) });
  }
  if (!response.ok) {
    throw new InfluxHttpError(`InfluxDB /query answered ${response.status}: ${text.slice(0, 300)}`, response.status, isRetryableStatus(response.status));
  }
  const parsed = responseSchema.parse(JSON.parse(text));
  if (parsed.error) throw new InfluxQueryError(parsed.error, query);
  return parsed.results.map((result, index) => {
    if (result.error) throw new InfluxQueryError(`statement ${index}: ${result.error}`, query);
    return {
      statementId: result.statement_id ?? index,
      series: (result.series ?? []).map((series) => ({ name: series.name, tags: series.tags ?? {}, columns: series.columns, values: series.values })),
    };
  });
}

/** Flattens series into rows: one object per value row, with the series' tags merged in. */
export function seriesRows(series: readonly InfluxSeries[]): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const one of series) {
    for (const values of one.values) {
      const row: Record<string, unknown> = { ...one.tags };
      one.columns.forEach((column, index) => {
        row[column] = values[index];
      });
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Runs one SELECT and returns its rows validated by `rowSchema` (time is epoch ms). Rows that do
 * not match the schema throw: the caller's idea of the data and the data disagree.
 */
export async function queryRows<S extends z.ZodType>(
  connection: InfluxConnection,
  query: string,
  rowSchema: S,
  options: QueryOptions = {},
): Promise<Array<z.infer<S>>> {
  const [first] = await influxQuery(connection, query, options);
  return seriesRows(first?.series ?? []).map((row) => rowSchema.parse(row));
}
