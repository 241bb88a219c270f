import { z } from 'zod';
import { bytesVar, intVar, readEnv, redisUrl, stringVar, type EnvFlags } from '../common/env.js';
import { MIN_BUDGET } from './wordcount/countWords.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * Node's timers hold at most 2^31 − 1 ms (24.8 days): a longer delay fires after 1 ms instead
 * (with `REQUEST_TIMEOUT_MS=3000000000`, a request that took 20 ms was answered 503). Every
 * setting that ends up in a timer stays under it.
 */
const TIMER_MAX_MS = 2 ** 31 - 1;

/**
 * The word count's bounds, shared with `scalewright files` (`-m`). Below 64 KiB the engine does not
 * go (its MIN_BUDGET): it ran on 64 KiB whatever smaller value was set,
 * saying nothing. Refused instead: a budget is what the operator sized the container by, and the
 * likely smaller value is a slip (`32`, meant as 32 MiB), which an error shows and a log line hides. Above 4 GiB the word
 * arena, which doubles within the budget beside its old copy, could pass 2 GiB, where its 32-bit
 * word offsets stop (Int32Array in wordTable.ts).
 */
export const WORDCOUNT_BUDGET_BOUNDS = { min: MIN_BUDGET, max: 4 * GiB } as const;

/**
 * Everything the app and its workers read from the environment, with defaults. The README's
 * configuration table is this schema written out for people. Each number has the bounds its code
 * needs, so that a value it cannot work with stops the command at start-up (exit 2, naming the
 * variable, the value and the range) instead of failing every request or job later.
 */
export const appEnvSchema = z.object({
  PORT: intVar(8080, 1, 65535),
  HOST: stringVar('0.0.0.0'),
  REDIS_URL: stringVar('redis://127.0.0.1:6379').pipe(redisUrl),
  DATA_DIR: stringVar('./data'),
  OUTPUT_DIR: stringVar('./output'),
  UPLOAD_DIR: stringVar('./uploads'),
  // A JSON or form body is decoded as one string and kept as one Redis value: both stop at 512 MiB (V8's strings a little before).
  JSON_BODY_LIMIT: bytesVar(1024 * 1024, 0, 256 * MiB),
  // The PNG is held in one buffer and stored as one Redis value, which Redis takes up to 512 MiB (proto-max-bulk-len).
  IMAGE_BODY_LIMIT: bytesVar(20 * 1024 * 1024, 0, 512 * MiB),
  // Decoded into one RGBA buffer of 4 bytes a pixel, and Node's buffers stop at 4 GiB.
  IMAGE_MAX_PIXELS: intVar(4_194_304, 1, 2 ** 30),
  UPLOAD_LIMIT: bytesVar(16 * 1024 ** 3),
  RESULT_TTL_SECONDS: intVar(24 * 3600, 60),
  REQUEST_TIMEOUT_MS: intVar(30_000, 100, TIMER_MAX_MS),
  UPLOAD_IDLE_TIMEOUT_MS: intVar(60_000, 100, TIMER_MAX_MS),
  WORKER_CONCURRENCY: intVar(2, 1, 64),
  WORKER_METRICS_PORT: intVar(9465, 0, 65535),
  WORKER_LOCK_MS: intVar(30_000, 1000, TIMER_MAX_MS),
  WORDCOUNT_MEMORY_BUDGET: bytesVar(32 * MiB, WORDCOUNT_BUDGET_BOUNDS.min, WORDCOUNT_BUDGET_BOUNDS.max),
  // 0 failed every file job (planChunks needs a byte at least); below a page a file only becomes
  // more chunk jobs, all added at once when it is accepted (a job per byte of a 1 MB file).
  CHUNK_BYTES: bytesVar(64 * MiB, 4 * KiB),
  JOB_ATTEMPTS: intVar(3, 1, 20),
  SHUTDOWN_GRACE_MS: intVar(10_000, 0, TIMER_MAX_MS),
});

export type AppConfig = z.infer<typeof appEnvSchema>;

/** `flags`: the command's flags that set these variables (`envFlags`), for `readEnv`. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, flags: EnvFlags = {}): AppConfig {
  return readEnv(appEnvSchema, env, flags);
}
