import { z } from 'zod';
import { bytesVar, intVar, readEnv, redisUrl, stringVar } from '../common/env.js';

/**
 * Everything the app and its workers read from the environment, with defaults. The README's
 * configuration table is this schema written out for people.
 */
export const appEnvSchema = z.object({
  PORT: intVar(8080, 1, 65535),
  HOST: stringVar('0.0.0.0'),
  REDIS_URL: stringVar('redis://127.0.0.1:6379').pipe(redisUrl),
  DATA_DIR: stringVar('./data'),
  OUTPUT_DIR: stringVar('./output'),
  UPLOAD_DIR: stringVar('./uploads'),
  JSON_BODY_LIMIT: bytesVar(1024 * 1024),
  IMAGE_BODY_LIMIT: bytesVar(20 * 1024 * 1024),
  IMAGE_MAX_PIXELS: intVar(4_194_304, 1),
  UPLOAD_LIMIT: bytesVar(16 * 1024 ** 3),
  RESULT_TTL_SECONDS: intVar(24 * 3600, 60),
  REQUEST_TIMEOUT_MS: intVar(30_000, 100),
  UPLOAD_IDLE_TIMEOUT_MS: intVar(60_000, 100),
  WORKER_CONCURRENCY: intVar(2, 1, 64),
  WORKER_METRICS_PORT: intVar(9465, 0, 65535),
  WORKER_LOCK_MS: intVar(30_000, 1000),
  WORKER_THREADS: intVar(1, 1, 64),
  WORDCOUNT_MEMORY_BUDGET: bytesVar(32 * 1024 * 1024),
  CHUNK_BYTES: bytesVar(64 * 1024 * 1024),
  JOB_ATTEMPTS: intVar(3, 1, 20),
  SHUTDOWN_GRACE_MS: intVar(10_000, 0),
});

export type AppConfig = z.infer<typeof appEnvSchema>;

/** `flagNames`: the flag of each variable (`envFlagNames`), named beside it in an error. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, flagNames: Readonly<Record<string, string>> = {}): AppConfig {
  return readEnv(appEnvSchema, env, flagNames);
}
