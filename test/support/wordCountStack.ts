/**
 * The real app and worker processes on a redis-server of the test's own, with a file of distinct
 * words to count (wordsWorkload.ts): the stage of the tests that stop a worker, or cut its Redis,
 * under a running word-count job and check that the job still counts every word once.
 *
 * The app runs from the start; workers run when a test asks for them, so that a test decides which
 * worker takes its job, and when. Some or all of the processes may reach Redis through a link the
 * test cuts (privateRedis.ts's cuttableLink), while the test itself reads Redis directly.
 */
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { cuttableLink, startPrivateRedis, type CuttableLink, type PrivateRedis } from './privateRedis.js';
import { run, waitUntil, type RunningProcess } from './processes.js';
import { freePort } from './services.js';
import { wordsWorkload } from './wordsWorkload.js';

/** Which processes reach Redis through the cuttable link; the others reach it directly. */
export type ThroughLink = 'workers' | 'app and workers';

export interface WordCountStackOptions {
  /** How many distinct words the file holds: how long the job's one chunk runs. */
  readonly words: number;
  /** The prefix of the temporary folder the workload is written under. */
  readonly tmpPrefix: string;
  /** Given to the app and the workers on top of the stack's own (WORKER_LOCK_MS, SHUTDOWN_GRACE_MS...). */
  readonly env?: Readonly<Record<string, string>>;
  readonly throughLink?: ThroughLink;
}

/** A word-count job the app answered 201 for. */
export interface WordCountJob {
  readonly token: string;
  /** How many times a worker has started the job's one chunk (BullMQ's own count). */
  starts(): Promise<number>;
}

export interface WordCountStack {
  readonly url: string;
  /** The app's environment (a worker's differs only in REDIS_URL, when only workers go through the link). */
  readonly env: Readonly<Record<string, string>>;
  readonly redis: PrivateRedis;
  /** The workers started so far and not yet taken away by stopWorkers, oldest first. */
  readonly workers: readonly RunningProcess[];
  /** A worker process, once it says it has started. */
  startWorker(): Promise<RunningProcess>;
  /** Asks the app to count the words of the file. */
  submitWordCount(): Promise<WordCountJob>;
  /** The finished job's result counts each word of the file once, and nothing else. */
  expectAllWordsCounted(token: string): Promise<void>;
  /** Stops every worker started so far with `signal`, so that none is left to take another test's job. */
  stopWorkers(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the processes and Redis, and removes the workload. */
  close(): Promise<void>;
}

export interface LinkedWordCountStack extends WordCountStack {
  readonly link: CuttableLink;
}

export async function startWordCountStack(options: WordCountStackOptions & { throughLink: ThroughLink }): Promise<LinkedWordCountStack>;
export async function startWordCountStack(options: WordCountStackOptions & { throughLink?: undefined }): Promise<WordCountStack>;
export async function startWordCountStack(options: WordCountStackOptions): Promise<WordCountStack | LinkedWordCountStack> {
  let redis: PrivateRedis | undefined;
  let link: CuttableLink | undefined;
  // Opened on the first starts(): only the tests that read BullMQ's counts need it.
  let direct: Redis | undefined;
  let root: string | undefined;
  let app: RunningProcess | undefined;
  const workers: RunningProcess[] = [];

  const stopWorkers = async (signal?: NodeJS.Signals): Promise<void> => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop(signal)));
  };
  const close = async (): Promise<void> => {
    await Promise.all([app?.stop(), stopWorkers()]);
    direct?.disconnect();
    await link?.close();
    await redis?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  };

  try {
    redis = await startPrivateRedis();
    if (options.throughLink) link = await cuttableLink(redis.port);
    const workload = await wordsWorkload(options.tmpPrefix, options.words);
    root = workload.root;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const appRedisUrl = options.throughLink === 'app and workers' && link ? link.url : redis.url;
    const workerRedisUrl = link?.url ?? redis.url;
    // One thread and one chunk (CHUNK_BYTES far above the file's size): the job is one chunk that
    // runs for seconds on one worker, the chunk whose starts a test counts.
    const env: Record<string, string> = { REDIS_URL: appRedisUrl, PORT: String(port), HOST: '127.0.0.1', ...workload.dirs, WORKER_METRICS_PORT: '0', CHUNK_BYTES: '1GiB', ...options.env };
    app = run(['app'], env);
    // Ready, not only alive: the app reaches Redis, so the jobs a test posts are queued.
    await waitUntil('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200);

    const privateRedis = redis;
    const stack: WordCountStack = {
      url,
      env,
      redis: privateRedis,
      workers,
      startWorker: async () => {
        const worker = run(['worker'], { ...env, REDIS_URL: workerRedisUrl });
        workers.push(worker);
        await waitUntil('the worker to start', async () => worker.output().includes('worker started'));
        return worker;
      },
      submitWordCount: async () => {
        const response = await fetch(`${url}/file`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'words.txt' }) });
        expect(response.status).toBe(201);
        const { token } = (await response.json()) as { token: string };
        return {
          token,
          starts: async () => {
            direct ??= new Redis(privateRedis.url);
            return Number(await direct.hget(`bull:wordcount-chunk:${token}-0`, 'ats'));
          },
        };
      },
      expectAllWordsCounted: async (token) => {
        const lines = (await (await fetch(`${url}/file/${token}/result`)).text()).split('\n');
        expect(lines.length).toBe(options.words + 1);
        expect(lines.every((line, i) => (i === options.words ? line === '' : line.endsWith(' 1')))).toBe(true);
      },
      stopWorkers,
      close,
    };
    return link ? { ...stack, link } : stack;
  } catch (error) {
    // A stack half started is not left running: the test's afterAll has no stack to close.
    await close();
    throw error;
  }
}
