import { Counter, Histogram, type Registry } from 'prom-client';

const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Per job type: how long a job ran, how long the client waited in all, and how many ended each way. */
export function createJobMetrics(registry: Registry) {
  return {
    executionSeconds: new Histogram({ name: 'job_execution_seconds', help: 'Time a worker spent running a job (last attempt)', labelNames: ['type'], buckets: JOB_BUCKETS, registers: [registry] }),
    leadSeconds: new Histogram({ name: 'job_lead_time_seconds', help: 'Time from request accepted to job finished', labelNames: ['type'], buckets: JOB_BUCKETS, registers: [registry] }),
    completed: new Counter({ name: 'jobs_completed_total', help: 'Jobs finished', labelNames: ['type'], registers: [registry] }),
    failed: new Counter({ name: 'jobs_failed_total', help: 'Jobs errored for good (no attempts left, or bad input)', labelNames: ['type'], registers: [registry] }),
    retried: new Counter({ name: 'jobs_retried_total', help: 'Job attempts that failed and will be retried', labelNames: ['type'], registers: [registry] }),
  };
}

export type JobMetrics = ReturnType<typeof createJobMetrics>;
