/**
 * What a job worker's 'error' events say in its log. Mostly they are Redis being away, reported on
 * every reconnection attempt: one warning when the outage starts. Anything else (a job's end that
 * could not be recorded, a script that refused) is logged as itself, each time: before, every
 * error was logged as "redis unreachable", once, and the rest were swallowed until Redis was seen
 * back. The errors are those BullMQ emits, sent to the worker of a real BullMQ queue on a
 * redis-server of the test's own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { createJobMetrics } from '../../app/jobs/jobMetrics.js';
import { JobQueues } from '../../app/jobs/jobQueues.js';
import { startJobWorkers } from '../../app/jobs/jobWorkers.js';
import { BlobStore } from '../../app/store/blobStore.js';
import { ChunkProgressStore } from '../../app/store/chunkProgressStore.js';
import { MultivacStore } from '../../app/store/multivacStore.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';

let redis: PrivateRedis;
let connection: Redis;
let root: string;
let queues: JobQueues;
let worker: Worker;
const { logger, lines } = capturingLogger('info');

beforeAll(async () => {
  redis = await startPrivateRedis();
  connection = new Redis(redis.url);
  root = await mkdtemp(join(tmpdir(), 'sw-worker-errors-'));
  const config = loadAppConfig({ REDIS_URL: redis.url, DATA_DIR: root, OUTPUT_DIR: root, UPLOAD_DIR: root });
  queues = new JobQueues({ redisUrl: redis.url, resultTtlSeconds: 60, attempts: 1, chunkBytes: 1 << 20 }, new ChunkProgressStore(connection, 60));
  [worker] = startJobWorkers(
    { config, logger, blobs: new BlobStore(connection, 60), multivac: new MultivacStore(connection, 60), chunkProgress: new ChunkProgressStore(connection, 60), metrics: createJobMetrics(new Registry()), queues },
    ['multivac'],
  ) as [Worker];
});
afterAll(async () => {
  await worker?.close();
  await queues?.close();
  connection?.disconnect();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const unreachable = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("a job worker's errors in its log", () => {
  it('Redis away, however it says so: one warning for the outage, not one an attempt', () => {
    for (const error of [unreachable('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:6379'), unreachable('ENOTFOUND', 'getaddrinfo ENOTFOUND redis'), new Error('Connection is closed.')]) worker.emit('error', error);
    expect(lines.filter((line) => line.level === 40).map((line) => [line.msg, line.err])).toEqual([['redis unreachable; retrying until it answers', 'connect ECONNREFUSED 10.0.0.7:6379']]);
  });

  it('anything else: logged as itself, each time, outage or not', () => {
    worker.emit('error', new Error('Missing lock for job 7. moveToFinished'));
    worker.emit('error', new Error('Missing lock for job 8. moveToFinished'));
    expect(lines.filter((line) => line.level === 50).map((line) => [line.msg, line.type])).toEqual([
      ['job worker error: Missing lock for job 7. moveToFinished', 'multivac'],
      ['job worker error: Missing lock for job 8. moveToFinished', 'multivac'],
    ]);
  });
});
