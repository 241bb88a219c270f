import { ConnectionClosedError } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';

const retryStrategy = (attempt: number): number => Math.min(attempt * 200, 2000);

/**
 * One Redis connection per process for the app's own keys. BullMQ opens its own connections
 * from the same URL (it needs blocking connections that must not be shared).
 *
 * With `failFastOnceConnected` (the HTTP app), once the first connection is up a command sent
 * while Redis is away fails at once instead of waiting in the offline queue: waiting, it could
 * still run when Redis came back, after its request had already been answered 503. Before the
 * first connection commands still wait (for at most `maxRetriesPerRequest` reconnection
 * attempts), so requests that arrive while the process starts are not refused for nothing.
 */
export function connectRedis(url: string, options: { failFastOnceConnected?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    // Fail a command quickly while Redis is away instead of queueing it forever: the HTTP layer
    // turns that into a 503, and /readyz reports it.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
    retryStrategy,
  });
  // ioredis reads this option on every command, so switching it off after start-up takes effect.
  if (options.failFastOnceConnected) redis.once('ready', () => (redis.options.enableOfflineQueue = false));
  return redis;
}

/**
 * The connection the app's producers (BullMQ Queue and FlowProducer, which never block) share.
 * Without an offline queue, adding a job while Redis is away throws at once (BullMQ's advice for
 * producers, "failing fast when Redis is down") instead of waiting for Redis and adding the job
 * long after its client was answered. BullMQ waits for the first `ready` itself.
 */
export function connectProducer(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: false, lazyConnect: false, retryStrategy });
}

/** Thrown when Redis did not answer an operation in time (the HTTP layer answers 503). */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * Whether an error means "Redis is away" (503, retry later) rather than a bug (500): ioredis's
 * MaxRetriesPerRequestError (its message reads "Reached the max retries per request limit"; the
 * class is not exported, its name is), a closed connection (ioredis's message, BullMQ's class),
 * a refused connection, and the fail-fast error of a connection without offline queue.
 */
/**
 * The system's words for a Redis that cannot be reached: refused, reset, timed out, no route, and
 * a name that does not resolve (a Redis container or Service gone: Docker's and Kubernetes' DNS
 * then answer ENOTFOUND or EAI_AGAIN).
 */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof RedisUnavailableError || error instanceof ConnectionClosedError) return true;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return /max retries per request|Connection is closed|ECONNREFUSED|Stream isn't writeable/i.test(error.message);
}

/**
 * Error and ready listeners for a connection (or several showing the same outage) that log an
 * outage once, when it starts, and once more when Redis answers again, not once per
 * reconnection attempt. Attached, they also keep ioredis and BullMQ from printing raw stack
 * traces on stderr ("Unhandled error event") for every attempt.
 */
export function outageLog(logger: Logger | undefined, connection: string): { error: (error: Error) => void; ready: () => void } {
  let down = false;
  return {
    error: (error) => {
      if (down) return;
      down = true;
      logger?.warn({ connection, err: error.message }, 'redis unreachable; retrying until it answers');
    },
    ready: () => {
      if (!down) return;
      down = false;
      logger?.info({ connection }, 'redis reachable again');
    },
  };
}

export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  // BullMQ requires maxRetriesPerRequest: null on its connections (blocking commands).
  return { url, maxRetriesPerRequest: null };
}
