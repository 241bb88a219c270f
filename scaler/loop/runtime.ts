import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import { ensureInfluxSchema, influxConnectionFrom, influxRetentionFrom, InfluxWriter } from '../../common/influx/index.js';
import type { Actuator } from '../actuators/actuator.js';
import { DockerActuator } from '../actuators/docker.js';
import { SwarmActuator } from '../actuators/swarm.js';
import { loadPolicyConfigFile } from '../config/loadPolicyConfig.js';
import { LocalLease, RedisLease, type Lease } from '../lease/redisLease.js';
import type { ScalerConfig } from './config.js';
import { ScalerLoop } from './controller.js';
import { influxPredecessorRecords, influxWindowReader } from './influxWindow.js';
import { scalerMetrics } from './metrics.js';

export interface RunningScaler {
  readonly loop: ScalerLoop;
  readonly lease: Lease;
  /** Port of /metrics and /healthz (0 when not served). */
  readonly port: number;
  stop(): Promise<void>;
}

/** Builds the actuator for the configured platform. */
export async function actuatorFor(config: ScalerConfig, logger: Logger): Promise<Actuator> {
  if (config.SCALER_PLATFORM === 'kubernetes') {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { KubernetesActuator } = await import('../actuators/kubernetes.js');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault(); // KUBECONFIG, ~/.kube/config, or the in-cluster service account
    return new KubernetesActuator({ kubeConfig, namespace: config.K8S_NAMESPACE, selector: config.K8S_SELECTOR, logger });
  }
  const docker = new Docker({ socketPath: config.DOCKER_SOCKET });
  const requireLabel = config.SCALER_REQUIRE_LABEL;
  if (config.SCALER_PLATFORM === 'swarm') return new SwarmActuator({ docker, logger, ...(requireLabel ? { requireLabel } : {}) });
  return new DockerActuator({
    docker,
    logger,
    ...(requireLabel ? { requireLabel } : {}),
    drainSeconds: config.SCALER_DRAIN_SECONDS,
    healthTimeoutMs: config.SCALER_HEALTH_TIMEOUT_SECONDS * 1000,
  });
}

/**
 * Starts the scaler: lease, loop, InfluxDB writer and the /metrics + /healthz endpoint. With
 * `SCALER_ONCE` it runs a single tick, waits for the actions it started, and stops.
 */
export async function startScaler(config: ScalerConfig, logger: Logger, actuatorOverride?: Actuator): Promise<RunningScaler> {
  const connection = influxConnectionFrom(config);
  await ensureInfluxSchema(connection, influxRetentionFrom(config), logger).catch(() => false);
  const writer = new InfluxWriter(connection, { logger, flushIntervalMs: 1000 }).start();
  const metrics = scalerMetrics();
  const actuator = actuatorOverride ?? (await actuatorFor(config, logger));
  const fileConfig = config.SCALER_POLICY_FILE ? await loadPolicyConfigFile(config.SCALER_POLICY_FILE) : undefined;

  let redis: Redis | undefined;
  let lease: Lease;
  if (config.REDIS_URL) {
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => undefined); // reported by the lease, once per state change
    lease = new RedisLease({ redis, logger, key: config.SCALER_LEASE_KEY, ttlMs: config.SCALER_LEASE_TTL_MS });
    await lease.tick();
    lease.start();
  } else {
    logger.warn('no REDIS_URL: running without a lease; do not start a second scaler instance');
    lease = new LocalLease();
  }

  const services = config.SCALER_SERVICES.split(',').map((s) => s.trim()).filter(Boolean);
  const loop = new ScalerLoop({
    actuator,
    readWindow: influxWindowReader(connection),
    readPredecessorRecords: influxPredecessorRecords(connection),
    write: (points) => writer.write(points),
    lease,
    logger,
    metrics,
    ...(fileConfig ? { fileConfig } : {}),
    dryRun: config.SCALER_DRY_RUN,
    staleAfterMs: config.SCALER_STALE_AFTER_SECONDS * 1000,
    parallelServices: config.SCALER_PARALLEL_SERVICES,
    services,
  });

  let server: Server | undefined;
  let port = 0;
  if (!config.SCALER_ONCE) {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        void metrics.registry.metrics().then((text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text));
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, lease: lease.status(), dryRun: config.SCALER_DRY_RUN }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server?.listen(config.SCALER_PORT, config.SCALER_HOST, resolve));
    port = (server.address() as AddressInfo).port;
  }

  const stop = async () => {
    await loop.stop();
    await lease.stop();
    await writer.close(3000);
    redis?.disconnect();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  };

  if (config.SCALER_ONCE) {
    await loop.tick();
    await loop.settle();
    await stop();
  } else {
    loop.start(config.SCALER_INTERVAL_SECONDS * 1000);
  }
  logger.info(
    { platform: actuator.kind, dryRun: config.SCALER_DRY_RUN, intervalSeconds: config.SCALER_INTERVAL_SECONDS, services: services.length ? services : 'all managed', lease: lease.status(), port },
    config.SCALER_DRY_RUN ? 'scaler started in dry-run: deciding and reporting, applying nothing' : 'scaler started',
  );
  return { loop, lease, port, stop };
}
