import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerQueueMetrics } from '../../app/http/queueMetrics.js';
import type { JobCounts } from '../../app/jobs/jobQueues.js';
import type { QueueName } from '../../app/jobs/jobTypes.js';

const counts = (queued: number): JobCounts => ({ queued, active: 1, failed: 0, completed: 5 });

describe('queue metrics', () => {
  it('reports waiting, running and failed jobs of the given queues only, read when scraped', async () => {
    const backlog: Partial<Record<QueueName, number>> = { 'wordcount-chunk': 12, wordcount: 0 };
    const registry = new Registry();
    registerQueueMetrics(registry, { counts: async (name) => counts(backlog[name] ?? 0) }, ['wordcount', 'wordcount-chunk']);
    const first = await registry.metrics();
    expect(first).toContain('job_queue_depth{type="wordcount-chunk"} 12');
    expect(first).toContain('job_queue_depth{type="wordcount"} 0');
    expect(first).toContain('jobs_active{type="wordcount-chunk"} 1');
    expect(first).not.toContain('type="randomize"');
  });

  it('keeps the last values when Redis does not answer, rather than failing the scrape', async () => {
    let fail = false;
    const registry = new Registry();
    registerQueueMetrics(registry, { counts: async () => (fail ? Promise.reject(new Error('redis away')) : counts(3)) }, ['evensum-chunk']);
    expect(await registry.metrics()).toContain('job_queue_depth{type="evensum-chunk"} 3');
    fail = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await registry.metrics()).toContain('job_queue_depth{type="evensum-chunk"} 3');
  });
});
