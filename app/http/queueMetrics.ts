import { Gauge, type Registry } from 'prom-client';
import type { JobQueues } from '../jobs/jobQueues.js';
import { QUEUE_NAMES, type QueueName } from '../jobs/jobTypes.js';

/**
 * Queue depth per job type, read from Redis when /metrics is scraped. Any replica reports the
 * same shared numbers, so dashboards take max() across replicas, not sum(). The app reports every
 * queue; a worker reports the queues it serves, so that the scaler sees the backlog of a worker
 * service on that service's own metrics (its queue-depth target).
 */
export function registerQueueMetrics(registry: Registry, queues: Pick<JobQueues, 'counts'>, types: readonly QueueName[] = QUEUE_NAMES): void {
  let pending: Promise<void> | undefined;
  // prom-client calls collect() once per gauge; the three gauges of one scrape share one read.
  const collect = (): Promise<void> => (pending ??= refresh().finally(() => setTimeout(() => (pending = undefined), 200).unref()));
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['type'], registers: [registry], collect });
  const queued = gauge('job_queue_depth', 'Jobs waiting for a worker (not counting file jobs waiting for their chunks)');
  const active = gauge('jobs_active', 'Jobs a worker is running');
  const failed = gauge('jobs_failed', 'Failed jobs still retained');

  async function refresh(): Promise<void> {
    await Promise.all(
      types.map(async (type) => {
        const counts = await queues.counts(type);
        queued.set({ type }, counts.queued);
        active.set({ type }, counts.active);
        failed.set({ type }, counts.failed);
      }),
    ).catch(() => undefined); // Redis away: keep the last values; /readyz says why.
  }
}
