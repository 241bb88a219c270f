/**
 * /metrics while Redis does not answer. A Redis that accepts and never answers (here a
 * redis-server stopped with SIGSTOP) fails no command: the queue gauges' read waited for it, so a
 * worker's /metrics never answered and the app's answered 503 at its request deadline (30 s), and
 * a Prometheus scrape (10 s) lost every metric, the process's included. The queue gauges are now
 * read within QUEUE_METRICS_TIMEOUT_MS; past it a scrape answers with their last values, and
 * `job_queue_redis_up 0` and `job_queue_metrics_age_seconds` say they are stale. The real app and
 * worker processes run on a redis-server of the test's own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_METRICS_TIMEOUT_MS, registerQueueMetrics } from '../../app/http/queueMetrics.js';
import type { JobCounts } from '../../app/jobs/jobQueues.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { run, waitUntil, type RunningProcess } from '../support/processes.js';
import { freePort } from '../support/services.js';

/** The bound, and what a loaded machine may add to an answer on top of it. */
const WITHIN_BOUND_MS = QUEUE_METRICS_TIMEOUT_MS + 1_500;
const AT_ONCE_MS = 500;

let redis: PrivateRedis;
let root: string;
let env: Record<string, string>;
let app: RunningProcess;
let appUrl: string;
let worker: RunningProcess;
let workerUrl: string;
const others: RunningProcess[] = [];

/** Starts `scalewright <command>` and waits until `url`/healthz answers. */
async function started(command: 'app' | 'worker', extraEnv: Record<string, string>, url: string): Promise<RunningProcess> {
  const child = run([command], { ...env, ...extraEnv });
  await waitUntil(`the ${command} to answer /healthz`, async () => (await fetch(`${url}/healthz`)).ok).catch((error: Error) => {
    throw new Error(`${error.message}\n${child.output()}`);
  });
  return child;
}

async function startApp(extraEnv: Record<string, string> = {}): Promise<{ app: RunningProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return { app: await started('app', { PORT: String(port), ...extraEnv }, url), url };
}

/** A scrape: its status, how long it took, and the value of each sample line (`name{labels}` → value). */
async function scrape(url: string): Promise<{ status: number; ms: number; samples: Map<string, number>; text: string }> {
  const began = performance.now();
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(40_000) });
  const text = await response.text();
  const ms = performance.now() - began;
  const samples = new Map(text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const at = line.lastIndexOf(' ');
    return [line.slice(0, at), Number(line.slice(at + 1))] as const;
  }));
  return { status: response.status, ms, samples, text };
}

const DEPTH = 'job_queue_depth{type="evensum-chunk"}';

beforeAll(async () => {
  redis = await startPrivateRedis();
  root = await mkdtemp(join(tmpdir(), 'sw-metrics-silent-redis-'));
  env = { HOST: '127.0.0.1', REDIS_URL: redis.url, DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  // Three jobs waiting an hour: queued for the gauges, and never run by the worker.
  const queue = new Queue('evensum-chunk', { connection: { url: redis.url } });
  for (let n = 0; n < 3; n++) await queue.add('chunk', {}, { delay: 3_600_000 });
  await queue.close();
  ({ app, url: appUrl } = await startApp());
  const workerPort = await freePort();
  workerUrl = `http://127.0.0.1:${workerPort}`;
  worker = await started('worker', { WORKER_TYPES: 'evensum-chunk', WORKER_METRICS_PORT: String(workerPort) }, workerUrl);
}, 60_000);

afterAll(async () => {
  redis?.thaw();
  await Promise.all([app, worker, ...others].filter(Boolean).map((child) => child.stop()));
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('/metrics while Redis accepts and does not answer', () => {
  for (const which of ['app', 'worker'] as const) {
    it(`the ${which} answers 200 within the bound with the last queue figures, marked stale, and its process metrics; at once while Redis stays silent; fresh again once it answers`, async () => {
      const url = which === 'app' ? appUrl : workerUrl;
      const before = await scrape(url);
      expect(before.samples.get(DEPTH)).toBe(3);
      expect(before.samples.get('job_queue_redis_up')).toBe(1);
      expect(before.samples.get('job_queue_metrics_age_seconds')).toBeLessThan(1);

      redis.freeze();
      try {
        await new Promise((resolve) => setTimeout(resolve, 250)); // past the window in which one scrape's gauges share a read
        const silent = await scrape(url);
        expect(silent.status).toBe(200);
        expect(silent.ms).toBeGreaterThanOrEqual(QUEUE_METRICS_TIMEOUT_MS - 50);
        expect(silent.ms).toBeLessThan(WITHIN_BOUND_MS);
        expect(silent.samples.get(DEPTH)).toBe(3);
        expect(silent.samples.get('job_queue_redis_up')).toBe(0);
        expect(silent.samples.get('job_queue_metrics_age_seconds')).toBeGreaterThanOrEqual(QUEUE_METRICS_TIMEOUT_MS / 1000);
        expect(silent.text).toContain('process_cpu_user_seconds_total');

        // The read sent is still unanswered and past its bound: the next scrape does not wait again.
        await new Promise((resolve) => setTimeout(resolve, 250));
        const still = await scrape(url);
        expect(still.status).toBe(200);
        expect(still.ms).toBeLessThan(AT_ONCE_MS);
        expect(still.samples.get(DEPTH)).toBe(3);
        expect(still.samples.get('job_queue_redis_up')).toBe(0);
        expect(still.samples.get('job_queue_metrics_age_seconds')).toBeGreaterThan(silent.samples.get('job_queue_metrics_age_seconds')!);
      } finally {
        redis.thaw();
      }

      await waitUntil('the queue figures to be read again', async () => (await scrape(url)).samples.get('job_queue_redis_up') === 1);
      const after = await scrape(url);
      expect(after.samples.get(DEPTH)).toBe(3);
      expect(after.samples.get('job_queue_metrics_age_seconds')).toBeLessThan(1);
    }, 30_000);
  }

  it('an app started while Redis never answered: 200 within the bound, no queue figures yet, up 0, age counted from its start', async () => {
    redis.freeze();
    try {
      const { app: late, url } = await startApp();
      others.push(late);
      const silent = await scrape(url);
      expect(silent.status).toBe(200);
      expect(silent.ms).toBeLessThan(WITHIN_BOUND_MS);
      expect(silent.text).not.toMatch(/^job_queue_depth\{/m);
      expect(silent.samples.get('job_queue_redis_up')).toBe(0);
      expect(silent.samples.get('job_queue_metrics_age_seconds')).toBeGreaterThan(0);
      expect(silent.text).toContain('process_cpu_user_seconds_total');
    } finally {
      redis.thaw();
    }
  }, 30_000);

  it('a worker whose Redis refuses connections: 200 within the bound, up 0', async () => {
    const refusing = `redis://127.0.0.1:${await freePort()}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const refused = await started('worker', { REDIS_URL: refusing, WORKER_TYPES: 'evensum-chunk', WORKER_METRICS_PORT: String(port) }, url);
    others.push(refused);
    const answer = await scrape(url);
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(WITHIN_BOUND_MS);
    expect(answer.samples.get('job_queue_redis_up')).toBe(0);
  }, 30_000);
});

describe('the queue gauges read within a bound', () => {
  const counts = (queued: number): JobCounts => ({ queued, active: 0, failed: 0, completed: 0 });

  it('a read that never settles: the scrape answers after the bound with the last values, and no second read is sent while it is under way', async () => {
    let reads = 0;
    let silent = false;
    const registry = new Registry();
    registerQueueMetrics(registry, { counts: async () => (reads++, silent ? new Promise<JobCounts>(() => undefined) : counts(7)) }, ['wordcount'], 100);
    expect(await registry.metrics()).toContain('job_queue_redis_up 1');
    silent = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
    const began = performance.now();
    const stale = await registry.metrics();
    expect(performance.now() - began).toBeGreaterThanOrEqual(95);
    expect(stale).toContain('job_queue_depth{type="wordcount"} 7');
    expect(stale).toContain('job_queue_redis_up 0');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await registry.metrics()).toContain('job_queue_redis_up 0');
    expect(reads).toBe(2);
  });

  it('a read that answers after its bound still lands: the next scrape shows its figures, whatever its own read does', async () => {
    let mode: 'answers' | 'held' | 'silent' = 'answers';
    let answer: ((value: JobCounts) => void) | undefined;
    const registry = new Registry();
    const read = (): Promise<JobCounts> =>
      mode === 'answers' ? Promise.resolve(counts(1)) : new Promise<JobCounts>((resolve) => mode === 'held' && (answer = resolve));
    registerQueueMetrics(registry, { counts: read }, ['wordcount'], 100);
    expect(await registry.metrics()).toContain('job_queue_depth{type="wordcount"} 1');
    mode = 'held';
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await registry.metrics()).toContain('job_queue_redis_up 0');
    answer?.(counts(9));
    await new Promise((resolve) => setTimeout(resolve, 250));
    mode = 'silent';
    const later = await registry.metrics();
    expect(later).toContain('job_queue_depth{type="wordcount"} 9');
    expect(later).toContain('job_queue_redis_up 0');
    expect(Number(/^job_queue_metrics_age_seconds (\S+)$/m.exec(later)?.[1])).toBeLessThan(1);
  });
});

describe("the worker's metrics port answers its errors in JSON, as the app does", () => {
  it('an unknown path: 404 with what the port serves', async () => {
    const response = await fetch(`${workerUrl}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: 'no route for GET /nope; this port serves GET /healthz and GET /metrics' });
  });

  it('POST /metrics: 405 with Allow', async () => {
    const response = await fetch(`${workerUrl}/metrics`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toEqual({ error: 'POST is not allowed on /metrics; it takes GET, HEAD' });
  });

  it('HEAD /healthz: 200', async () => {
    expect((await fetch(`${workerUrl}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('the app on a port already in use', () => {
  let holder: Server;
  afterAll(() => new Promise<void>((done) => (holder ? holder.close(() => done()) : done())));

  it('exits 1 with the port named, and says nothing of Redis, which was fine', async () => {
    holder = createServer();
    const port = await new Promise<number>((listening) => holder.listen(0, '127.0.0.1', () => listening((holder.address() as { port: number }).port)));
    for (let attempt = 1; attempt <= 3; attempt++) {
      const busy = run(['app'], { ...env, PORT: String(port) });
      const code = await new Promise<number | null>((exited) => busy.child.once('exit', exited));
      expect(code, busy.output()).toBe(1);
      expect(busy.output()).toContain(`port ${port} is already in use (--port)`);
      expect(busy.output()).not.toMatch(/redis/i);
    }
  }, 30_000);
});
