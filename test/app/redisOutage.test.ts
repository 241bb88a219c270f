/**
 * The app while Redis is away: it runs in this process against a redis-server of its own, which
 * the tests kill and later restart on the same port with the same data (append-only file, synced
 * on every write, so what Redis acknowledged before the kill is still there afterwards).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { createAppDeps } from '../../app/deps.js';
import { QUEUE_NAMES } from '../../app/jobs/jobTypes.js';
import { createApp } from '../../app/server.js';
import { isRedisUnavailable, RedisUnavailableError } from '../../app/store/redisClient.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { untilRedisAnswers } from '../support/privateRedis.js';
import { waitUntil } from '../support/processes.js';
import { freePort } from '../support/services.js';

const UNAVAILABLE = 'storage temporarily unavailable, retry later';
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let root: string;
let redisPort: number;
let redisProcess: ChildProcess | undefined;
let url: string;
let server: Server;
let deps: ReturnType<typeof createAppDeps>;
let consoleError: MockInstance;
const { logger, lines } = capturingLogger('info');
const dirs = { data: '', output: '', uploads: '', redis: '' };

async function startRedis(): Promise<void> {
  redisProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dirs.redis, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
  await untilRedisAnswers(redisPort, 'our redis-server');
}

async function killRedis(): Promise<void> {
  const child = redisProcess;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

const logged = (msg: string, connection: string) => lines.filter((line) => line.msg === msg && line.connection === connection).length;
const postJson = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Every job of a queue, whatever its state, read by a connection of the test's own. */
async function jobsIn(name: string): Promise<number> {
  const queue = new Queue(name, { connection: { port: redisPort, host: '127.0.0.1' } });
  try {
    return Object.values(await queue.getJobCounts()).reduce((sum, count) => sum + count, 0);
  } finally {
    await queue.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-outage-'));
  for (const name of Object.keys(dirs) as Array<keyof typeof dirs>) {
    dirs[name] = join(root, name);
    await mkdir(dirs[name], { recursive: true });
  }
  await writeFile(join(dirs.data, 'words.txt'), 'let there be light\n');
  redisPort = await freePort();
  await startRedis();
  consoleError = vi.spyOn(console, 'error');
  const config = loadAppConfig({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, DATA_DIR: dirs.data, OUTPUT_DIR: dirs.output, UPLOAD_DIR: dirs.uploads });
  deps = createAppDeps(config, logger);
  const port = await freePort();
  server = serve({ fetch: createApp(deps).fetch, port, hostname: '127.0.0.1' }) as Server;
  url = `http://127.0.0.1:${port}`;
  await waitUntil('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200);

  // Before the outage: one file job, one message, one greeting. They must survive it.
  expect((await postJson('/file', { path: 'words.txt' })).status).toBe(201);
  expect((await postJson('/messages', { message: 'before' })).status).toBe(201);
  expect((await fetch(`${url}/?user=x`)).headers.get('x-request-count')).toBe('1');

  await killRedis();
  await waitUntil('the app to notice', async () => (await fetch(`${url}/readyz`)).status === 503);
  await waitUntil('both connections to log the outage', async () => logged('redis unreachable; retrying until it answers', 'app') > 0 && logged('redis unreachable; retrying until it answers', 'job queues') > 0);
});

afterAll(async () => {
  consoleError?.mockRestore();
  await new Promise((done) => server?.close(done));
  await deps?.close();
  await killRedis();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('while Redis is away, the app answers 503 at once instead of hanging', () => {
  it('POST /file with a path: 503 with the message', async () => {
    const response = await postJson('/file', { path: 'words.txt' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: UNAVAILABLE });
  }, 10_000);

  it('an upload to /evensum: 503, and the uploaded file is removed from UPLOAD_DIR', async () => {
    const response = await fetch(`${url}/evensum`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '2 4 6\n' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: UNAVAILABLE });
    expect(await readdir(dirs.uploads)).toEqual([]);
  }, 10_000);

  it('POST /messages: 503 with an err_msg', async () => {
    const response = await postJson('/messages', { message: 'during' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ err_msg: UNAVAILABLE });
  }, 10_000);

  it('GET /?user=x and POST /multivac/data: 503', async () => {
    const hello = await fetch(`${url}/?user=x`);
    expect(hello.status).toBe(503);
    expect(await hello.json()).toEqual({ error: UNAVAILABLE });
    const datum = await fetch(`${url}/multivac/data`, { method: 'POST', body: new URLSearchParams({ data: 'during the outage' }) });
    expect(datum.status).toBe(503);
  }, 10_000);

  it('/readyz: 503 naming the Redis it cannot reach and why, in place of the client library\'s words', async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'not ready',
      redis: `redis at 127.0.0.1:${redisPort} unreachable: connect ECONNREFUSED 127.0.0.1:${redisPort}`,
    });
  });

  it('logs the outage once per connection as a structured warning, and prints no raw stack traces', async () => {
    await sleep(1500); // several reconnection attempts (200, 400, 600 ms apart...)
    expect(logged('redis unreachable; retrying until it answers', 'app')).toBe(1);
    expect(logged('redis unreachable; retrying until it answers', 'job queues')).toBe(1);
    expect(lines.filter((line) => line.msg === 'unhandled error')).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe('once Redis is back (same port, same data)', () => {
  beforeAll(async () => {
    await startRedis();
    await waitUntil('the app to be ready again', async () => (await fetch(`${url}/readyz`)).status === 200);
    await waitUntil('both connections to log the recovery', async () => logged('redis reachable again', 'app') === 1 && logged('redis reachable again', 'job queues') === 1);
    // A round trip on each of the app's connections: anything they held back would be sent first.
    await fetch(`${url}/counters`);
    await deps.queues.counts('wordcount');
  });

  it('no job exists for the requests refused during the outage, only the one accepted before', async () => {
    const counts = Object.fromEntries(await Promise.all(QUEUE_NAMES.map(async (name) => [name, await jobsIn(name)] as const)));
    expect(counts).toEqual({ randomize: 0, wordcount: 1, evensum: 0, multivac: 0, 'wordcount-chunk': 1, 'evensum-chunk': 0 });
    expect(await readdir(dirs.uploads)).toEqual([]);
  });

  it('the refused message and greeting left nothing behind', async () => {
    expect((await fetch(`${url}/messages/${digest('during')}`)).status).toBe(404);
    expect((await fetch(`${url}/messages/${digest('before')}`)).status).toBe(200);
    expect(await (await fetch(`${url}/counters`)).json()).toEqual({ counters: { x: 1 } });
  });

  it('serves again: a message is stored, a file job and a MultiVAC datum accepted', async () => {
    expect((await postJson('/messages', { message: 'after' })).status).toBe(201);
    expect((await postJson('/file', { path: 'words.txt' })).status).toBe(201);
    expect((await fetch(`${url}/multivac/data`, { method: 'POST', body: new URLSearchParams({ data: 'after' }) })).status).toBe(200);
  });
});

describe('what counts as "Redis unavailable" (503, not 500)', () => {
  it('recognises the errors ioredis and BullMQ give while Redis is away, and nothing else', async () => {
    // A real MaxRetriesPerRequestError: a client with an offline queue, to a port nobody serves.
    const client = new Redis({ port: await freePort(), host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    const maxRetries = await client.get('k').catch((error: Error) => error);
    client.disconnect();
    expect(maxRetries).toBeInstanceOf(Error);
    expect((maxRetries as Error).name).toBe('MaxRetriesPerRequestError');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    for (const error of [
      maxRetries,
      refused,
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new RedisUnavailableError('no answer from Redis within 5000 ms'),
      // A Redis container or Service gone: its name no longer resolves.
      Object.assign(new Error('getaddrinfo ENOTFOUND redis'), { code: 'ENOTFOUND' }),
      Object.assign(new Error('getaddrinfo EAI_AGAIN redis'), { code: 'EAI_AGAIN' }),
      Object.assign(new Error('connect EHOSTUNREACH 10.0.0.7:6379'), { code: 'EHOSTUNREACH' }),
    ]) {
      expect(isRedisUnavailable(error), String(error)).toBe(true);
    }
    expect(isRedisUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isRedisUnavailable(new TypeError('x is undefined'))).toBe(false);
  });
});
