import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../../app/http/serveApp.js';
import { loadAppConfig } from '../../app/config.js';
import { createAppDeps } from '../../app/deps.js';
import { createApp } from '../../app/server.js';
import { JobQueues, newToken } from '../../app/jobs/jobQueues.js';
import { RequestAnsweredLate } from '../../app/jobs/requestAnsweredLate.js';
import { ChunkProgressStore } from '../../app/store/chunkProgressStore.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { connectRedis } from '../../app/store/redisClient.js';
import { VisitCounter } from '../../app/store/visitCounter.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { waitUntil } from '../support/processes.js';

/**
 * A request answered 503 because the app did not finish it within REQUEST_TIMEOUT_MS must take no
 * effect afterwards: its handler goes on (a promise cannot be cancelled), and the client, told it
 * failed, may send it again. The app in this process on a real Redis, its blob store held up by
 * the test so that a /randomize request outlasts its 200 ms.
 */
const redisUrl = `${process.env.REDIS_URL}/15`;
const log = capturingLogger('debug');
let server: Server;
let port: number;
let releasePut: () => void = () => undefined;
let enqueueSettled = 0;
let close: () => Promise<void> = async () => undefined;
let appDeps: AppDeps;
const redis = connectRedis(redisUrl);

beforeAll(async () => {
  await redis.flushdb();
  const config = loadAppConfig({ REDIS_URL: redisUrl, REQUEST_TIMEOUT_MS: '200' });
  const deps = createAppDeps(config, log.logger);
  appDeps = deps;
  close = deps.close;
  const { blobs, queues } = deps;
  const heldPut = blobs.put.bind(blobs);
  blobs.put = async (key, bytes) => {
    await new Promise<void>((release) => (releasePut = release));
    await heldPut(key, bytes);
  };
  const enqueue = queues.enqueue.bind(queues);
  queues.enqueue = (async (...args: Parameters<typeof enqueue>) => {
    try {
      return await enqueue(...args);
    } finally {
      enqueueSettled += 1;
    }
  }) as typeof queues.enqueue;
  server = await serveApp(createApp(deps).fetch, 0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await close();
  redis.disconnect();
});

const smallPng = (): Buffer => PNG.sync.write(new PNG({ width: 8, height: 8 }));

describe('a request the app answered 503 for running out of time', () => {
  it('POST /randomize: stores no image and queues no job once its handler goes on', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/randomize`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: smallPng() });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'no answer within 200 ms' });

    releasePut(); // the handler now stores the image and would queue its job
    await waitUntil('the handler to finish', async () => enqueueSettled === 1);
    const randomize = new Queue('randomize', { connection: { url: redisUrl } });
    try {
      expect(await randomize.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, prioritized: 0 });
    } finally {
      await randomize.close();
    }
    await waitUntil('the stored image to be removed', async () => (await redis.keys('blob:*')).length === 0);
    // Not an error of the app: a debug line, no "unhandled error".
    expect(log.lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(log.lines.some((line) => line.msg === 'request answered late: its job was not queued')).toBe(true);
  });
});

describe('a GET / the app answered 503 for running out of time', () => {
  // The app starts before Redis answers: the increment waits in the connection's queue, and the
  // deadline answers 503 meanwhile. The client was told the visit failed (and may come again),
  // so when Redis comes it must not count.
  it('does not count the visit whose increment was still waiting for Redis when the answer went', async () => {
    const proxy = await heldRedisProxy(new URL(redisUrl).port);
    const connection = connectRedis(`redis://127.0.0.1:${proxy.port}/15`, { failFastOnceConnected: true });
    const visits = new VisitCounter(connection);
    let hitsSettled = 0;
    const hit = visits.hit.bind(visits);
    visits.hit = async (...args: Parameters<typeof hit>) => {
      try {
        return await hit(...args);
      } finally {
        hitsSettled += 1;
      }
    };
    const counterBefore = appDeps.visits;
    appDeps.visits = visits;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/?user=late-visitor`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: 'no answer within 200 ms' });

      proxy.release(); // Redis answers now: whatever the connection holds is sent
      await waitUntil('the handler to finish', async () => hitsSettled === 1);
      await connection.ping(); // answered after anything sent before it
      expect(await redis.hget('visits', 'late-visitor')).toBeNull();

      // The same connection, once ready, counts a request answered in time.
      const inTime = await fetch(`http://127.0.0.1:${port}/?user=late-visitor`);
      expect(inTime.status).toBe(200);
      expect(inTime.headers.get('x-request-count')).toBe('1');
      expect(log.lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    } finally {
      appDeps.visits = counterBefore;
      connection.disconnect();
      await proxy.close();
    }
  });
});

/**
 * A TCP proxy to Redis that accepts connections but passes nothing either way until `release()`:
 * a Redis that has not answered yet (the client's connection is up, its ready check unanswered).
 */
async function heldRedisProxy(redisPort: string): Promise<{ port: number; release: () => void; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  let released = false;
  const pipe = (client: Socket) => {
    const upstream = connect(Number(redisPort), '127.0.0.1');
    sockets.push(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  };
  const server = createServer((client) => {
    sockets.push(client);
    if (released) pipe(client);
    else client.pause();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    port: (server.address() as AddressInfo).port,
    release: () => {
      released = true;
      for (const client of [...sockets]) pipe(client);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('JobQueues', () => {
  it('refuses an enqueue whose request has already been answered late, and adds nothing', async () => {
    const queues = new JobQueues({ redisUrl, resultTtlSeconds: 60, attempts: 1, chunkBytes: 1 << 20 }, new ChunkProgressStore(redis, 60));
    const late = new AbortController();
    late.abort(new Error('no answer within 200 ms'));
    const token = newToken();
    try {
      await expect(queues.enqueue('multivac', { data: 'late' }, token, late.signal)).rejects.toBeInstanceOf(RequestAnsweredLate);
      await expect(queues.enqueueFileJob('evensum', { kind: 'data', path: 'x.txt' }, 10, token, late.signal)).rejects.toBeInstanceOf(RequestAnsweredLate);
      // In the words of the answer the request got, which the handler's answer repeats.
      await expect(queues.enqueue('multivac', { data: 'late' }, token, late.signal)).rejects.toThrow(/^no answer within 200 ms$/);
      expect(await queues.snapshot('multivac', token)).toBeUndefined();
      expect(await queues.snapshot('evensum', token)).toBeUndefined();
    } finally {
      await queues.close();
    }
  });
});
