/**
 * A job's metrics are counted once per job: its execution time (of the attempt that finished),
 * its lead time (accepted to finished) and its end, however many attempts it took. Workers in this
 * process (so that their registry can be read), on a redis-server of the test's own; the first
 * attempt of a MultiVAC job fails as it would while Redis is away, and is retried.
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
import { waitUntil } from '../support/processes.js';

let redis: PrivateRedis;
let connection: Redis;
let root: string;
let queues: JobQueues;
let workers: Worker[] = [];
const registry = new Registry();
let failuresLeft = 1;

beforeAll(async () => {
  redis = await startPrivateRedis();
  connection = new Redis(redis.url);
  root = await mkdtemp(join(tmpdir(), 'sw-job-metrics-'));
  const config = loadAppConfig({ REDIS_URL: redis.url, DATA_DIR: root, OUTPUT_DIR: root, UPLOAD_DIR: root, JOB_ATTEMPTS: '3' });
  queues = new JobQueues({ redisUrl: redis.url, resultTtlSeconds: 60, attempts: 3, chunkBytes: 1 << 20 }, new ChunkProgressStore(connection, 60));
  const multivac = new MultivacStore(connection, 60);
  const learn = multivac.learn.bind(multivac);
  multivac.learn = async (...args) => {
    if (failuresLeft-- > 0) throw new Error('Connection is closed.');
    return learn(...args);
  };
  workers = startJobWorkers(
    { config, logger: capturingLogger('silent').logger, blobs: new BlobStore(connection, 60), multivac, chunkProgress: new ChunkProgressStore(connection, 60), metrics: createJobMetrics(registry), queues },
    ['multivac'],
  );
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await queues?.close();
  connection?.disconnect();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The samples of the worker's metrics for the multivac queue, by name. */
async function multivacSamples(): Promise<Record<string, number>> {
  const samples: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const name = (value as { metricName?: string }).metricName ?? metric.name;
      if (value.labels.type === 'multivac' && !('le' in value.labels)) samples[name] = value.value;
    }
  }
  return samples;
}

describe('the metrics of a job retried once before it finished', () => {
  it('count one job finished, one attempt retried, one execution time and one lead time', async () => {
    const token = await queues.enqueue('multivac', { data: 'entropy' });
    await waitUntil('the job to finish', async () => (await queues.snapshot('multivac', token))?.state === 'completed');
    await waitUntil('the worker to count it', async () => (await multivacSamples()).jobs_completed_total === 1);
    const samples = await multivacSamples();
    expect({
      completed: samples.jobs_completed_total,
      failed: samples.jobs_failed_total ?? 0,
      retried: samples.jobs_retried_total,
      executions: samples.job_execution_seconds_count,
      leadTimes: samples.job_lead_time_seconds_count,
    }).toEqual({ completed: 1, failed: 0, retried: 1, executions: 1, leadTimes: 1 });
  }, 30_000);
});
