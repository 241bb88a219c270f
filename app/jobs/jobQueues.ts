import { randomBytes } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { bullConnection } from '../store/redisClient.js';
import { JOB_TYPES, type JobPayloads, type JobType } from './jobTypes.js';
import type { JobSnapshot } from './jobStatus.js';

export const newToken = (): string => randomBytes(16).toString('hex');

export interface QueueSettings {
  redisUrl: string;
  resultTtlSeconds: number;
  attempts: number;
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
  private readonly queues: Map<JobType, Queue>;

  constructor(private readonly settings: QueueSettings) {
    this.queues = new Map(
      JOB_TYPES.map((type) => [type, new Queue(type, { connection: bullConnection(settings.redisUrl) })]),
    );
  }

  private queue(type: JobType): Queue {
    const queue = this.queues.get(type);
    if (!queue) throw new Error(`no queue for job type ${type}`);
    return queue;
  }

  async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], token = newToken()): Promise<string> {
    await this.queue(type).add(type, payload, {
      jobId: token,
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: this.settings.resultTtlSeconds },
      removeOnFail: { age: this.settings.resultTtlSeconds },
    });
    return token;
  }

  async snapshot(type: JobType, token: string): Promise<JobSnapshot | undefined> {
    const job = (await this.queue(type).getJob(token)) as Job | undefined;
    if (!job) return undefined;
    const state = await job.getState();
    if (state === 'unknown') return undefined;
    return {
      state,
      progress: job.progress,
      failedReason: job.failedReason,
      acceptedAt: job.timestamp,
      startedAt: job.processedOn,
      finishedAt: job.finishedOn,
      attemptsMade: job.attemptsMade,
    };
  }

  async result<T extends JobType>(type: T, token: string): Promise<unknown> {
    const job = await this.queue(type).getJob(token);
    return job?.returnvalue;
  }

  async counts(type: JobType): Promise<JobCounts> {
    const counts = await this.queue(type).getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed');
    return {
      queued: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
