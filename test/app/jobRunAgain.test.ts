/**
 * A job may run again after it has done its work: its worker was killed (or lost Redis) after the
 * job's last write and before the queue recorded it as finished, so the stalled-job check hands it
 * to another worker, or an attempt failed after that point and is retried. Run again, a job must
 * end as it would have the first time, and count once: its processors, run twice on the same job
 * against a real Redis and real files, as the second worker runs them.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig, type AppConfig } from '../../app/config.js';
import { JobQueues, newToken } from '../../app/jobs/jobQueues.js';
import { multivacProcessor } from '../../app/jobs/processors/multivac.js';
import type { ProcessorContext } from '../../app/jobs/processors/processorContext.js';
import { randomizeProcessor } from '../../app/jobs/processors/randomize.js';
import { wordCountChunkProcessor, wordCountReduceProcessor } from '../../app/jobs/processors/wordCount.js';
import { multivacAnswer } from '../../app/multivac/answer.js';
import { BlobStore, randomizeInputKey, randomizeResultKey } from '../../app/store/blobStore.js';
import { ChunkProgressStore } from '../../app/store/chunkProgressStore.js';
import { MultivacStore } from '../../app/store/multivacStore.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { run, waitUntil } from '../support/processes.js';

let redis: PrivateRedis;
let connection: Redis;
let root: string;
let config: AppConfig;

beforeAll(async () => {
  redis = await startPrivateRedis();
  connection = new Redis(redis.url);
  root = await mkdtemp(join(tmpdir(), 'sw-run-again-'));
  const dirs = { DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  config = loadAppConfig({ REDIS_URL: redis.url, ...dirs });
});
afterAll(async () => {
  connection?.disconnect();
  await redis?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** What a worker hands the processors of the job `token`. */
function contextOf(token: string): ProcessorContext {
  return {
    token,
    config,
    logger: capturingLogger('silent').logger,
    blobs: new BlobStore(connection, 60),
    multivac: new MultivacStore(connection, 60),
    reportProgress: () => undefined,
    signal: new AbortController().signal,
    childResults: async () => ({}),
  };
}

describe('a job run again after it had done its work', () => {
  it('multivac: learns its datum once, however often it runs; another job of the same words counts again', async () => {
    const first = newToken();
    await multivacProcessor({ data: 'let there be light' }, contextOf(first));
    await multivacProcessor({ data: 'let there be light' }, contextOf(first));
    const store = new MultivacStore(connection);
    expect(await store.knowledge()).toMatchObject({ dataProcessed: 1, topWords: expect.arrayContaining([{ word: 'light', count: 1 }]) });

    await multivacProcessor({ data: 'light' }, contextOf(newToken()));
    const knowledge = await store.knowledge();
    expect(knowledge).toMatchObject({ dataProcessed: 2, distinctWords: 4 });
    expect(knowledge.topWords[0]).toEqual({ word: 'light', count: 2 });
    expect(multivacAnswer(knowledge)).toBe('LET THERE BE LIGHT.');
  });

  it('randomize: finishes again with the same image, its input still there until the job is recorded as finished', async () => {
    const token = newToken();
    const png = new PNG({ width: 130, height: 70 });
    png.data.fill(200);
    await new BlobStore(connection, 60).put(randomizeInputKey(token), PNG.sync.write(png));

    const once = await randomizeProcessor({ bytes: 0 }, contextOf(token));
    const again = await randomizeProcessor({ bytes: 0 }, contextOf(token));
    expect(again).toEqual(once);
    expect(once).toMatchObject({ width: 130, height: 70 });
    const result = await connection.getBuffer(`blob:${randomizeResultKey(token)}`);
    expect(result && PNG.sync.read(result)).toMatchObject({ width: 130, height: 70 });
  });

  it('word count: its reduce step merges the same runs again into the same result file', async () => {
    const token = newToken();
    const text = 'the cat saw the other cat\nand the dog\n';
    await writeFile(join(config.DATA_DIR, 'pets.txt'), text);
    const source = { kind: 'data', path: 'pets.txt' } as const;
    const ranges = [{ start: 0, end: 10 }, { start: 10, end: text.length }];
    for (const [index, range] of ranges.entries()) {
      await wordCountChunkProcessor({ token, source, range, index, count: ranges.length }, contextOf(token));
    }

    const once = await wordCountReduceProcessor({ source, bytes: text.length, chunks: ranges.length }, contextOf(token));
    const firstText = await readFile(join(config.OUTPUT_DIR, once.output), 'utf8');
    const again = await wordCountReduceProcessor({ source, bytes: text.length, chunks: ranges.length }, contextOf(token));
    expect(again).toEqual(once);
    expect(await readFile(join(config.OUTPUT_DIR, again.output), 'utf8')).toBe(firstText);
    expect(firstText).toBe('the 3\ncat 2\nand 1\ndog 1\nother 1\nsaw 1\n');
    expect((await readdir(config.OUTPUT_DIR)).filter((name) => !name.startsWith('.'))).toEqual([once.output]);
  });
});

describe('what a job leaves once it is recorded as finished (a real worker process)', () => {
  it('a randomize job its input image, a word-count job its runs: removed then, not before', async () => {
    const queues = new JobQueues({ redisUrl: redis.url, resultTtlSeconds: 60, attempts: 1, chunkBytes: 8 }, new ChunkProgressStore(connection, 60));
    const worker = run(['worker'], { REDIS_URL: redis.url, DATA_DIR: config.DATA_DIR, OUTPUT_DIR: config.OUTPUT_DIR, UPLOAD_DIR: config.UPLOAD_DIR, WORKER_METRICS_PORT: '0' });
    try {
      const image = newToken();
      await new BlobStore(connection, 60).put(randomizeInputKey(image), PNG.sync.write(new PNG({ width: 61, height: 61 })));
      await queues.enqueue('randomize', { bytes: 0 }, image);
      await writeFile(join(config.DATA_DIR, 'words.txt'), 'one two three four five six\n');
      const words = await queues.enqueueFileJob('wordcount', { kind: 'data', path: 'words.txt' }, 28);

      await waitUntil('both jobs to finish', async () => (await queues.snapshot('randomize', image))?.state === 'completed' && (await queues.snapshot('wordcount', words))?.state === 'completed');
      await waitUntil('the input image to be removed', async () => (await connection.exists(`blob:${randomizeInputKey(image)}`)) === 0);
      await waitUntil('the runs to be removed', async () => !(await readdir(join(config.OUTPUT_DIR, '.runs')).catch((): string[] => [])).includes(words));
      expect(await connection.exists(`blob:${randomizeResultKey(image)}`)).toBe(1);
      expect(await readFile(join(config.OUTPUT_DIR, `wordcount-${words}.txt`), 'utf8')).toBe('five 1\nfour 1\none 1\nsix 1\nthree 1\ntwo 1\n');
    } finally {
      await worker.stop();
      await queues.close();
    }
  }, 60_000);
});
