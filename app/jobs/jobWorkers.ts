import { anySignal } from '../../common/anySignal.js';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../common/logger.js';
import type { AppConfig } from '../config.js';
import { randomizeInputKey, type BlobStore } from '../store/blobStore.js';
import type { ChunkProgressStore } from '../store/chunkProgressStore.js';
import type { MultivacStore } from '../store/multivacStore.js';
import { bullConnection, isRedisUnavailable, outageLog } from '../store/redisClient.js';
import type { JobMetrics } from './jobMetrics.js';
import { crashStalls, keepJobLock, MAX_CRASH_STALLS, MAX_STALLS, OUTAGE_STALL_LOG, type JobLock, type LockLost } from './jobLock.js';
import type { JobQueues } from './jobQueues.js';
import { isFileJobType, QUEUE_NAMES, type ChunkPayload, type FileJobType, type FileSource, type JobPayloads, type QueueName } from './jobTypes.js';
import { evenSumChunkProcessor, evenSumReduceProcessor } from './processors/evenSum.js';
import { multivacProcessor } from './processors/multivac.js';
import { BadJobInput, type Processor, type ProcessorContext } from './processors/processorContext.js';
import { randomizeProcessor } from './processors/randomize.js';
import { removeUpload } from './processors/uploadCleanup.js';
import { removeWordCountRuns, wordCountChunkProcessor, wordCountReduceProcessor } from './processors/wordCount.js';

const processors: { [Q in QueueName]: Processor<Q> } = {
  randomize: randomizeProcessor,
  wordcount: wordCountReduceProcessor,
  evensum: evenSumReduceProcessor,
  multivac: multivacProcessor,
  'wordcount-chunk': wordCountChunkProcessor,
  'evensum-chunk': evenSumChunkProcessor,
};

const isChunkQueue = (name: QueueName): boolean => name.endsWith('-chunk');
/** The file job a queue's jobs belong to: the queue's own type, or its chunks' parent type. */
const fileJobOf = (name: QueueName): FileJobType | undefined => {
  const type = name.replace(/-chunk$/, '');
  return isFileJobType(type) ? type : undefined;
};

/** How often a running chunk asks whether its file job has failed. */
const PARENT_CHECK_MS = 1000;

/**
 * A chunk stopped because its file job has failed (another chunk failed for good): nothing to
 * retry, and nothing wrong with the chunk itself.
 */
class ChunkStopped extends UnrecoverableError {
  constructor(token: string) {
    super(`stopped: file job ${token} has failed`);
  }
}

export interface WorkerDeps {
  config: AppConfig;
  logger: Logger;
  blobs: BlobStore;
  multivac: MultivacStore;
  chunkProgress: ChunkProgressStore;
  metrics: JobMetrics;
  /**
   * Asked by running chunks, so that they stop once their file job has failed; and by a job taken
   * up again after a stall, whether its stalls were crashes or Redis being away.
   */
  queues: Pick<JobQueues, 'fileJobFailed' | 'outageStalls'>;
  /**
   * Where the workers' connection errors go: the process's own outage log, whose connection says
   * when Redis is back (a BullMQ worker does not say so again after its first start).
   */
  redisOutage?: { error: (error: Error) => void };
  /**
   * Aborted when the worker is stopping and its running jobs are to be handed back rather than
   * waited for (see handBack below).
   */
  handBack?: AbortSignal;
}

/**
 * One BullMQ worker per queue. A worker that dies mid-job stops renewing the job's lock; after
 * WORKER_LOCK_MS another worker's stalled-job check puts the job back in the queue (once; a second
 * crash marks it failed), so no job stays `received` forever. A worker cut off from Redis for
 * longer than WORKER_LOCK_MS loses the lock the same way, and stops its run itself (jobLock): the
 * job runs again from the start, never beside that run, and that stall is not held against it.
 */
export function startJobWorkers(deps: WorkerDeps, queues: readonly QueueName[] = QUEUE_NAMES): Worker[] {
  const { config, logger, metrics } = deps;
  // Every worker's connection sees the same outage: one warning when it starts.
  const outage = deps.redisOutage ?? outageLog(logger, 'job workers');
  return queues.map((name) => {
    // Each run's lock, kept from the start of the run until BullMQ has recorded its end (the
    // 'completed' and 'failed' events, given the run's own Job), or will record nothing.
    const locks = new WeakMap<Job, JobLock>();
    const release = (job: Job | undefined): void => void (job && locks.get(job)?.release());
    const runLocked = (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> =>
      runJob(name, job, deps, locks, signal, token).catch((error: unknown) => {
        // Handed back, or given up: BullMQ records nothing for the run.
        if (error instanceof WaitingError) release(job);
        throw error;
      });
    const worker = new Worker(name, runLocked, {
      connection: bullConnection(config.REDIS_URL),
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
      // Each run keeps its own lock (runJob, jobLock), so that it knows when the lock ran out.
      skipLockRenewal: true,
      // Crashes are limited to MAX_CRASH_STALLS by runJob, which alone can tell them from outages.
      maxStalledCount: MAX_STALLS,
    });
    worker.on('completed', (job) => {
      release(job);
      const executionSeconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000;
      const leadSeconds = ((job.finishedOn ?? Date.now()) - job.timestamp) / 1000;
      metrics.executionSeconds.observe({ type: name }, executionSeconds);
      metrics.leadSeconds.observe({ type: name }, leadSeconds);
      metrics.completed.inc({ type: name });
      const log = isChunkQueue(name) ? logger.debug.bind(logger) : logger.info.bind(logger);
      log({ type: name, token: job.id, executionSeconds, leadSeconds, attempts: job.attemptsMade }, 'job finished');
      // A chunk's runs and progress are its file job's, still to be reduced.
      if (!isChunkQueue(name)) void cleanUp(name, job);
    });
    worker.on('failed', (job, error) => {
      release(job);
      if (!job) return;
      const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/.test(error.message);
      if (error instanceof ChunkStopped) {
        logger.info({ type: name, token: job.id, attempts: job.attemptsMade }, 'chunk stopped: its file job has failed');
      } else if (final) {
        metrics.failed.inc({ type: name });
        logger.warn({ type: name, token: job.id, error: error.message, attempts: job.attemptsMade, leadSeconds: (Date.now() - job.timestamp) / 1000 }, 'job errored');
        // A chunk that fails for good fails its file job (failParentOnFailure): clean up at once,
        // whether or not a worker of the job's own queue is running to apply the failure.
        void cleanUp(name, job);
      } else {
        metrics.retried.inc({ type: name });
        logger.warn({ type: name, token: job.id, error: error.message, attempts: job.attemptsMade }, 'job attempt failed; will retry');
      }
    });
    // The worker's 'error' is Redis being away, mostly, logged once an outage; anything else (a
    // job's end that could not be recorded, a script refusing) is its own trouble, logged as it comes.
    worker.on('error', (error) => (isRedisUnavailable(error) ? outage.error(error) : logger.error({ type: name, err: error.message }, `job worker error: ${error.message}`)));
    return worker;
  });

  /**
   * What a job leaves until it ends: a file job's upload, runs and progress, a randomize job's
   * input image. Removed only once the job is recorded as ended, since a job run again (its worker
   * died first) reads them again.
   */
  async function cleanUp(name: QueueName, job: Job): Promise<void> {
    if (name === 'randomize' && job.id) await deps.blobs.delete(randomizeInputKey(job.id)).catch(() => undefined);
    const type = fileJobOf(name);
    if (!type) return;
    const token = isChunkQueue(name) ? (job.data as ChunkPayload).token : (job.id ?? '');
    await removeFileJobLeftovers(type, token, (job.data as { source: FileSource }).source, deps);
  }
}

/** Idempotent: a chunk still running when its file job failed calls it again once it has stopped. */
async function removeFileJobLeftovers(type: FileJobType, token: string, source: FileSource, deps: WorkerDeps): Promise<void> {
  if (!token) return;
  if (type === 'wordcount') await removeWordCountRuns(deps.config.OUTPUT_DIR, token).catch(() => undefined);
  await removeUpload(source, deps.config).catch(() => undefined);
  await deps.chunkProgress.forget(token).catch(() => undefined);
}

/**
 * A job still running when its worker stops is handed back: aborted and put back in its queue at
 * once, where any worker takes it up again from the start. Left to the stalled-job check instead
 * (the worker exits with the job's lock held), it waited WORKER_LOCK_MS to be taken up again, and
 * each such stop counted as a stall: a job whose workers were stopped twice while it ran (scaled
 * in, redeployed) errored, "job stalled more than allowable limit", with nothing wrong with it.
 */
async function handBack(job: Job, lockToken: string | undefined, logger: Logger, name: QueueName): Promise<never> {
  if (lockToken) await job.moveToWait(lockToken).catch((error: Error) => logger.warn({ type: name, token: job.id, err: error.message }, 'could not hand the job back; the stalled-job check will'));
  logger.info({ type: name, token: job.id }, 'job handed back: its worker is stopping');
  // BullMQ's word for "this job is no longer mine, nothing to record": no failure, no retry counted.
  throw new WaitingError();
}

/**
 * A run's lock ran out or was taken (jobLock): nothing the run did can be recorded, and the job is,
 * or will be, back in its queue, to run again from the start. `resultReady`: the run had ended and
 * its end was waiting to be recorded; otherwise it has been stopped. A stall Redis being away
 * caused is written in the job's log, for the run that takes the job up again not to count it as
 * a crash.
 */
async function giveUp(job: Job, lost: LockLost, logger: Logger, name: QueueName, resultReady: boolean): Promise<void> {
  const unansweredSeconds = lost.unansweredMs / 1000;
  if (!lost.redisAway) {
    logger.warn({ type: name, token: job.id, resultReady }, 'job given up: it no longer holds its lock (not renewed in time, or taken from it)');
    return;
  }
  logger.warn({ type: name, token: job.id, resultReady, unansweredSeconds }, 'job given up: its lock expired while Redis did not answer; it runs again from the start');
  // Sent now, it waits for Redis (the worker's connection queues it) and lands as Redis answers.
  await job.log(`${OUTAGE_STALL_LOG}: no answer for ${unansweredSeconds.toFixed(1)} s`).catch((error: Error) => logger.warn({ type: name, token: job.id, err: error.message }, 'could not record the stall as an outage; it counts as a crash'));
}

/** A run ended by giveUp: BullMQ's word for "this job is no longer mine, nothing to record", no failure, no retry counted. */
async function abandon(job: Job, lost: LockLost, logger: Logger, name: QueueName, resultReady = false): Promise<never> {
  await giveUp(job, lost, logger, name, resultReady);
  throw new WaitingError();
}

/**
 * A job that has stalled more than MAX_CRASH_STALLS times for other reasons than Redis being away
 * keeps killing its workers: it errors, as BullMQ's own limit made it do. A Redis error while
 * asking counts every stall as an outage: the job runs, and BullMQ's MAX_STALLS still bounds it.
 */
async function refuseCrashLoop(name: QueueName, job: Job, deps: WorkerDeps): Promise<void> {
  if (job.stalledCounter <= MAX_CRASH_STALLS || !job.id) return;
  const outages = await deps.queues.outageStalls(name, job.id).catch(() => job.stalledCounter);
  const crashes = crashStalls(job.stalledCounter, outages);
  if (crashes > MAX_CRASH_STALLS) throw new UnrecoverableError('job stalled more than allowable limit');
  deps.logger.info({ type: name, token: job.id, stalls: job.stalledCounter, outages, crashes }, 'job taken up again after stalls; those while Redis was away do not count');
}

async function runJob(name: QueueName, job: Job, deps: WorkerDeps, locks: WeakMap<Job, JobLock>, signal?: AbortSignal, lockToken?: string): Promise<unknown> {
  // BullMQ hands every run of a normal worker its lock token; without one nothing keeps the lock.
  if (!lockToken) throw new Error(`job ${job.id}: no lock token`);
  let running = true;
  // Lost while running, the run stops and gives up itself (abandon); lost once it has ended, its
  // result or failure, still to be recorded, never will be.
  const lock = await keepJobLock(job, lockToken, deps.config.WORKER_LOCK_MS, (lost) => void (running || giveUp(job, lost, deps.logger, name, true)));
  // Its fetch waited on Redis for so long that the lock was gone when it came: not this run's.
  if (!lock) throw new WaitingError();
  locks.set(job, lock);
  const processor = processors[name] as Processor<QueueName>;
  const chunk = isChunkQueue(name) ? (job.data as ChunkPayload) : undefined;
  const fileJob = chunk ? fileJobOf(name) : undefined;
  // A chunk stops through the engines' abort signal (checked between slices, and while merging
  // runs) once its file job has failed. A Redis error while asking counts as "not failed": the
  // chunk goes on, as it would have.
  const parentFailed = async (): Promise<boolean> => (chunk && fileJob ? deps.queues.fileJobFailed(fileJob, chunk.token).catch(() => false) : false);
  const stop = new AbortController();
  let checking = false;
  const watch = chunk
    ? setInterval(() => {
        if (checking || stop.signal.aborted) return;
        checking = true;
        void parentFailed()
          .then((failed) => failed && stop.abort(new ChunkStopped(chunk.token)))
          .finally(() => (checking = false));
      }, PARENT_CHECK_MS).unref()
    : undefined;
  let lastWrite: Promise<unknown> = Promise.resolve();
  let lastProgressAt = 0;
  const context: ProcessorContext = {
    token: chunk?.token ?? job.id ?? '',
    config: deps.config,
    logger: deps.logger.child({ type: name, token: job.id }),
    blobs: deps.blobs,
    multivac: deps.multivac,
    signal: anySignal([signal, chunk ? stop.signal : undefined, deps.handBack, lock.signal]),
    childResults: () => job.getChildrenValues(),
    reportProgress: (progress) => {
      // Progress goes to Redis at most every 250 ms: a 10 GB job reports thousands of times.
      const now = Date.now();
      if (now - lastProgressAt < 250 && progress.bytesDone < progress.bytesTotal) return;
      lastProgressAt = now;
      const write = chunk ? deps.chunkProgress.record(chunk.token, chunk.index, progress.bytesDone) : job.updateProgress(progress);
      lastWrite = write.catch(() => undefined);
    },
  };
  try {
    if (deps.handBack?.aborted) return await handBack(job, lockToken, deps.logger, name);
    await refuseCrashLoop(name, job, deps);
    if (chunk && (await parentFailed())) throw new ChunkStopped(chunk.token);
    if (chunk) await deps.chunkProgress.record(chunk.token, chunk.index, 0);
    const result = await processor(job.data as JobPayloads[QueueName], context);
    // Finished after its lock ran out: the result cannot be recorded, and the job runs again.
    if (lock.lost) return await abandon(job, lock.lost, deps.logger, name, true);
    return result;
  } catch (error) {
    // Whatever else happened, this run cannot record it: the job is no longer its own.
    if (lock.lost && !(error instanceof WaitingError)) return await abandon(job, lock.lost, deps.logger, name);
    if (error instanceof ChunkStopped || error instanceof WaitingError) throw error;
    // Stopped by the hand-back (the job did not fail): it goes back to its queue, whole. Bad input
    // found meanwhile is still bad input.
    if (deps.handBack?.aborted && !stop.signal.aborted && !(error instanceof BadJobInput)) return await handBack(job, lockToken, deps.logger, name);
    // Whatever stopped a chunk of a failed job (its folder removed under it, say), it is not retried.
    if (chunk && (await parentFailed())) throw new ChunkStopped(chunk.token);
    if (error instanceof BadJobInput) throw new UnrecoverableError(error.message);
    throw error;
  } finally {
    running = false;
    clearInterval(watch);
    // A chunk that ends after its file job failed removes what the job left, its own writes
    // (run, progress) included: they may have landed after the failure's clean-up.
    if (chunk && fileJob) {
      await lastWrite;
      if (await parentFailed()) await removeFileJobLeftovers(fileJob, chunk.token, chunk.source, deps);
    }
  }
}
