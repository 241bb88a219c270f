import type { Redis } from 'ioredis';
import { isRedisUnavailable } from './redisClient.js';

/** How a readiness probe of Redis went: its answer, its error, or no answer in time. */
export type RedisProbe = { answer: string } | { error: Error } | { timedOutAfterMs: number };

/**
 * Where a client connects, as an operator names it: `host:port`, or the socket path. Read from
 * the client's parsed options, never from the URL, which may carry a password.
 */
export function redisEndpoint(redis: Pick<Redis, 'options'>): string {
  const { host, port, path } = redis.options;
  return path ? path : `${host}:${port}`;
}

/**
 * Why a connection attempt failed, in the system's words (`connect ECONNREFUSED 127.0.0.1:6379`).
 * A host name with several addresses fails with an AggregateError whose own message is empty:
 * its attempts say why.
 */
export function connectionErrorText(error: Error): string {
  if (error.message) return error.message;
  if (error instanceof AggregateError) return (error.errors as unknown[]).map((each) => (each instanceof Error ? connectionErrorText(each) : String(each))).join('; ');
  return (error as NodeJS.ErrnoException).code ?? error.name;
}

/**
 * The last reason a connection to Redis failed, until Redis is ready again. ioredis keeps none:
 * while it reconnects, a command only fails with "Stream isn't writeable and enableOfflineQueue
 * options is false" (or a retry limit), which names neither the server nor the cause.
 */
export function trackConnectionError(redis: Redis): () => string | undefined {
  let last: string | undefined;
  redis.on('error', (error: Error) => (last = connectionErrorText(error)));
  redis.on('ready', () => (last = undefined));
  return () => last;
}

/**
 * What `/readyz` says when a probe did not get PONG, in an operator's terms: which Redis, and
 * what is wrong with it. Pure.
 */
export function notReadyReason(endpoint: string, probe: RedisProbe, connectionError: string | undefined): string {
  const unreachable = `redis at ${endpoint} unreachable: `;
  if ('timedOutAfterMs' in probe) return connectionError ? unreachable + connectionError : `redis at ${endpoint} did not answer within ${probe.timedOutAfterMs} ms`;
  if ('error' in probe) {
    if (isRedisUnavailable(probe.error)) return unreachable + (connectionError ?? 'not connected');
    // Redis answered, with an error (LOADING, NOAUTH, MISCONF...): its own words say what is wrong.
    return `redis at ${endpoint} answered the probe with an error: ${probe.error.message}`;
  }
  return `redis at ${endpoint} answered the probe with ${JSON.stringify(probe.answer)}, not PONG`;
}
