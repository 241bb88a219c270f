import { performance } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import type { JobQueues } from '../jobs/jobQueues.js';
import { QUEUE_NAMES, type QueueName } from '../jobs/jobTypes.js';

/**
 * How long a scrape waits for the queue figures from Redis before it answers with the last ones
 * read. A Redis that accepts and does not answer (stopped, swapping, a long script) never fails a
 * command: waited for, it held the worker's /metrics for ever and the app's until its request
 * deadline (30 s), so a Prometheus scrape (10 s) lost every metric, the process's included.
 */
export const QUEUE_METRICS_TIMEOUT_MS = 1_000;

/**
 * Queue depth per job type, read from Redis when /metrics is scraped. Any replica reports the
 * same shared numbers, so dashboards take max() across replicas, not sum(). The app reports every
 * queue; a worker reports the queues it serves, so that the scaler sees the backlog of a worker
 * service on that service's own metrics (its queue-depth target).
 *
 * A scrape waits for the figures at most `timeoutMs`; when Redis has not answered by then, or
 * refused, the queue gauges keep their last values and say so: `job_queue_redis_up` 0, and
 * `job_queue_metrics_age_seconds` how old they are. One read is under way at a time: a scrape
 * while Redis is silent waits for the read already sent, until that read's own bound, rather than
 * pile another on a connection that answers none of them.
 */
export function registerQueueMetrics(registry: Registry, queues: Pick<JobQueues, 'counts'>, types: readonly QueueName[] = QUEUE_NAMES, timeoutMs = QUEUE_METRICS_TIMEOUT_MS): void {
  let pending: Promise<void> | undefined;
  // prom-client calls collect() once per gauge; the gauges of one scrape share one read.
  const collect = (): Promise<void> => (pending ??= refresh().finally(() => setTimeout(() => (pending = undefined), 200).unref()));
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['type'], registers: [registry], collect });
  const queued = gauge('job_queue_depth', 'Jobs waiting for a worker (not counting file jobs waiting for their chunks)');
  const active = gauge('jobs_active', 'Jobs a worker is running');
  const failed = gauge('jobs_failed', 'Failed jobs still retained');
  const redisUp = new Gauge({
    name: 'job_queue_redis_up',
    help: `1 when this scrape read the queue gauges from Redis, 0 when Redis refused or did not answer within ${timeoutMs} ms: they are then the last values read`,
    registers: [registry],
    collect,
  });
  const age = new Gauge({
    name: 'job_queue_metrics_age_seconds',
    help: 'Seconds since the queue gauges were read from Redis (since the process started, when they never were)',
    registers: [registry],
    collect,
  });

  const startedAt = performance.now();
  let lastReadAt: number | undefined;
  let reading: { answered: Promise<boolean>; until: number } | undefined;

  /** The read under way, or a new one: resolves true once every queue answered, false if Redis refused. */
  function currentRead(): { answered: Promise<boolean>; until: number } {
    if (reading) return reading;
    const answered = Promise.all(types.map(async (type) => ({ type, counts: await queues.counts(type) }))).then(
      (all) => {
        // One scrape's figures come from one read, all of them or none (a late read still lands: it is newer).
        for (const { type, counts } of all) {
          queued.set({ type }, counts.queued);
          active.set({ type }, counts.active);
          failed.set({ type }, counts.failed);
        }
        lastReadAt = performance.now();
        return true;
      },
      () => false, // Redis away: keep the last values; /readyz says why.
    );
    const read = { answered, until: performance.now() + timeoutMs };
    void answered.then(() => reading === read && (reading = undefined));
    return (reading = read);
  }

  async function refresh(): Promise<void> {
    const read = currentRead();
    const fresh = await settledWithin(read.answered, read.until - performance.now());
    redisUp.set(fresh ? 1 : 0);
    age.set(Math.round(performance.now() - (lastReadAt ?? startedAt)) / 1000); // to the millisecond
  }
}

/** What `answer` resolves to if it does within `ms`, false if it does not. */
async function settledWithin(answer: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
