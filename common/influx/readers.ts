import { z } from 'zod';
import type { InfluxConnection } from './config.js';
import { quoteIdentifier, quoteString } from './influxql.js';
import { influxQuery, queryRows, seriesRows, type QueryOptions } from './query.js';
import { Measurement, Tag } from './schema.js';

/**
 * Ready-made reads of what the collector writes, for the scaler and the report: a recent window
 * of one service's (or its containers') fields, as typed rows. A field with no value in a row
 * is `null` (InfluxDB's hole), never 0: the scaler must be able to tell "no data" from "idle".
 */
export interface WindowQuery {
  readonly service: string;
  /** Fields to read, e.g. `['cpu_usage_cores', 'requests_per_second']`. */
  readonly fields: readonly string[];
  /** How far back from now, in seconds. */
  readonly windowSeconds: number;
  /** Averages into buckets of this many seconds when given; raw points otherwise. */
  readonly bucketSeconds?: number;
}

export interface WindowRow {
  /** Epoch milliseconds. */
  readonly time: number;
  readonly values: Readonly<Record<string, number | null>>;
}

export interface ContainerWindowRow extends WindowRow {
  readonly container: string;
  readonly replica: string;
}

const numberOrNull = z.union([z.number(), z.null()]).optional().transform((value) => value ?? null);

export function windowSelect(measurement: string, query: WindowQuery, groupByTags: readonly string[] = []): string {
  const bucketed = query.bucketSeconds !== undefined;
  const columns = query.fields.map((field) => (bucketed ? `mean(${quoteIdentifier(field)}) AS ${quoteIdentifier(field)}` : quoteIdentifier(field))).join(', ');
  const groups = [...(bucketed ? [`time(${Math.max(1, Math.round(query.bucketSeconds ?? 1))}s)`] : []), ...groupByTags.map(quoteIdentifier)];
  return (
    `SELECT ${columns} FROM ${quoteIdentifier(measurement)} ` +
    `WHERE ${quoteIdentifier(Tag.service)} = ${quoteString(query.service)} AND time > now() - ${Math.max(1, Math.round(query.windowSeconds))}s` +
    (groups.length ? ` GROUP BY ${groups.join(', ')}` : '') +
    (bucketed ? ' fill(null)' : '')
  );
}

/** One service's aggregate fields (measurement `service_stats`) over a recent window, oldest first. */
export async function readServiceWindow(connection: InfluxConnection, query: WindowQuery, options: QueryOptions = {}): Promise<WindowRow[]> {
  const rowSchema = z.looseObject({ time: z.number() });
  const rows = await queryRows(connection, windowSelect(Measurement.serviceStats, query), rowSchema, options);
  return rows.map((row) => ({ time: row.time, values: pickNumbers(row, query.fields) }));
}

/** Per-container fields of one service over a recent window (`container_stats` or `container_requests`). */
export async function readContainerWindow(
  connection: InfluxConnection,
  measurement: typeof Measurement.containerStats | typeof Measurement.containerRequests,
  query: WindowQuery,
  options: QueryOptions = {},
): Promise<ContainerWindowRow[]> {
  const [result] = await influxQuery(connection, windowSelect(measurement, query, [Tag.container, Tag.replica]), options);
  return seriesRows(result?.series ?? []).map((row) => ({
    time: z.number().parse(row.time),
    container: String(row[Tag.container] ?? ''),
    replica: String(row[Tag.replica] ?? ''),
    values: pickNumbers(row, query.fields),
  }));
}

/** Services that have written to `service_stats` (within the raw retention). */
export async function listServices(connection: InfluxConnection): Promise<string[]> {
  const [result] = await influxQuery(
    connection,
    `SHOW TAG VALUES FROM ${quoteIdentifier(Measurement.serviceStats)} WITH KEY = ${quoteIdentifier(Tag.service)}`,
  );
  return seriesRows(result?.series ?? []).map((row) => String(row.value));
}

function pickNumbers(row: Record<string, unknown>, fields: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(fields.map((field) => [field, numberOrNull.parse(row[field])]));
}
