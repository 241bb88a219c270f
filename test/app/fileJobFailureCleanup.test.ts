import { readdir } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, waitForJob, waitUntil, type AppUnderTest, type RunningProcess } from '../support/processes.js';

/**
 * When one chunk of a file job fails for good, the job is lost: its other chunks stop early
 * instead of running to their end, and what the job left behind (the chunks' word-count runs
 * under OUTPUT_DIR/.runs, the upload, the progress kept in Redis) is removed at once, not by a
 * retention sweep a day later.
 */
let sut: AppUnderTest;
let worker: RunningProcess;
let redis: Redis;
let chunks: Queue;
const CHUNK = 8 << 20;
const COUNT = 4;
// A word-count budget of 256 KiB takes words up to (256 KiB - 2 × 16 KiB) / 2 = 114688 bytes.
const WORD_LIMIT = 114_688;

/** `bytes` of distinct words: with a 256 KiB budget a chunk of them spills many runs and takes seconds. */
function distinctWords(bytes: number, seed: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const word = `w${seed}x${((i * 2654435761) % 4294967296).toString(36)}${i % 7 ? ' ' : '\n'}`;
    parts.push(word);
    length += word.length;
  }
  return parts.join('').slice(0, bytes - 1) + '\n';
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String);
}

let token: string;

beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 11, worker: false, env: { CHUNK_BYTES: String(CHUNK), WORDCOUNT_MEMORY_BUDGET: '256KiB', JOB_ATTEMPTS: '3', WORKER_CONCURRENCY: String(COUNT) } });
  redis = new Redis(sut.env.REDIS_URL as string);
  chunks = new Queue('wordcount-chunk', { connection: { url: sut.env.REDIS_URL as string } });
  // Chunk 1 opens with a word over the limit: it fails within its first reads. Chunks 2-4 hold
  // 8 MiB of distinct words each, seconds of work each.
  const body = `${'w'.repeat(200_000)}\n${distinctWords(CHUNK - 200_001, 0)}` + [1, 2, 3].map((seed) => distinctWords(CHUNK, seed)).join('');
  const upload = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
  expect(upload.status).toBe(201);
  token = ((await upload.json()) as { token: string }).token;
  expect(await readdir(sut.dirs.uploads)).toHaveLength(1);
  worker = await sut.startWorker();
}, 120_000);
afterAll(async () => {
  await chunks?.close();
  redis?.disconnect();
  await sut?.stop();
});

describe('a file job one of whose chunks fails for good', () => {
  it('errors with the failing chunk and its reason', async () => {
    const status = await waitForJob(`${sut.url}/file/${token}/status`, 60_000);
    expect(status).toEqual({ status: 'errored', error: `chunk 1 of ${COUNT} (bytes 0–${CHUNK - 1}): a token starting at byte 0 is longer than ${WORD_LIMIT} bytes` });
  }, 90_000);

  it('stops its other chunks early: they end failed, without a result, without retries', async () => {
    const states = async () => Promise.all(Array.from({ length: COUNT }, (_, index) => chunks.getJobState(`${token}-${index}`)));
    await waitUntil('every chunk to end', async () => (await states()).every((state) => state === 'completed' || state === 'failed'), 90_000);
    expect(await states()).toEqual(Array(COUNT).fill('failed'));
    for (let index = 1; index < COUNT; index++) {
      const chunk = await chunks.getJob(`${token}-${index}`);
      expect(chunk?.failedReason, `chunk ${index + 1}`).toBe(`stopped: file job ${token} has failed`);
      expect(chunk?.returnvalue ?? undefined, `chunk ${index + 1}`).toBeUndefined();
      expect(chunk?.attemptsMade, `chunk ${index + 1}`).toBe(1);
    }
  }, 120_000);

  it('leaves no run file, no upload and no progress key behind', async () => {
    // The removal follows the failure; the job record itself stays for RESULT_TTL_SECONDS.
    await waitUntil('the job to be cleaned up', async () => {
      const runs = (await filesUnder(sut.dirs.output)).filter((path) => path.includes(token));
      return runs.length === 0 && (await readdir(sut.dirs.uploads)).length === 0 && (await redis.exists(`chunkprogress:${token}`)) === 0;
    }, 10_000).catch(() => undefined);
    expect((await filesUnder(sut.dirs.output)).filter((path) => path.includes(token))).toEqual([]);
    expect(await readdir(sut.dirs.uploads)).toEqual([]);
    expect(await redis.exists(`chunkprogress:${token}`)).toBe(0);
    expect((await redis.keys(`*${token}*`)).filter((key) => !key.startsWith('bull:'))).toEqual([]);
  }, 30_000);

  it('logged no retry', () => {
    expect(worker.output()).toMatch(/job errored/);
    expect(worker.output()).not.toMatch(/will retry/);
  });
});
