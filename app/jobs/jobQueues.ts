import { randomBytes } from 'node:crypto';
import { FlowProducer, Queue, type Job, type JobsOptions } from 'bullmq';
import { planChunks } from '../fileChunks/byteRange.js';
import type { ChunkProgressStore } from '../store/chunkProgressStore.js';
import { bullConnection } from '../store/redisClient.js';
import { chunkQueueOf, QUEUE_NAMES, type FileJobType, type FileSource, type JobPayloads, type JobType, type QueueName } from './jobTypes.js';
import type { JobSnapshot } from './jobStatus.js';
import { chunkPriority } from './fairness.js';

export const newToken = (): string => randomBytes(16).toString('hex');

export interface QueueSettings {
  redisUrl: string;
  resultTtlSeconds: number;
  attempts: number;
  chunkBytes: number;
}

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

  constructor(private readonly settings: QueueSettings, private readonly chunkProgress: ChunkProgressStore) {
    const connection = bullConnection(settings.redisUrl);
    this.queues = new Map(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection })]));
    this.flows = new FlowProducer({ connection });
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

  async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], token = newToken()): Promise<string> {
    await this.queue(type).add(type, payload, this.jobOptions(token));
    return token;
  }

  /**
   * A file job as a flow: one chunk job per byte range on the `<type>-chunk` queue, and the
   * client's job (the token) as their parent, which reduces the chunks' results once all are in.
   * Chunks are prioritised by their index (see fairness.ts), so jobs share the workers.
   */
  async enqueueFileJob(type: FileJobType, source: FileSource, bytes: number, token = newToken()): Promise<string> {
    const ranges = planChunks(bytes, this.settings.chunkBytes);
    await this.flows.add({
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
      failedReason: job.failedReason,
      acceptedAt: job.timestamp,
      startedAt: job.processedOn,
      finishedAt: job.finishedOn,
      attemptsMade: job.attemptsMade,
      result: job.returnvalue,
    };
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
  }
}
