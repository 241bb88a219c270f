/**
 * Redis unreachable for longer than WORKER_LOCK_MS while a job runs on a worker that stays alive.
 * The job's lock expires meanwhile and BullMQ takes the job back, so the run under way cannot be
 * recorded any more and the job runs again from the start. What it must not do is run twice side
 * by side, or end errored because Redis was away ("job stalled more than allowable limit"). A
 * worker that really dies is another matter: its job is taken up again after WORKER_LOCK_MS, and
 * a job that keeps killing its workers still ends errored.
 *
 * The real app and worker processes, on a redis-server of the test's own; the workers reach it
 * through a link the test cuts (every connection closed, new ones refused), the app directly.
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cuttableLink, startPrivateRedis, type CuttableLink, type PrivateRedis } from '../support/privateRedis.js';
import { freePort } from '../support/services.js';
import { wordsWorkload } from '../support/wordsWorkload.js';
import { logLines, run, waitForJob, waitUntil, type RunningProcess } from '../support/processes.js';

// ~72 MB of distinct words in one chunk (CHUNK_BYTES below): about 4 s of work for one worker,
// twice the lock, so that the chunk still runs when its lock runs out.
const WORDS = 8_000_000;
const LOCK_MS = 2000;
// Longer than the lock: the chunk's lock expires while Redis is away.
const OUTAGE_MS = 3500;
const LOCK_LOST = 'job given up: its lock expired while Redis did not answer; it runs again from the start';

let redis: PrivateRedis;
let link: CuttableLink;
let direct: Redis;
let root: string;
let env: Record<string, string>;
let url: string;
let app: RunningProcess;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  link = await cuttableLink(redis.port);
  direct = new Redis(redis.url);
  const workload = await wordsWorkload('sw-redis-long-outage-', WORDS);
  root = workload.root;
  const port = await freePort();
  env = { REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', ...workload.dirs, WORKER_METRICS_PORT: '0', WORKER_LOCK_MS: String(LOCK_MS), WORKER_THREADS: '1', CHUNK_BYTES: '1GiB' };
  app = run(['app'], env);
  url = `http://127.0.0.1:${port}`;
  await waitUntil('the app to answer', async () => (await fetch(`${url}/healthz`)).ok);
}, 120_000);

// Each test has workers of its own: one left from another would take its job.
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
});

afterAll(async () => {
  await app?.stop();
  direct?.disconnect();
  await link?.close();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function startWorker(): Promise<RunningProcess> {
  const worker = run(['worker'], { ...env, REDIS_URL: link.url });
  workers.push(worker);
  await waitUntil('the worker to start', async () => worker.output().includes('worker started'));
  return worker;
}

async function countWords(): Promise<{ token: string; starts: () => Promise<number> }> {
  const response = await fetch(`${url}/file`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'words.txt' }) });
  expect(response.status).toBe(201);
  const { token } = (await response.json()) as { token: string };
  // How many times a worker has started the job's one chunk (BullMQ's own count).
  return { token, starts: async () => Number(await direct.hget(`bull:wordcount-chunk:${token}-0`, 'ats')) };
}

async function expectAllWordsCounted(token: string): Promise<void> {
  const lines = (await (await fetch(`${url}/file/${token}/result`)).text()).split('\n');
  expect(lines.length).toBe(WORDS + 1);
  expect(lines.every((line, i) => (i === WORDS ? line === '' : line.endsWith(' 1')))).toBe(true);
}

/** Runs the worker stopped, their lock gone, before they had done their work. */
const runsStopped = (worker: RunningProcess): number => logLines(worker.output()).filter((line) => line.msg === LOCK_LOST && line.resultReady === false).length;

describe('Redis away for longer than WORKER_LOCK_MS while a job runs, its worker alive', () => {
  it('twice in one job: the job finishes, with the right count, and is never run twice side by side', async () => {
    const worker = await startWorker();
    const { token, starts } = await countWords();
    const stoppedBeforeRedisWasBack: boolean[] = [];

    for (let outage = 1; outage <= 2; outage++) {
      await waitUntil(`start ${outage} of the chunk`, async () => (await starts()) === outage, 30_000);
      // Time for the worker to hear that it has the chunk: cut before, the fetch's answer is lost
      // and nobody runs the chunk until the stalled-job check finds it.
      await sleep(300);
      link.cut();
      await sleep(OUTAGE_MS);
      // Nobody can take the job up again before Redis is back: a run stopped by now never runs
      // beside the next one.
      stoppedBeforeRedisWasBack.push(runsStopped(worker) === outage);
      link.restore();
    }

    const final = await waitForJob(`${url}/file/${token}/status`, 60_000);
    expect(final, worker.output()).toEqual({ status: 'finished' });
    await expectAllWordsCounted(token);
    expect(stoppedBeforeRedisWasBack, worker.output()).toEqual([true, true]);
    // Run again once per outage, and no more.
    expect(await starts()).toBe(3);
  }, 90_000);
});

describe('a worker that really dies in the middle of a job', () => {
  it('leaves the job to be taken up again after WORKER_LOCK_MS; killed a second time under it, the job errors', async () => {
    const { token, starts } = await countWords();
    let worker = await startWorker();
    for (let crash = 1; crash <= 2; crash++) {
      await waitUntil(`start ${crash} of the chunk`, async () => (await starts()) === crash, 30_000);
      await sleep(300);
      await worker.stop('SIGKILL');
      const killedAt = Date.now();
      worker = await startWorker();
      if (crash === 1) {
        await waitUntil('the chunk to be taken up again', async () => (await starts()) === 2, 30_000);
        // Its lock has to run out first, and a stalled-job check (one every WORKER_LOCK_MS) to see it.
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LOCK_MS - 300);
        expect(Date.now() - killedAt).toBeLessThan(LOCK_MS * 3 + 2000);
      }
    }
    const final = await waitForJob(`${url}/file/${token}/status`, 60_000);
    expect(final).toEqual({ status: 'errored', error: expect.stringMatching(/job stalled more than allowable limit$/) as unknown });
    // The third start found the two crashes and went no further.
    expect(await starts()).toBe(3);
  }, 90_000);
});
