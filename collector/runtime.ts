import { createServer, type Server } from 'node:http';
import Docker from 'dockerode';
import { influxConnectionFrom, influxRetentionFrom } from '../common/influx/config.js';
import { ensureInfluxSchemaInBackground } from '../common/influx/setup.js';
import { InfluxWriter } from '../common/influx/writer.js';
import { listen as listenOn } from '../common/listen.js';
import type { Logger } from '../common/logger.js';
import { CgroupFileReader } from './cgroupReader.js';
import { Collector } from './collector.js';
import type { CollectorConfig } from './config.js';
import { DockerSource } from './dockerSource.js';
import { defaultRequestMetricNames } from './requestMetrics.js';
import { MetricsScraper } from './scraper.js';
import { createSelfMetrics } from './selfMetrics.js';

export interface RunningCollector {
  readonly collector: Collector;
  readonly writer: InfluxWriter;
  readonly metrics: ReturnType<typeof createSelfMetrics>;
  /** The port /metrics listens on (useful with port 0). */
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Wires the collector's adapters together from its configuration and starts it. `signal` (a
 * SIGTERM while it starts) cuts the schema setup short; what was started is stopped again and the
 * start rejects with the signal's reason.
 */
export async function startCollector(config: CollectorConfig, logger: Logger, signal?: AbortSignal): Promise<RunningCollector> {
  const connection = influxConnectionFrom(config);
  const writer = new InfluxWriter(connection, {
    logger,
    batchSize: config.COLLECTOR_BATCH_POINTS,
    maxBufferedPoints: config.COLLECTOR_BUFFER_POINTS,
    flushIntervalMs: Math.min(1000, config.COLLECTOR_INTERVAL_MS),
  });
  const metrics = createSelfMetrics(() => writer.stats());
  // Listening first: a busy port stops the start before anything runs, and /healthz answers
  // while the schema setup waits on a slow InfluxDB (one bounded attempt, then retried in the
  // background while InfluxDB does not answer; points are buffered meanwhile).
  const server = await listen(metrics.registry, config.COLLECTOR_HOST, config.COLLECTOR_PORT);
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const schema = config.COLLECTOR_INFLUX_SETUP ? await ensureInfluxSchemaInBackground(connection, influxRetentionFrom(config), logger, signal ? { signal } : {}) : undefined;
  // Stopped while the setup waited: nothing has been collected, so nothing is left to flush.
  if (signal?.aborted) {
    schema?.stop();
    await closeServer();
    throw signal.reason;
  }
  writer.start();
  const scraper = new MetricsScraper(Math.min(config.COLLECTOR_SCRAPE_TIMEOUT_MS, Math.max(50, config.COLLECTOR_INTERVAL_MS - 100)));
  const collector = new Collector({
    source: new DockerSource({ docker: new Docker({ socketPath: config.DOCKER_SOCKET }), network: config.COLLECTOR_NETWORK, requireLabel: config.COLLECTOR_REQUIRE_LABEL, procRoot: config.COLLECTOR_PROC_ROOT, logger }),
    cgroups: new CgroupFileReader({ procRoot: config.COLLECTOR_PROC_ROOT, cgroupRoot: config.COLLECTOR_CGROUP_ROOT }),
    scraper,
    sink: writer,
    metrics,
    logger,
    intervalMs: config.COLLECTOR_INTERVAL_MS,
    resyncMs: config.COLLECTOR_RESYNC_MS,
    dockerStatsFallback: config.COLLECTOR_DOCKER_STATS_FALLBACK,
    metricNames: {
      ...defaultRequestMetricNames,
      requests: config.COLLECTOR_METRIC_REQUESTS,
      latency: config.COLLECTOR_METRIC_LATENCY,
      queueDepth: config.COLLECTOR_METRIC_QUEUE_DEPTH,
      jobDuration: config.COLLECTOR_METRIC_JOB_DURATION,
      jobLeadTime: config.COLLECTOR_METRIC_JOB_LEAD_TIME,
    },
  });
  await collector.start();
  const address = server.address();
  return {
    collector,
    writer,
    metrics,
    port: typeof address === 'object' && address ? address.port : config.COLLECTOR_PORT,
    async stop() {
      schema?.stop();
      await collector.stop();
      await writer.close();
      scraper.close();
      await closeServer();
    },
  };
}

function listen(registry: ReturnType<typeof createSelfMetrics>['registry'], host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry
        .metrics()
        .then((body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body))
        .catch((error: unknown) => res.writeHead(500).end(String(error)));
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  return listenOn(server, port, host).then(() => server);
}
