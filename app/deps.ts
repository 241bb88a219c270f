import { Registry } from 'prom-client';
import { registerProcessMetrics } from './http/processMetrics.js';
import { createLogger } from '../common/logger.js';
import type { AppConfig } from './config.js';
import type { AppDeps } from './http/appDeps.js';
import { registerQueueMetrics } from './http/queueMetrics.js';
import { JobQueues } from './jobs/jobQueues.js';
import { BlobStore } from './store/blobStore.js';
import { ChunkProgressStore } from './store/chunkProgressStore.js';
import { MessageStore } from './store/messageStore.js';
import { MultivacStore } from './store/multivacStore.js';
import { connectRedis, outageLog } from './store/redisClient.js';
import { trackConnectionError } from './store/redisReachability.js';
import { VisitCounter } from './store/visitCounter.js';

/** Wires the real adapters (Redis, BullMQ, prom-client) for the app process. */
export function createAppDeps(config: AppConfig, logger = createLogger('app')): AppDeps & { close: () => Promise<void> } {
  // While Redis is away, requests fail at once with a 503 and leave nothing behind to run later.
  const redis = connectRedis(config.REDIS_URL, { failFastOnceConnected: true });
  const outage = outageLog(logger, 'app');
  redis.on('error', outage.error).on('ready', outage.ready);
  const registry = new Registry();
  registerProcessMetrics(registry);
  const queues = new JobQueues(
    { redisUrl: config.REDIS_URL, resultTtlSeconds: config.RESULT_TTL_SECONDS, attempts: config.JOB_ATTEMPTS, chunkBytes: config.CHUNK_BYTES },
    new ChunkProgressStore(redis, config.RESULT_TTL_SECONDS),
    logger,
  );
  registerQueueMetrics(registry, queues);
  return {
    config,
    logger,
    redis,
    lastRedisConnectionError: trackConnectionError(redis),
    registry,
    queues,
    messages: new MessageStore(redis),
    visits: new VisitCounter(redis),
    multivac: new MultivacStore(redis, config.RESULT_TTL_SECONDS),
    blobs: new BlobStore(redis, config.RESULT_TTL_SECONDS),
    close: async () => {
      await queues.close();
      redis.disconnect();
    },
  };
}
