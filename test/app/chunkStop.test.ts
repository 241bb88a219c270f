import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig, type AppConfig } from '../../app/config.js';
import { createJobMetrics } from '../../app/jobs/jobMetrics.js';
import { JobQueues, newToken } from '../../app/jobs/jobQueues.js';
import { startJobWorkers, type WorkerDeps } from '../../app/jobs/jobWorkers.js';
import type { FileJobType } from '../../app/jobs/jobTypes.js';
import { BlobStore } from '../../app/store/blobStore.js';
import { ChunkProgressStore } from '../../app/store/chunkProgressStore.js';
import { MultivacStore } from '../../app/store/multivacStore.js';
import { connectRedis } from '../../app/store/redisClient.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { waitUntil } from '../support/processes.js';

/**
 * The job workers in this process, on a real Redis, with the question "has this file job failed?"
 * answered by BullMQ, or by the test for the tokens it names: so a chunk can be caught mid-run.
 * (test/app/fileJobFailureCleanup.test.ts does the same end to end with a failing chunk.)
 */
const CHUNK = 16 << 20;
const redisUrl = `${process.env.REDIS_URL}/12`;
const declaredFailed = new Set<string>();
const log = capturingLogger('debug');
let root: string;
let config: AppConfig;
let redis: Redis;
let queues: JobQueues;
let chunks: Queue;
let parents: Queue;
let deps: WorkerDeps;
const workers: Worker[] = [];

/** `bytes` of distinct words: with a 256 KiB budget a chunk of them spills many runs and takes seconds. */
function distinctWords(bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const word = `w${((i * 2654435761) % 4294967296).toString(36)}${i % 7 ? ' ' : '\n'}`;
    parts.push(word);
    length += word.length;
  }
  return parts.join('').slice(0, bytes - 1) + '\n';
}

/** `bytes` of three words over and over: quick to count, never spilled. */
const LINE = 'alpha beta gamma\n';
const plainWords = (bytes: number): string => LINE.repeat(Math.floor(bytes / LINE.length)).padEnd(bytes, '\n');

const linesOf = (token: string, msg: string) => log.lines.filter((line) => String(line.token).startsWith(token) && line.msg === msg);
const chunkIds = (token: string, count: number) => Array.from({ length: count }, (_, index) => `${token}-${index}`);
const ended = async (token: string, count: number) =>
  (await Promise.all(chunkIds(token, count).map((id) => chunks.getJobState(id)))).every((state) => state === 'failed' || state === 'completed');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-chunkstop-'));
  const dirs = { DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  config = loadAppConfig({ REDIS_URL: redisUrl, ...dirs, CHUNK_BYTES: String(CHUNK), WORDCOUNT_MEMORY_BUDGET: '256KiB', WORKER_CONCURRENCY: '1', JOB_ATTEMPTS: '3' });
  redis = connectRedis(redisUrl);
  await redis.flushdb();
  const chunkProgress = new ChunkProgressStore(redis, config.RESULT_TTL_SECONDS);
  queues = new JobQueues({ redisUrl, resultTtlSeconds: config.RESULT_TTL_SECONDS, attempts: config.JOB_ATTEMPTS, chunkBytes: CHUNK }, chunkProgress);
  chunks = new Queue('wordcount-chunk', { connection: { url: redisUrl } });
  parents = new Queue('wordcount', { connection: { url: redisUrl } });
  deps = {
    config,
    logger: log.logger,
    blobs: new BlobStore(redis, config.RESULT_TTL_SECONDS),
    multivac: new MultivacStore(redis),
    chunkProgress,
    metrics: createJobMetrics(new Registry()),
    queues: { fileJobFailed: async (type: FileJobType, token: string) => declaredFailed.has(token) || queues.fileJobFailed(type, token), outageStalls: (name, jobId) => queues.outageStalls(name, jobId) },
  };
  // Chunks only: no worker applies a file job's failure, so only the chunks can have cleaned up.
  workers.push(...startJobWorkers(deps, ['wordcount-chunk']));
  // The first chunk takes seconds (distinct words, many spills); the others would be quick.
  await writeFile(join(config.DATA_DIR, 'words.txt'), distinctWords(CHUNK) + plainWords(CHUNK) + 'the end\n');
  await writeFile(join(config.DATA_DIR, 'plain.txt'), plainWords(2 * CHUNK));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await Promise.all([chunks?.close(), parents?.close(), queues?.close()]);
  redis?.disconnect();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the chunks of a file job that has failed', () => {
  it('stop between slices when running, and at once when taken later; what the job left goes', async () => {
    const token = await queues.enqueueFileJob('wordcount', { kind: 'data', path: 'words.txt' }, 2 * CHUNK + 8);
    // One chunk at a time: the first is mid-run (it has reported progress), the others wait.
    let seenDone = 0;
    await waitUntil('the first chunk to report progress', async () => {
      seenDone = Number(await redis.hget(`chunkprogress:${token}`, '0'));
      return seenDone > 0;
    }, 30_000);
    expect(seenDone).toBeLessThan(CHUNK);
    declaredFailed.add(token);

    await waitUntil('every chunk to end', () => ended(token, 3), 60_000);
    for (const id of chunkIds(token, 3)) {
      const chunk = await chunks.getJob(id);
      expect(await chunks.getJobState(id), id).toBe('failed');
      expect(chunk?.failedReason, id).toBe(`stopped: file job ${token} has failed`);
      expect(chunk?.returnvalue ?? undefined, id).toBeUndefined();
      expect(chunk?.attemptsMade, id).toBe(1);
    }
    expect(linesOf(token, 'chunk stopped: its file job has failed')).toHaveLength(3);
    expect(linesOf(token, 'job attempt failed; will retry')).toEqual([]);
    expect(await stat(join(config.OUTPUT_DIR, '.runs', token)).catch(() => undefined)).toBeUndefined();
    expect(await redis.exists(`chunkprogress:${token}`)).toBe(0);
  }, 90_000);

  it('do not include a chunk that fails for a transient reason: it is retried, and its job finishes', async () => {
    workers.push(...startJobWorkers({ ...deps, queues }, ['wordcount']));
    // The runs folder's place is taken by a file: making it fails (EEXIST), an I/O error.
    const token = newToken();
    await mkdir(join(config.OUTPUT_DIR, '.runs'), { recursive: true });
    await writeFile(join(config.OUTPUT_DIR, '.runs', token), 'in the way');
    await queues.enqueueFileJob('wordcount', { kind: 'data', path: 'plain.txt' }, 2 * CHUNK, token);
    await waitUntil('a first attempt to fail', async () => ((await chunks.getJob(`${token}-0`))?.attemptsMade ?? 0) >= 1, 30_000);
    await rm(join(config.OUTPUT_DIR, '.runs', token));

    await waitUntil('the job to finish', async () => ['completed', 'failed'].includes(await parents.getJobState(token)), 60_000);
    expect(await parents.getJobState(token)).toBe('completed');
    expect((await parents.getJob(token))?.returnvalue).toMatchObject({ distinctWords: 3, totalWords: 3 * Math.floor((2 * CHUNK) / LINE.length) });
    expect((await chunks.getJob(`${token}-0`))?.attemptsMade).toBe(2);
    expect(linesOf(token, 'job attempt failed; will retry').length).toBeGreaterThanOrEqual(1);
    expect(linesOf(token, 'chunk stopped: its file job has failed')).toEqual([]);
    expect(await readdir(join(config.OUTPUT_DIR, '.runs'))).not.toContain(token);
  }, 90_000);
});

