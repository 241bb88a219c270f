/**
 * A Redis that accepts and does not answer (here a redis-server stopped with SIGSTOP: a host
 * swapping, a long script, a paused VM). The app answers at REQUEST_TIMEOUT_MS with 503, but what
 * it had written to Redis by then is not lost: Redis runs it when it comes back. The client, told
 * its request failed, sends it again; it must not find the work of the first attempt done too.
 * The app runs in this process (so the test sees when its handlers are done), a real worker
 * process serves the queues, both on a redis-server of the test's own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { createAppDeps } from '../../app/deps.js';
import { serveApp } from '../../app/http/serveApp.js';
import { createApp } from '../../app/server.js';
import { sha256Hex } from '../../app/store/messageStore.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { run, waitUntil, type RunningProcess } from '../support/processes.js';
import { onEnqueueSettled } from '../support/settledEnqueues.js';

const DEADLINE_MS = 300;
const NO_ANSWER = { error: `no answer within ${DEADLINE_MS} ms` };

let redis: PrivateRedis;
let root: string;
let server: Server;
let url: string;
let deps: ReturnType<typeof createAppDeps>;
let worker: RunningProcess;
let direct: Redis;
/** How many of the app's job adds and visit increments have ended, answered or not. */
const settled = { enqueues: 0, hits: 0 };
const { logger, lines } = capturingLogger('debug');

beforeAll(async () => {
  redis = await startPrivateRedis();
  root = await mkdtemp(join(tmpdir(), 'sw-silent-redis-'));
  const dirs = { DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  await writeFile(join(dirs.DATA_DIR, 'words.txt'), 'let there be light\n');
  const env = { REDIS_URL: redis.url, REQUEST_TIMEOUT_MS: String(DEADLINE_MS), ...dirs };
  deps = createAppDeps(loadAppConfig(env), logger);
  const { queues, visits } = deps;
  onEnqueueSettled(queues, () => {
    settled.enqueues += 1;
  });
  const hit = visits.hit.bind(visits);
  visits.hit = async (...args: Parameters<typeof hit>) => {
    try {
      return await hit(...args);
    } finally {
      settled.hits += 1;
    }
  };
  server = await serveApp(createApp(deps).fetch, 0, '127.0.0.1');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = run(['worker'], { ...env, WORKER_METRICS_PORT: '0' });
  await waitUntil('the worker to start', async () => worker.output().includes('worker started'));
  direct = new Redis(redis.url);
  await waitUntil('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await deps?.close();
  direct?.disconnect();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * Sends a request while Redis is stopped and waits for its answer, then lets Redis go on, which
 * runs what the app had written to it meanwhile, and waits for the request's handler to be done.
 */
async function whileRedisIsSilent(send: () => Promise<Response>, handlerDone: () => boolean): Promise<{ status: number; body: unknown }> {
  redis.freeze();
  let answer: { status: number; body: unknown };
  try {
    const response = await send();
    answer = { status: response.status, body: await response.json() };
  } finally {
    redis.thaw();
  }
  await waitUntil('the handler to be done', async () => handlerDone());
  return answer;
}

/** Every job of a queue, whatever its state. */
async function jobsIn(name: string): Promise<number> {
  const queue = new Queue(name, { connection: { url: redis.url } });
  try {
    return Object.values(await queue.getJobCounts()).reduce((sum, count) => sum + count, 0);
  } finally {
    await queue.close();
  }
}

const postForm = (data: string) => fetch(`${url}/multivac/data`, { method: 'POST', body: new URLSearchParams({ data }) });
const postJson = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('a request answered 503 while Redis accepted it and did not answer takes no effect once Redis answers again', () => {
  it('POST /multivac/data: its job is gone before a worker can take it, so the datum is not learnt; the retry is learnt once', async () => {
    // Several times: the job's removal used to race the worker, and usually lose.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const before = settled.enqueues;
      const refused = await whileRedisIsSilent(() => postForm('let there be light'), () => settled.enqueues > before);
      expect(refused).toEqual({ status: 503, body: NO_ANSWER });
      // A round trip on the connection the job was added on: Redis has run what the app wrote before it.
      await deps.queues.counts('multivac');
      expect(await jobsIn('multivac'), `attempt ${attempt}`).toBe(0);
    }
    expect(await direct.get('multivac:data_processed')).toBeNull();

    expect((await postForm('let there be light')).status).toBe(200);
    await waitUntil('the worker to learn the retried datum', async () => (await direct.get('multivac:data_processed')) !== null);
    expect(await (await fetch(`${url}/multivac`)).text()).toBe('LET THERE BE LIGHT.');
    expect(await direct.get('multivac:data_processed')).toBe('1');
  }, 60_000);

  it('POST /file: the job and its chunk are gone before a worker can take them', async () => {
    const before = settled.enqueues;
    const refused = await whileRedisIsSilent(() => postJson('/file', { path: 'words.txt' }), () => settled.enqueues > before);
    expect(refused).toEqual({ status: 503, body: NO_ANSWER });
    await deps.queues.counts('wordcount');
    expect({ wordcount: await jobsIn('wordcount'), chunks: await jobsIn('wordcount-chunk') }).toEqual({ wordcount: 0, chunks: 0 });
  });

  it('GET /: the visit its increment made once Redis ran it is taken back; the retry counts 1', async () => {
    const before = settled.hits;
    const refused = await whileRedisIsSilent(() => fetch(`${url}/?user=silent-visitor`), () => settled.hits > before);
    expect(refused).toEqual({ status: 503, body: NO_ANSWER });
    await deps.redis.ping(); // answered after the increment and whatever followed it on that connection
    expect(await direct.hget('visits', 'silent-visitor')).toBeNull();

    const retry = await fetch(`${url}/?user=silent-visitor`);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('x-request-count')).toBe('1');
    expect(await (await fetch(`${url}/counters`)).json()).toEqual({ counters: { 'silent-visitor': 1 } });
  });

  it('POST /messages: the message is stored all the same, under the digest the retry is given: storing it twice is storing it once', async () => {
    redis.freeze();
    let refused: Response;
    try {
      refused = await postJson('/messages', { message: 'said while Redis slept' });
    } finally {
      redis.thaw();
    }
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ err_msg: NO_ANSWER.error });
    await deps.redis.ping();
    const digest = sha256Hex('said while Redis slept');
    expect(await direct.get(`message:${digest}`)).toBe('said while Redis slept');

    const retry = await postJson('/messages', { message: 'said while Redis slept' });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual({ digest });
    expect(await direct.keys('message:*')).toEqual([`message:${digest}`]);
  });

  it('logged nothing as an error of the app', () => {
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
