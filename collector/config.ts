import { z } from 'zod';
import { influxEnvSchema } from '../common/influx/config.js';
import { booleanVar, intVar, readEnv, stringVar, type EnvFlags } from '../common/env.js';
import { defaultRequestMetricNames } from './requestMetrics.js';

/** Every setting of the collector, from the environment (flags are mapped onto these names). */
export const collectorEnvSchema = influxEnvSchema.extend({
  COLLECTOR_INTERVAL_MS: intVar(1000, 100, 3_600_000),
  COLLECTOR_PORT: intVar(9105, 0, 65535),
  COLLECTOR_HOST: stringVar('0.0.0.0'),
  DOCKER_SOCKET: stringVar('/var/run/docker.sock'),
  COLLECTOR_PROC_ROOT: stringVar('/proc'),
  COLLECTOR_CGROUP_ROOT: stringVar('/sys/fs/cgroup'),
  COLLECTOR_NETWORK: z.string().optional(),
  COLLECTOR_REQUIRE_LABEL: z.string().regex(/^[^=\s]+(=.*)?$/, 'a label key, or key=value').optional(),
  COLLECTOR_SCRAPE_TIMEOUT_MS: intVar(800, 10, 60_000),
  COLLECTOR_RESYNC_MS: intVar(30_000, 1000),
  COLLECTOR_BUFFER_POINTS: intVar(200_000, 100),
  COLLECTOR_BATCH_POINTS: intVar(5000, 1),
  COLLECTOR_DOCKER_STATS_FALLBACK: booleanVar(true),
  COLLECTOR_INFLUX_SETUP: booleanVar(true),
  COLLECTOR_METRIC_REQUESTS: stringVar(defaultRequestMetricNames.requests),
  COLLECTOR_METRIC_LATENCY: stringVar(defaultRequestMetricNames.latency),
  COLLECTOR_METRIC_QUEUE_DEPTH: stringVar(defaultRequestMetricNames.queueDepth),
  COLLECTOR_METRIC_JOB_DURATION: stringVar(defaultRequestMetricNames.jobDuration),
  COLLECTOR_METRIC_JOB_LEAD_TIME: stringVar(defaultRequestMetricNames.jobLeadTime),
});

export type CollectorConfig = z.infer<typeof collectorEnvSchema>;

/** `flags`: the command's flags that set these variables (`envFlags`), for `readEnv`. */
export function loadCollectorConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env, flags: EnvFlags = {}): CollectorConfig {
  return readEnv(collectorEnvSchema, env as NodeJS.ProcessEnv, flags);
}
