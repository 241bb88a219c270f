import { randomBytes } from 'node:crypto';
import { FlowProducer, Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { planChunks } from '../fileChunks/byteRange.js';
import type { ChunkProgressStore } from '../store/chunkProgressStore.js';
import type { Logger } from '../../common/logger.js';
import { connectProducer, outageLog, RedisUnavailableError } from '../store/redisClient.js';
import { RequestAnsweredLate } from './requestAnsweredLate.js';
import { chunkQueueOf, isFileJobType, QUEUE_NAMES, type ChunkPayload, type FileJobType, type FileSource, type JobPayloads, type JobType, type QueueName } from './jobTypes.js';
import { chunkFailure, type JobSnapshot } from './jobStatus.js';
import { chunkPriority } from './fairness.js';
import { OUTAGE_STALL_LOG } from './jobLock.js';

export const newToken = (): string => randomBytes(16).toString('hex');

export interface QueueSettings {
  redisUrl: string;
  resultTtlSeconds: number;
  attempts: number;
  chunkBytes: number;
  /** Longest an enqueue waits for Redis before it fails with RedisUnavailableError (a 503). */
  enqueueTimeoutMs?: number;
}

/** Adding a job fails at once while Redis is known to be away; this bounds the other waits. */
export const ENQUEUE_TIMEOUT_MS = 5000;

export interface JobCounts {
  queued: number;
  active: number;
  failed: number;
  completed: number;
}

/**
 * The app's side of the job queues: enqueue, look up, count. Tokens are the BullMQ job ids, so
 * a token is valid on every replica and after any restart.
 */
export class JobQueues {
  private readonly queues: Map<QueueName, Queue>;
  private readonly flows: FlowProducer;
  private readonly connection: Redis;

  constructor(private readonly settings: QueueSettings, private readonly chunkProgress: ChunkProgressStore, logger?: Logger) {
    // Producers only (workers have their own connections, which keep waiting for Redis): one
    // shared connection that fails fast while Redis is away (see connectProducer).
    this.connection = connectProducer(settings.redisUrl);
    this.queues = new Map(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: this.connection })]));
    this.flows = new FlowProducer({ connection: this.connection });
    // The queues re-emit the connection's errors; unheard, each printed a raw stack trace per
    // reconnection attempt. One outage, one warning.
    const outage = outageLog(logger, 'job queues');
    this.connection.on('error', outage.error).on('ready', outage.ready);
    for (const queue of this.queues.values()) queue.on('error', outage.error);
    this.flows.on('error', outage.error);
  }

  /**
   * Waits for an add for at most `enqueueTimeoutMs` (it can wait longer only before the first
   * connection, or for a command that was on the wire when Redis went away: ioredis resends
   * those on reconnection). An add that completes after its request was refused is undone.
   *
   * The undo is sent the moment the request is refused, not only once the add's answer comes: a
   * Redis that accepts and does not answer (stopped, swapping, a long script) still runs what was
   * written to it when it comes back, and the add and the removal, written one after the other on
   * this one connection, then run in that order before any worker can ask for the job (a worker's
   * request comes after a round trip). Sent only once the add had answered, the removal lost that
   * race to a worker, which had taken the job (a locked job cannot be removed): the job of a
   * request answered 503 ran, and the client's retry made a second one. The removal is sent again
   * when the add lands, for an add that reaches Redis only after a reconnection.
   */
  private async bounded(start: () => Promise<unknown>, undo: () => Promise<unknown>, answeredLate?: AbortSignal): Promise<void> {
    // Answered already: the add is not even started.
    if (answeredLate?.aborted) throw new RequestAnsweredLate(answeredLate.reason);
    const add = start();
    const ms = this.settings.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    let onLate: (() => void) | undefined;
    const refused = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(`no answer from Redis within ${ms} ms`)), ms);
      // The request was answered (408 or 503) while the add waited: the client was told it failed.
      onLate = () => reject(new RequestAnsweredLate(answeredLate?.reason));
      answeredLate?.addEventListener('abort', onLate, { once: true });
    });
    try {
      await Promise.race([add, refused]);
    } catch (error) {
      if (error instanceof RedisUnavailableError || error instanceof RequestAnsweredLate) {
        undo().catch(() => undefined);
        add.then(undo).catch(() => undefined);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      if (onLate) answeredLate?.removeEventListener('abort', onLate);
    }
  }

  private queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue named ${name}`);
    return queue;
  }

  private jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: this.settings.resultTtlSeconds },
      removeOnFail: { age: this.settings.resultTtlSeconds },
    };
  }

  /** `answeredLate`: the request's signal (see requestDeadline); an add that lands after it is undone. */
  async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], token = newToken(), answeredLate?: AbortSignal): Promise<string> {
    await this.bounded(() => this.queue(type).add(type, payload, this.jobOptions(token)), () => this.queue(type).remove(token), answeredLate);
    return token;
  }

  /**
   * A file job as a flow: one chunk job per byte range on the `<type>-chunk` queue, and the
   * client's job (the token) as their parent, which reduces the chunks' results once all are in.
   * Chunks are prioritised by their index (see fairness.ts), so jobs share the workers.
   */
  async enqueueFileJob(type: FileJobType, source: FileSource, bytes: number, token = newToken(), answeredLate?: AbortSignal): Promise<string> {
    const ranges = planChunks(bytes, this.settings.chunkBytes);
    const add = () => this.flows.add({
      name: type,
      queueName: type,
      data: { source, bytes, chunks: ranges.length } satisfies JobPayloads[FileJobType],
      opts: this.jobOptions(token),
      children: ranges.map((range, index) => ({
        name: chunkQueueOf(type),
        queueName: chunkQueueOf(type),
        data: { token, source, range, index, count: ranges.length } satisfies JobPayloads['wordcount-chunk'],
        opts: { ...this.jobOptions(`${token}-${index}`), priority: chunkPriority(index), failParentOnFailure: true },
      })),
    });
    // Removing the parent removes its chunks too.
    await this.bounded(add, () => this.queue(type).remove(token), answeredLate);
    return token;
  }

  async snapshot(type: JobType, token: string): Promise<JobSnapshot | undefined> {
    // The state first, then the job: read the other way round, a job that ends in between shows
    // its end state with the fields from before it (an error without its reason, seen in CI).
    let state: string = await this.queue(type).getJobState(token);
    if (state === 'unknown') return undefined;
    const job = (await this.queue(type).getJob(token)) as Job | undefined;
    if (!job) return undefined;
    let progress: unknown = job.progress;
    if (state === 'waiting-children') {
      // The parent waits while its chunks run: it is `received` once any chunk has started.
      const chunked = await this.chunkProgress.read(token);
      if (chunked.started) state = 'active';
      progress = { bytesDone: Math.min(chunked.bytesDone, (job.data as { bytes: number }).bytes), bytesTotal: (job.data as { bytes: number }).bytes };
    }
    return {
      state,
      progress,
      failedReason: state === 'failed' && isFileJobType(type) ? ((await this.failedChunkReason(type, job)) ?? job.failedReason) : job.failedReason,
      acceptedAt: job.timestamp,
      startedAt: job.processedOn,
      finishedAt: job.finishedOn,
      attemptsMade: job.attemptsMade,
      result: job.returnvalue,
    };
  }

  /**
   * A chunk that fails fails its file job (failParentOnFailure), and BullMQ then gives the file
   * job only the chunk's key as its reason (`child bull:wordcount-chunk:<token>-0 failed`). The
   * parent lists that chunk among its failed dependencies, and the chunk keeps its own reason:
   * read both. Undefined when no chunk failed (the reduce step did) or the chunk is gone.
   */
  private async failedChunkReason(type: FileJobType, parent: Job): Promise<string | undefined> {
    const { failed = [] } = await parent.getDependencies({ failed: { count: 1 } });
    const key = failed[0];
    const queueName = chunkQueueOf(type);
    if (!key?.includes(`:${queueName}:`)) return undefined;
    const chunk = (await this.queue(queueName).getJob(key.slice(key.lastIndexOf(':') + 1))) as Job | undefined;
    if (!chunk?.failedReason) return undefined;
    return chunkFailure(chunk.data as ChunkPayload, chunk.failedReason);
  }

  /**
   * True once a file job has failed or is failing: when one of its chunks fails for good, BullMQ
   * marks the job with a deferred failure that a worker of its queue then applies. A job that is
   * gone (removed) counts as failed too. Its other chunks ask this to stop early.
   */
  async fileJobFailed(type: FileJobType, token: string): Promise<boolean> {
    const job = (await this.queue(type).getJob(token)) as Job | undefined;
    if (!job) return true;
    return Boolean(job.deferredFailure) || (await this.queue(type).getJobState(token)) === 'failed';
  }

  /**
   * How many of a job's stalls its workers put down to Redis being away (jobLock's
   * OUTAGE_STALL_LOG rows in the job's log), rather than to dying mid-run.
   */
  async outageStalls(name: QueueName, jobId: string): Promise<number> {
    const { logs } = await this.queue(name).getJobLogs(jobId);
    return logs.filter((row) => row.startsWith(OUTAGE_STALL_LOG)).length;
  }

  async counts(name: QueueName): Promise<JobCounts> {
    const counts = await this.queue(name).getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed');
    return {
      // A file job waiting for its chunks is not waiting for a worker: its chunks are counted.
      queued: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await this.flows.close();
    // Shared with the queues, so theirs to use but not to close.
    this.connection.disconnect();
  }
}
