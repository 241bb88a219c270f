/**
 * A private InfluxDB database per suite on the real influxd of the test setup, and a feeder that
 * writes `service_stats` rows the way the collector does (one per service per second), for suites
 * that need the store to say something precise ("100 requests/s") independent of real load.
 */
import { pino } from 'pino';
import { ensureInfluxSchema, influxConnectionFrom, influxQuery, influxRetentionFrom, readInfluxEnv, seriesRows, type InfluxConnection } from '../../../common/influx/index.js';

export async function privateDatabase(name: string): Promise<InfluxConnection> {
  const env = readInfluxEnv({ INFLUX_URL: process.env.INFLUX_URL, INFLUX_DB: name });
  const connection = influxConnectionFrom(env);
  await ensureInfluxSchema(connection, influxRetentionFrom(env), pino({ level: 'silent' }));
  return connection;
}

export async function writeLines(connection: InfluxConnection, lines: string[]): Promise<void> {
  const response = await fetch(`${connection.url}/write?db=${connection.database}&rp=${connection.retentionPolicy}&precision=ms`, { method: 'POST', body: lines.join('\n') });
  if (response.status !== 204) throw new Error(`write failed: ${response.status} ${await response.text()}`);
}

/** Writes one `service_stats` row per second for `service`, values from `values()` at that moment. */
export function feedServiceStats(connection: InfluxConnection, service: string, values: () => Record<string, number>): { stop(): void; backfill(seconds: number): Promise<void> } {
  const line = (time: number) => {
    const fields = Object.entries(values()).map(([k, v]) => `${k}=${Number.isInteger(v) && k === 'replicas' ? `${v}i` : v}`).join(',');
    return `service_stats,service=${service} ${fields} ${time}`;
  };
  const timer = setInterval(() => void writeLines(connection, [line(Date.now())]).catch(() => undefined), 1000);
  return {
    stop: () => clearInterval(timer),
    /** The last `seconds` at once, so a policy has a full window from the start. */
    backfill: async (seconds: number) => {
      const now = Date.now();
      await writeLines(connection, Array.from({ length: seconds }, (_, i) => line(now - (seconds - i) * 1000)));
    },
  };
}

export async function selectRows(connection: InfluxConnection, query: string): Promise<Array<Record<string, unknown>>> {
  const [result] = await influxQuery(connection, query);
  return seriesRows(result?.series ?? []);
}

export { capturingLogger } from '../../support/capturingLogger.js';
