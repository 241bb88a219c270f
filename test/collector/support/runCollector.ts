import type { Logger } from 'pino';
import { influxConnectionFrom, type InfluxConnection } from '../../../common/influx/config.js';
import { loadCollectorConfig } from '../../../collector/config.js';
import { startCollector, type RunningCollector } from '../../../collector/runtime.js';

import { capturingLogger as capture } from '../../support/capturingLogger.js';

/** The collector's logger, its lines kept for assertions. */
export const capturingLogger = (level = 'info') => capture(level, 'collector');

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
