/**
 * `GET <base>/{token}/result`, for every kind of job with a result: the result once the job has
 * finished; otherwise an answer that says why there is none, in the words of the job's status. A
 * job that errored is a 409 carrying its error (asking again will not help); an unknown token and
 * a job not finished yet are the seed's 404 `"message": "not found"`, with the `error` every
 * error body has saying which. The real app and worker processes on a redis-server of the test's
 * own; every job is submitted before the worker starts, so that inputs can be spoiled in between.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinatePng } from '../support/coordinatePng.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { run, waitForJob, waitUntil, type RunningProcess } from '../support/processes.js';
import { freePort } from '../support/services.js';

let redis: PrivateRedis;
let root: string;
let url: string;
let app: RunningProcess;
let worker: RunningProcess | undefined;
let outputDir: string;
/** Tokens by case, each `{ base, token }`. */
const jobs: Record<string, { base: string; token: string }> = {};
/** The answers given before the worker started. */
const beforeWorker: Record<string, { status: number; body: unknown }> = {};

const answerOf = async (response: Response) => ({ status: response.status, body: await response.json() });
const result = (job: { base: string; token: string }) => fetch(`${url}${job.base}/${job.token}/result`);
const status = async (job: { base: string; token: string }) => (await (await fetch(`${url}${job.base}/${job.token}/status`)).json()) as { status: string; error?: string };

async function submit(base: string, init: RequestInit): Promise<{ base: string; token: string }> {
  const response = await fetch(`${url}${base}`, { method: 'POST', ...init });
  expect(response.status, `POST ${base}`).toBe(201);
  return { base, token: ((await response.json()) as { token: string }).token };
}
const submitPath = (base: string, path: string) => submit(base, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) });
const submitPng = () => submit('/randomize', { headers: { 'Content-Type': 'image/png' }, body: coordinatePng(130, 70) });

beforeAll(async () => {
  redis = await startPrivateRedis();
  root = await mkdtemp(join(tmpdir(), 'sw-job-results-'));
  const dirs = { DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  outputDir = dirs.OUTPUT_DIR;
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  await writeFile(join(dirs.DATA_DIR, 'numbers.txt'), '1 2 3 4\n');
  await writeFile(join(dirs.DATA_DIR, 'bad-numbers.txt'), '2 4 x7\n');
  await writeFile(join(dirs.DATA_DIR, 'words.txt'), 'let there be light\n');
  await writeFile(join(dirs.DATA_DIR, 'gone.txt'), 'here for now\n');
  const port = await freePort();
  const env = { REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', WORKER_METRICS_PORT: '0', ...dirs };
  url = `http://127.0.0.1:${port}`;
  app = run(['app'], env);
  await waitUntil('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200);

  jobs.evensum = await submitPath('/evensum', 'numbers.txt');
  jobs.evensumErrored = await submitPath('/evensum', 'bad-numbers.txt');
  jobs.wordcount = await submitPath('/file', 'words.txt');
  jobs.wordcountErrored = await submitPath('/file', 'gone.txt');
  await rm(join(dirs.DATA_DIR, 'gone.txt'));
  jobs.randomize = await submitPng();
  jobs.randomizeErrored = await submitPng();
  // A PNG the upload could tell from a good one is refused there: this one is spoiled after it.
  const direct = new Redis(redis.url);
  try {
    await direct.set(`blob:randomize:${jobs.randomizeErrored.token}:input`, Buffer.from('not a PNG any more'));
  } finally {
    direct.disconnect();
  }
  for (const [name, job] of Object.entries(jobs)) beforeWorker[name] = await answerOf(await result(job));

  worker = run(['worker'], env);
  await waitUntil('the worker to start', async () => worker!.output().includes('worker started'));
  for (const job of Object.values(jobs)) await waitForJob(`${url}${job.base}/${job.token}/status`);
}, 120_000);

afterAll(async () => {
  await Promise.all([app?.stop(), worker?.stop()]);
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the result of a job that errored', () => {
  it.each([['/evensum', 'evensumErrored'], ['/file', 'wordcountErrored'], ['/randomize', 'randomizeErrored']])(
    '%s: 409 {"error"} carrying the error its status shows',
    async (_base, name) => {
      const job = jobs[name]!;
      const shown = await status(job);
      expect(shown.status).toBe('errored');
      expect(shown.error).toBeTruthy();
      expect(await answerOf(await result(job))).toEqual({ status: 409, body: { error: `the job errored, so it has no result: ${shown.error}` } });
    },
  );

  it('says what was wrong with the input, e.g. the even-sum\'s word that is not a number', async () => {
    expect(((await answerOf(await result(jobs.evensumErrored!))).body as { error: string }).error).toMatch(/^the job errored, so it has no result: .*"x7"/);
  });
});

describe('the result of a job not finished yet', () => {
  it.each(['evensum', 'wordcount', 'randomize'])('%s: the seed\'s 404 "not found", its error naming the status', (name) => {
    expect(beforeWorker[name]).toEqual({ status: 404, body: { error: 'the job has not finished yet: its status is "requested"', message: 'not found' } });
  });
});

describe('the result of a token the app does not know', () => {
  it.each([
    ['/evensum', '0123456789abcdef0123456789abcdef'],
    ['/file', '0123456789abcdef0123456789abcdef'],
    ['/randomize', '0123456789abcdef0123456789abcdef'],
    ['/randomize', 'not-a-token'],
    ['/file', 'x'.repeat(200)],
  ])('%s/%s/result: the seed\'s 404 "not found", its error naming the token', async (base, token) => {
    const answer = await answerOf(await fetch(`${url}${base}/${token}/result`));
    const shown = token.length > 120 ? `${token.slice(0, 120)}… (${token.length} characters)` : token;
    expect(answer).toEqual({ status: 404, body: { error: `unknown token: ${shown}`, message: 'not found' } });
  });
});

describe('the result of a job that finished', () => {
  it('is answered: the even sum, the word count, the shuffled PNG', async () => {
    expect(await answerOf(await result(jobs.evensum!))).toEqual({ status: 200, body: { sum: '6', evenCount: 2, bytes: 8 } });
    const words = await result(jobs.wordcount!);
    expect(words.status).toBe(200);
    expect((await words.text()).split('\n').filter(Boolean).sort()).toEqual(['be 1', 'let 1', 'light 1', 'there 1']);
    const png = await result(jobs.randomize!);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
  });

  it('whose result file is no longer in OUTPUT_DIR: 404 "not found", saying the result is no longer kept', async () => {
    for (const file of await readdir(outputDir)) if (file.endsWith('.txt')) await rm(join(outputDir, file));
    expect(await answerOf(await result(jobs.wordcount!))).toEqual({ status: 404, body: { error: 'the job finished, but its result is no longer kept', message: 'not found' } });
  });
});
