import { z } from 'zod';
import { booleanVar, intVar, readEnv, redisUrl, stringVar, type EnvFlags } from '../../common/env.js';
import { influxEnvSchema } from '../../common/influx/config.js';

/** Every setting of the `scaler` command, from the environment (its flags are mapped onto these names). */
export const scalerEnvSchema = influxEnvSchema.extend({
  SCALER_PLATFORM: z.preprocess((v) => (v === undefined || v === '' ? 'docker' : v), z.enum(['docker', 'swarm', 'kubernetes'])),
  SCALER_DRY_RUN: booleanVar(false),
  SCALER_INTERVAL_SECONDS: intVar(5, 1, 3600),
  SCALER_ONCE: booleanVar(false),
  SCALER_POLICY_FILE: z.string().optional(),
  /** Comma-separated service names; empty = every managed service. */
  SCALER_SERVICES: stringVar(''),
  SCALER_REQUIRE_LABEL: z.string().regex(/^[^=\s]+(=.*)?$/, 'a label key, or key=value').optional(),
  SCALER_STALE_AFTER_SECONDS: intVar(15, 1, 3600),
  /** Services a tick or a bridge pass reads and decides at once. */
  SCALER_PARALLEL_SERVICES: intVar(8, 1, 64),
  SCALER_DRAIN_SECONDS: intVar(30, 0, 3600),
  SCALER_HEALTH_TIMEOUT_SECONDS: intVar(60, 1, 3600),
  /** A request to the platform (Docker, Swarm, Kubernetes) not answered within this fails, naming the request and this setting (a Docker stop: plus the drain). */
  SCALER_PLATFORM_TIMEOUT_SECONDS: intVar(30, 1, 3600),
  SCALER_PORT: intVar(9106, 0, 65535),
  SCALER_HOST: stringVar('0.0.0.0'),
  /** Redis for the lease; unset = a single instance acting alone (logged at start). */
  REDIS_URL: z.preprocess((value) => (value === '' ? undefined : value), redisUrl.optional()),
  SCALER_LEASE_KEY: stringVar('scalewright:scaler:lease'),
  SCALER_LEASE_TTL_MS: intVar(15_000, 1000, 600_000),
  DOCKER_SOCKET: stringVar('/var/run/docker.sock'),
  K8S_NAMESPACE: stringVar('default'),
  /** Label selector of the Deployments to manage (Kubernetes). */
  K8S_SELECTOR: stringVar('scalewright.managed=true'),
});

export type ScalerConfig = z.infer<typeof scalerEnvSchema>;

/** `flags`: the command's flags that set these variables (`envFlags`), for `readEnv`. */
export function loadScalerConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env, flags: EnvFlags = {}): ScalerConfig {
  return readEnv(scalerEnvSchema, env as NodeJS.ProcessEnv, flags);
}
