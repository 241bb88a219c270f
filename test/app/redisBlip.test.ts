/**
 * Redis unreachable for a while (the link to it cut: every connection closed, new ones refused)
 * while a job waits in its queue or runs. Redis keeps its data; once it can be reached again the
 * job goes on to finish, with the right result: nothing the app answered 201 for is lost. The real
 * app and worker processes, reaching a redis-server of the test's own through a link the test cuts.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cuttableLink, startPrivateRedis, type CuttableLink, type PrivateRedis } from '../support/privateRedis.js';
import { freePort } from '../support/services.js';
import { wordsWorkload } from '../support/wordsWorkload.js';
import { logLines, run, waitForJob, waitUntil, type RunningProcess } from '../support/processes.js';

// ~27 MB of distinct words in one chunk: seconds of work for one worker, time enough to cut the link.
const WORDS = 3_000_000;

let redis: PrivateRedis;
let link: CuttableLink;
let root: string;
let env: Record<string, string>;
let url: string;
let app: RunningProcess;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  link = await cuttableLink(redis.port);
  const workload = await wordsWorkload('sw-redis-blip-', WORDS);
  root = workload.root;
  const dirs = workload.dirs;
  const port = await freePort();
  env = { REDIS_URL: link.url, PORT: String(port), HOST: '127.0.0.1', ...dirs, WORKER_METRICS_PORT: '0', WORKER_THREADS: '1', CHUNK_BYTES: '1GiB' };
  app = run(['app'], env);
  url = `http://127.0.0.1:${port}`;
  await waitUntil('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200);
}, 60_000);

afterAll(async () => {
  await Promise.all([app?.stop(), ...workers.map((worker) => worker.stop())]);
  await link?.close();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function startWorker(): Promise<RunningProcess> {
  const worker = run(['worker'], env);
  workers.push(worker);
  await waitUntil('the worker to start', async () => worker.output().includes('worker started'));
  return worker;
}

const outages = (worker: RunningProcess, msg: string) => logLines(worker.output()).filter((line) => line.msg === msg).length;

async function checkWordCount(token: string): Promise<void> {
  expect(await waitForJob(`${url}/file/${token}/status`, 90_000)).toEqual({ status: 'finished' });
  const lines = (await (await fetch(`${url}/file/${token}/result`)).text()).split('\n');
  expect(lines.length).toBe(WORDS + 1);
  expect(lines.every((line, i) => (i === WORDS ? line === '' : line.endsWith(' 1')))).toBe(true);
}

describe('Redis unreachable for a while', () => {
  it('while a job waits for a worker: the job is run once Redis is back', async () => {
    const response = await fetch(`${url}/multivac/data`, { method: 'POST', body: new URLSearchParams({ data: 'let there be light' }) });
    expect(response.status).toBe(200);
    link.cut();
    await waitUntil('the app to see it', async () => (await fetch(`${url}/readyz`)).status === 503);
    link.restore();
    await waitUntil('the app to be ready again', async () => (await fetch(`${url}/readyz`)).status === 200);
    await startWorker();
    await waitUntil('the datum to be learnt', async () => (await (await fetch(`${url}/multivac`)).text()) === 'LET THERE BE LIGHT.');
  });

  it('while a job runs: it goes on to finish once Redis is back, with the right result', async () => {
    const worker = workers[0] ?? (await startWorker());
    const response = await fetch(`${url}/file`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'words.txt' }) });
    expect(response.status).toBe(201);
    const { token } = (await response.json()) as { token: string };
    await waitUntil('the job to run', async () => ((await (await fetch(`${url}/file/${token}/status`)).json()) as { status: string }).status === 'received');
    link.cut();
    await waitUntil('the worker to see the outage', async () => outages(worker, 'redis unreachable; retrying until it answers') > 0);
    link.restore();
    await checkWordCount(token);
    expect(outages(worker, 'redis reachable again')).toBeGreaterThan(0);
  }, 120_000);
});
