import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../common/logger.js';
import type { AppConfig } from '../config.js';
import type { BlobStore } from '../store/blobStore.js';
import type { ChunkProgressStore } from '../store/chunkProgressStore.js';
import type { MultivacStore } from '../store/multivacStore.js';
import { bullConnection, outageLog } from '../store/redisClient.js';
import type { JobMetrics } from './jobMetrics.js';
import { isFileJobType, QUEUE_NAMES, type ChunkPayload, type FileSource, type JobPayloads, type QueueName } from './jobTypes.js';
import { evenSumChunkProcessor, evenSumReduceProcessor } from './processors/evenSum.js';
import { multivacProcessor } from './processors/multivac.js';
import { BadJobInput, type Processor, type ProcessorContext } from './processors/processorContext.js';
import { randomizeProcessor } from './processors/randomize.js';
import { removeUpload } from './processors/uploadCleanup.js';
import { wordCountChunkProcessor, wordCountReduceProcessor } from './processors/wordCount.js';

const processors: { [Q in QueueName]: Processor<Q> } = {
  randomize: randomizeProcessor,
  wordcount: wordCountReduceProcessor,
  evensum: evenSumReduceProcessor,
  multivac: multivacProcessor,
  'wordcount-chunk': wordCountChunkProcessor,
  'evensum-chunk': evenSumChunkProcessor,
};

const isChunkQueue = (name: QueueName): boolean => name.endsWith('-chunk');

export interface WorkerDeps {
  config: AppConfig;
  logger: Logger;
  blobs: BlobStore;
  multivac: MultivacStore;
  chunkProgress: ChunkProgressStore;
  metrics: JobMetrics;
}

/**
 * One BullMQ worker per queue. A worker that dies mid-job stops renewing the job's lock; after
 * WORKER_LOCK_MS another worker's stalled-job check puts the job back in the queue (once; a second
 * stall marks it failed), so no job stays `received` forever.
 */
export function startJobWorkers(deps: WorkerDeps, queues: readonly QueueName[] = QUEUE_NAMES): Worker[] {
  const { config, logger, metrics } = deps;
  // Every worker's connection sees the same outage: one warning when it starts, one line when it ends.
  const outage = outageLog(logger, 'job workers');
  return queues.map((name) => {
    const worker = new Worker(name, (job: Job, _token?: string, signal?: AbortSignal) => runJob(name, job, deps, signal), {
      connection: bullConnection(config.REDIS_URL),
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
      maxStalledCount: 1,
    });
    worker.on('completed', (job) => {
      const executionSeconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000;
      const leadSeconds = ((job.finishedOn ?? Date.now()) - job.timestamp) / 1000;
      metrics.executionSeconds.observe({ type: name }, executionSeconds);
      metrics.leadSeconds.observe({ type: name }, leadSeconds);
      metrics.completed.inc({ type: name });
      const log = isChunkQueue(name) ? logger.debug.bind(logger) : logger.info.bind(logger);
      log({ type: name, token: job.id, executionSeconds, leadSeconds, attempts: job.attemptsMade }, 'job finished');
      void cleanUp(name, job);
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/.test(error.message);
      if (final) {
        metrics.failed.inc({ type: name });
        logger.warn({ type: name, token: job.id, error: error.message, attempts: job.attemptsMade, leadSeconds: (Date.now() - job.timestamp) / 1000 }, 'job errored');
        void cleanUp(name, job);
      } else {
        metrics.retried.inc({ type: name });
        logger.warn({ type: name, token: job.id, error: error.message, attempts: job.attemptsMade }, 'job attempt failed; will retry');
      }
    });
    worker.on('error', outage.error).on('ready', outage.ready);
    return worker;
  });

  /** A file job's upload and progress belong to the client's job: they go when it ends. */
  async function cleanUp(name: QueueName, job: Job): Promise<void> {
    if (!isFileJobType(name)) return;
    await removeUpload((job.data as { source: FileSource }).source, config).catch(() => undefined);
    await deps.chunkProgress.forget(job.id ?? '').catch(() => undefined);
  }
}

async function runJob(name: QueueName, job: Job, deps: WorkerDeps, signal?: AbortSignal): Promise<unknown> {
  const processor = processors[name] as Processor<QueueName>;
  const chunk = isChunkQueue(name) ? (job.data as ChunkPayload) : undefined;
  let lastProgressAt = 0;
  const context: ProcessorContext = {
    token: chunk?.token ?? job.id ?? '',
    config: deps.config,
    logger: deps.logger.child({ type: name, token: job.id }),
    blobs: deps.blobs,
    multivac: deps.multivac,
    signal: signal ?? new AbortController().signal,
    childResults: () => job.getChildrenValues(),
    reportProgress: (progress) => {
      // Progress goes to Redis at most every 250 ms: a 10 GB job reports thousands of times.
      const now = Date.now();
      if (now - lastProgressAt < 250 && progress.bytesDone < progress.bytesTotal) return;
      lastProgressAt = now;
      const write = chunk ? deps.chunkProgress.record(chunk.token, chunk.index, progress.bytesDone) : job.updateProgress(progress);
      void write.catch(() => undefined);
    },
  };
  if (chunk) await deps.chunkProgress.record(chunk.token, chunk.index, 0);
  try {
    return await processor(job.data as JobPayloads[QueueName], context);
  } catch (error) {
    if (error instanceof BadJobInput) throw new UnrecoverableError(error.message);
    throw error;
  }
}
