import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, waitForJob, type AppUnderTest, type RunningProcess } from '../support/processes.js';

/**
 * A file job whose chunk fails errors with the chunk's own reason, naming the chunk; bad input
 * (a token too long, a path no longer allowed or gone) errors at once, without retries. Every job
 * is submitted before the worker starts, so files can be changed "between request and job".
 */
let sut: AppUnderTest;
let worker: RunningProcess;
const CHUNK = 32 << 20;
// A word-count budget of 256 KiB takes words up to (256 KiB - 2 × 16 KiB) / 2 = 114688 bytes.
const WORD_LIMIT = 114_688;
// Even-sum takes tokens up to 64 MiB, whatever the settings.
const NUMBER_LIMIT = 64 << 20;
const tokens: Record<string, string> = {};

const submitPath = async (base: string, path: string) => {
  const response = await fetch(`${sut.url}${base}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
};

async function chunkAttempts(queueName: string, chunkId: string): Promise<number | undefined> {
  const queue = new Queue(queueName, { connection: { url: sut.env.REDIS_URL as string } });
  try {
    return (await queue.getJob(chunkId))?.attemptsMade;
  } finally {
    await queue.close();
  }
}

beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 13, worker: false, env: { CHUNK_BYTES: String(CHUNK), WORDCOUNT_MEMORY_BUDGET: '256KiB', JOB_ATTEMPTS: '3' } });

  const upload = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: `${'w'.repeat(200_000)}\nshort words\n` });
  expect(upload.status).toBe(201);
  tokens.longWord = ((await upload.json()) as { token: string }).token;

  await writeFile(join(sut.dirs.data, 'long-number.txt'), Buffer.alloc(NUMBER_LIMIT + (2 << 20), '2'));
  tokens.longNumber = await submitPath('/evensum', 'long-number.txt');

  await writeFile(join(sut.dirs.data, 'gone.txt'), 'here for now\n');
  tokens.gone = await submitPath('/file', 'gone.txt');
  await rm(join(sut.dirs.data, 'gone.txt'));

  await writeFile(join(sut.dirs.data, 'swapped.txt'), '2 4 6\n');
  tokens.swapped = await submitPath('/evensum', 'swapped.txt');
  await rm(join(sut.dirs.data, 'swapped.txt'));
  await symlink('/etc/passwd', join(sut.dirs.data, 'swapped.txt'));

  worker = await sut.startWorker();
}, 120_000);
afterAll(async () => sut?.stop());

describe('a file job whose chunk fails', () => {
  it('reports a word longer than the word-count limit with the chunk and its reason, without retrying', async () => {
    const status = await waitForJob(`${sut.url}/file/${tokens.longWord}/status`, 60_000);
    expect(status).toEqual({ status: 'errored', error: `chunk 1 of 1 (bytes 0–200012): a token starting at byte 0 is longer than ${WORD_LIMIT} bytes` });
    expect(await chunkAttempts('wordcount-chunk', `${tokens.longWord}-0`)).toBe(1);
  });

  it('reports a number longer than the even-sum limit with the chunk and its reason, without retrying', async () => {
    const status = await waitForJob(`${sut.url}/evensum/${tokens.longNumber}/status`, 60_000);
    expect(status).toEqual({ status: 'errored', error: `chunk 1 of 3 (bytes 0–${CHUNK - 1}): a token starting at byte 0 is longer than ${NUMBER_LIMIT} bytes` });
    expect(await chunkAttempts('evensum-chunk', `${tokens.longNumber}-0`)).toBe(1);
  });

  it('reports a file deleted before the worker ran as "no such file"', async () => {
    const status = await waitForJob(`${sut.url}/file/${tokens.gone}/status`, 60_000);
    expect(status.status).toBe('errored');
    expect(status.error).toMatch(/^chunk 1 of 1 \(bytes 0–12\): no such file\b.*gone\.txt/);
    expect(await chunkAttempts('wordcount-chunk', `${tokens.gone}-0`)).toBe(1);
  });

  it('reports a file swapped for a symlink leading outside as such', async () => {
    const status = await waitForJob(`${sut.url}/evensum/${tokens.swapped}/status`, 60_000);
    expect(status.status).toBe('errored');
    expect(status.error).toMatch(/^chunk 1 of 1 \(bytes 0–5\): .*outside the data directory/);
    expect(await chunkAttempts('evensum-chunk', `${tokens.swapped}-0`)).toBe(1);
  });

  it('never logged a retry for any of them', () => {
    expect(worker.output()).toMatch(/job errored/);
    expect(worker.output()).not.toMatch(/will retry/);
  });
});
