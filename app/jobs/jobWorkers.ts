import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../common/logger.js';
import type { AppConfig } from '../config.js';
import type { BlobStore } from '../store/blobStore.js';
import type { MultivacStore } from '../store/multivacStore.js';
import { bullConnection } from '../store/redisClient.js';
import type { JobMetrics } from './jobMetrics.js';
import { JOB_TYPES, type JobPayloads, type JobType } from './jobTypes.js';
import { evenSumProcessor } from './processors/evenSum.js';
import { multivacProcessor } from './processors/multivac.js';
import { BadJobInput, type Processor } from './processors/processorContext.js';
import { randomizeProcessor } from './processors/randomize.js';
import { wordCountProcessor } from './processors/wordCount.js';
import { removeUpload } from './processors/uploadCleanup.js';

const processors: { [T in JobType]: Processor<T> } = {
  randomize: randomizeProcessor,
  wordcount: wordCountProcessor,
  evensum: evenSumProcessor,
  multivac: multivacProcessor,
};

export interface WorkerDeps {
  config: AppConfig;
  logger: Logger;
  blobs: BlobStore;
  multivac: MultivacStore;
  metrics: JobMetrics;
}

/**
 * One BullMQ worker per job type. A worker that dies mid-job stops renewing the job's lock; after
 * WORKER_LOCK_MS another worker's stalled-job check puts the job back in the queue (once; a second
 * stall marks it failed), so no job stays `received` forever.
 */
export function startJobWorkers(deps: WorkerDeps, types: readonly JobType[] = JOB_TYPES): Worker[] {
  const { config, logger, metrics } = deps;
  return types.map((type) => {
    const worker = new Worker(type, (job: Job, _token?: string, signal?: AbortSignal) => runJob(type, job, deps, signal), {
      connection: bullConnection(config.REDIS_URL),
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
      maxStalledCount: 1,
    });
    worker.on('completed', (job) => {
      const executionSeconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000;
      const leadSeconds = ((job.finishedOn ?? Date.now()) - job.timestamp) / 1000;
      metrics.executionSeconds.observe({ type }, executionSeconds);
      metrics.leadSeconds.observe({ type }, leadSeconds);
      metrics.completed.inc({ type });
      logger.info({ type, token: job.id, executionSeconds, leadSeconds, attempts: job.attemptsMade }, 'job finished');
      void cleanUp(type, job);
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/.test(error.message);
      if (final) {
        metrics.failed.inc({ type });
        logger.warn({ type, token: job.id, error: error.message, attempts: job.attemptsMade, leadSeconds: (Date.now() - job.timestamp) / 1000 }, 'job errored');
        void cleanUp(type, job);
      } else {
        metrics.retried.inc({ type });
        logger.warn({ type, token: job.id, error: error.message, attempts: job.attemptsMade }, 'job attempt failed; will retry');
      }
    });
    worker.on('error', (error) => logger.warn({ type, err: error.message }, 'worker connection error'));
    return worker;
  });

  async function cleanUp(type: JobType, job: Job): Promise<void> {
    if (type === 'wordcount' || type === 'evensum') await removeUpload((job.data as JobPayloads['evensum']).source, config).catch(() => undefined);
  }
}

async function runJob(type: JobType, job: Job, deps: WorkerDeps, signal?: AbortSignal): Promise<unknown> {
  const processor = processors[type] as Processor<JobType>;
  let lastProgressAt = 0;
  try {
    return await processor(job.data as JobPayloads[JobType], {
      token: job.id ?? '',
      config: deps.config,
      logger: deps.logger.child({ type, token: job.id }),
      blobs: deps.blobs,
      multivac: deps.multivac,
      signal: signal ?? new AbortController().signal,
      reportProgress: (progress) => {
        // Progress is written to Redis at most every 250 ms: a 10 GB job reports thousands of times.
        const now = Date.now();
        if (now - lastProgressAt < 250 && progress.bytesDone < progress.bytesTotal) return;
        lastProgressAt = now;
        void job.updateProgress(progress).catch(() => undefined);
      },
    });
  } catch (error) {
    if (error instanceof BadJobInput) throw new UnrecoverableError(error.message);
    throw error;
  }
}
