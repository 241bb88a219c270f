/**
 * A request the app does not finish within REQUEST_TIMEOUT_MS is answered 503 with one wording on
 * every route: `no answer within <ms> ms`. A route that queues a job (POST /file, /evensum,
 * /multivac/data, /randomize) has its enqueue refused the instant the deadline passes, and the
 * handler's answer to that refusal came in the same moment as the deadline's: either could reach
 * the client, and it said something else (`the request was answered for running out of time
 * before its job was queued`). Here Redis accepts and does not answer (a redis-server of the
 * test's own, stopped with SIGSTOP), the app in this process; no worker.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { createAppDeps } from '../../app/deps.js';
import { serveApp } from '../../app/http/serveApp.js';
import { createApp } from '../../app/server.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { coordinatePng } from '../support/coordinatePng.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { waitUntil } from '../support/processes.js';
import { onEnqueueSettled } from '../support/settledEnqueues.js';

const DEADLINE_MS = 300;

let redis: PrivateRedis;
let root: string;
let server: Server;
let url: string;
let deps: ReturnType<typeof createAppDeps>;
/** How many of the app's job adds have ended, refused or not. */
let enqueuesSettled = 0;
const { logger, lines } = capturingLogger('debug');

beforeAll(async () => {
  redis = await startPrivateRedis();
  root = await mkdtemp(join(tmpdir(), 'sw-deadline-wording-'));
  const dirs = { DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  await writeFile(join(dirs.DATA_DIR, 'words.txt'), 'let there be light\n');
  await writeFile(join(dirs.DATA_DIR, 'numbers.txt'), '1 2 3 4\n');
  deps = createAppDeps(loadAppConfig({ REDIS_URL: redis.url, REQUEST_TIMEOUT_MS: String(DEADLINE_MS), ...dirs }), logger);
  const { queues } = deps;
  onEnqueueSettled(queues, () => {
    enqueuesSettled += 1;
  });
  server = await serveApp(createApp(deps).fetch, 0, '127.0.0.1');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await waitUntil('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200);
}, 60_000);

afterAll(async () => {
  redis?.thaw();
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await deps?.close();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
/** Each request, and whether it queues a job. */
const requests: Array<[string, string, RequestInit, boolean]> = [
  ['POST /file', '/file', json({ path: 'words.txt' }), true],
  ['POST /evensum', '/evensum', json({ path: 'numbers.txt' }), true],
  ['POST /multivac/data', '/multivac/data', { method: 'POST', body: new URLSearchParams({ data: 'let there be light' }) }, true],
  ['POST /randomize', '/randomize', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: coordinatePng(60, 60) }, true],
  ['GET /', '/?user=patient', {}, false],
  ['GET /file/{token}/status', `/file/${'0'.repeat(32)}/status`, {}, false],
  ['GET /evensum/{token}/result', `/evensum/${'0'.repeat(32)}/result`, {}, false],
];

describe('a request answered for running out of time while Redis does not answer', () => {
  // Several rounds: which of the two answers reached the client depended on timing.
  it.each([1, 2, 3])('is answered 503 "no answer within 300 ms" on every route (round %i)', async () => {
    const before = enqueuesSettled;
    redis.freeze();
    let answers: Array<[string, { status: number; body: unknown }]>;
    try {
      answers = await Promise.all(
        requests.map(async ([name, path, init]) => {
          const response = await fetch(`${url}${path}`, init);
          return [name, { status: response.status, body: await response.json() }] as [string, { status: number; body: unknown }];
        }),
      );
    } finally {
      redis.thaw();
    }
    expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(requests.map(([name]) => [name, { status: 503, body: { error: `no answer within ${DEADLINE_MS} ms` } }])));
    const queuing = requests.filter(([, , , queues]) => queues).length;
    await waitUntil('the handlers to be done', async () => enqueuesSettled >= before + queuing);
  });

  it('logged nothing as an error of the app', () => {
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
