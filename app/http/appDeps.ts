import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import type { AppConfig } from '../config.js';
import type { JobQueues } from '../jobs/jobQueues.js';
import type { BlobStore } from '../store/blobStore.js';
import type { MessageStore } from '../store/messageStore.js';
import type { MultivacStore } from '../store/multivacStore.js';
import type { VisitCounter } from '../store/visitCounter.js';

/** What the HTTP layer needs from the outside world; built once in the command, replaced in tests. */
export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  redis: Redis;
  /** Why the last connection to `redis` failed, until it is ready again (what /readyz reports). */
  lastRedisConnectionError: () => string | undefined;
  registry: Registry;
  queues: JobQueues;
  messages: MessageStore;
  visits: VisitCounter;
  multivac: MultivacStore;
  blobs: BlobStore;
}
