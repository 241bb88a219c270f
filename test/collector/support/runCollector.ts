import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { influxConnectionFrom, type InfluxConnection } from '../../../common/influx/config.js';
import { loadCollectorConfig } from '../../../collector/config.js';
import { startCollector, type RunningCollector } from '../../../collector/runtime.js';

/** A pino logger whose lines are kept in memory, so a test can assert what the collector said. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level, base: { component: 'collector' } }, stream), lines };
}

/** Starts the real collector (Docker, cgroups, scrapes, InfluxDB) against `influxUrl`/`database`. */
export async function runCollector(influxUrl: string, database: string, logger: Logger, extra: Record<string, string> = {}): Promise<{ running: RunningCollector; connection: InfluxConnection }> {
  const config = loadCollectorConfig({
    INFLUX_URL: influxUrl,
    INFLUX_DB: database,
    COLLECTOR_PORT: '0',
    COLLECTOR_HOST: '127.0.0.1',
    COLLECTOR_INTERVAL_MS: '1000',
    ...extra,
  });
  return { running: await startCollector(config, logger), connection: influxConnectionFrom(config) };
}
