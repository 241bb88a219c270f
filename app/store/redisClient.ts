import { Redis } from 'ioredis';

/**
 * One Redis connection per process for the app's own keys. BullMQ opens its own connections
 * from the same URL (it needs blocking connections that must not be shared).
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, {
    // Fail a command quickly while Redis is away instead of queueing it forever: the HTTP layer
    // turns that into a 503, and /readyz reports it.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  // BullMQ requires maxRetriesPerRequest: null on its connections (blocking commands).
  return { url, maxRetriesPerRequest: null };
}
