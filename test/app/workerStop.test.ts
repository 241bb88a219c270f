/**
 * A worker stopped (SIGTERM: scaled in, redeployed) while a job runs. It lets the job finish if it
 * can within the first half of SHUTDOWN_GRACE_MS, and otherwise hands it back to its queue, where
 * another worker takes it up at once. A stop is not a crash: however often the job's workers are
 * stopped under it, the job goes on to finish, with the right result. The real app and worker
 * processes, on a redis-server of the test's own.
 */
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { freePort } from '../support/services.js';
import { wordsWorkload } from '../support/wordsWorkload.js';
import { logMessages, run, waitForJob, waitUntil, type RunningProcess } from '../support/processes.js';

// ~36 MB of distinct words in one chunk (CHUNK_BYTES below): seconds of work for one worker.
const WORDS = 4_000_000;

let redis: PrivateRedis;
let direct: Redis;
let root: string;
let env: Record<string, string>;
let url: string;
let app: RunningProcess;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  direct = new Redis(redis.url);
  const workload = await wordsWorkload('sw-worker-stop-', WORDS);
  root = workload.root;
  const dirs = workload.dirs;
  const port = await freePort();
  // A short lock, so that a job left locked by a stopped worker would be noticed as stalled in
  // seconds; a short grace, so that the job is still running when it is up.
  env = { REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', ...dirs, WORKER_METRICS_PORT: '0', WORKER_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '2000', WORKER_THREADS: '1', CHUNK_BYTES: '1GiB' };
  app = run(['app'], env);
  url = `http://127.0.0.1:${port}`;
  await waitUntil('the app to answer', async () => (await fetch(`${url}/healthz`)).ok);
}, 120_000);

afterAll(async () => {
  await Promise.all([app?.stop(), ...workers.map((worker) => worker.stop())]);
  direct?.disconnect();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function startWorker(): Promise<RunningProcess> {
  const worker = run(['worker'], env);
  workers.push(worker);
  await waitUntil('the worker to start', async () => worker.output().includes('worker started'));
  return worker;
}

describe('a worker stopped in the middle of a job', () => {
  it('hands the job back, and another worker finishes it: twice in a row, the job still finishes with the right count', async () => {
    const response = await fetch(`${url}/file`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'words.txt' }) });
    const { token } = (await response.json()) as { token: string };
    // How many times a worker has started the job's one chunk (BullMQ's own count).
    const starts = async () => Number(await direct.hget(`bull:wordcount-chunk:${token}-0`, 'ats'));

    for (let stop = 1; stop <= 2; stop++) {
      const worker = await startWorker();
      await waitUntil(`start ${stop} of the chunk`, async () => (await starts()) === stop);
      expect(await worker.stop('SIGTERM'), worker.output()).toBe(0);
      expect(logMessages(worker.output()), worker.output()).toContain('job handed back: its worker is stopping');
    }
    await startWorker();
    const final = await waitForJob(`${url}/file/${token}/status`, 90_000);
    expect(final).toEqual({ status: 'finished' });
    const lines = (await (await fetch(`${url}/file/${token}/result`)).text()).split('\n');
    expect(lines.length).toBe(WORDS + 1);
    expect(lines.every((line, i) => (i === WORDS ? line === '' : line.endsWith(' 1')))).toBe(true);
    expect(await starts()).toBe(3);
  }, 150_000);
});
