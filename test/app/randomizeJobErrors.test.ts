import { deflateSync } from 'node:zlib';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizePng } from '../../app/image/randomizePng.js';
import { coordinatePng } from '../support/coordinatePng.js';
import { pngChunk } from '../support/handmadePng.js';
import { startAppUnderTest, waitForJob, type AppUnderTest, type RunningProcess } from '../support/processes.js';

/**
 * A randomize job whose PNG the worker cannot decode errors at once, without retries, with the
 * reason. The upload refuses every such PNG it can tell, so each job's input is swapped in Redis
 * between request and job: the worker starts after. Its randomize thread runs the build in dist/.
 */
let sut: AppUnderTest;
let worker: RunningProcess;
const tokens: Record<string, string> = {};
const valid = coordinatePng(130, 70);
/** pngjs stops at the junk where the rest of the PNG should be. */
const unreadable = Buffer.concat([valid.subarray(0, 60), Buffer.from('not the rest of a PNG')]);
/** Valid, but cut into 1.6 million empty IDAT chunks: decoding it takes hundreds of MB of heap. */
function heapHungry(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const empty = pngChunk('IDAT');
  return Buffer.concat([valid.subarray(0, 8), pngChunk('IHDR', ihdr), ...Array.from({ length: 1_600_000 }, () => empty), pngChunk('IDAT', deflateSync(Buffer.from([0, 0]))), pngChunk('IEND')]);
}

const submit = async () => {
  const response = await fetch(`${sut.url}/randomize`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: valid });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
};

async function attempts(token: string): Promise<number | undefined> {
  const queue = new Queue('randomize', { connection: { url: sut.env.REDIS_URL as string } });
  try {
    return (await queue.getJob(token))?.attemptsMade;
  } finally {
    await queue.close();
  }
}

beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 14, worker: false, env: { JOB_ATTEMPTS: '3' } });
  const redis = new Redis(sut.env.REDIS_URL as string);
  try {
    for (const [name, bytes] of [['unreadable', unreadable], ['heapHungry', heapHungry()]] as const) {
      tokens[name] = await submit();
      await redis.set(`blob:randomize:${tokens[name]}:input`, bytes);
    }
  } finally {
    redis.disconnect();
  }
  worker = await sut.startWorker();
}, 120_000);
afterAll(async () => sut?.stop());

describe('a randomize job whose PNG cannot be decoded', () => {
  it('errors with the decoder\'s reason, without retrying', async () => {
    let reason = '';
    try {
      randomizePng(Buffer.from(unreadable), { maxPixels: 4_194_304 });
    } catch (error) {
      reason = (error as Error).message;
    }
    expect(await waitForJob(`${sut.url}/randomize/${tokens.unreadable}/status`)).toEqual({ status: 'errored', error: `cannot decode the PNG: ${reason}` });
    expect(await attempts(tokens.unreadable as string)).toBe(1);
  });

  it('errors, without retrying, when decoding outgrows the randomize thread\'s heap cap, and the worker goes on', async () => {
    const status = await waitForJob(`${sut.url}/randomize/${tokens.heapHungry}/status`, 60_000);
    expect(status).toEqual({ status: 'errored', error: expect.stringMatching(/^cannot decode the PNG: decoding it takes more than the \d+ MB of JavaScript heap a randomize thread may use/) });
    expect(await attempts(tokens.heapHungry as string)).toBe(1);
    const next = await submit();
    expect(await waitForJob(`${sut.url}/randomize/${next}/status`)).toEqual({ status: 'finished' });
    expect(worker.child.exitCode).toBeNull();
  }, 90_000);

  it('never logged a retry for either', () => {
    expect(worker.output()).toMatch(/job errored/);
    expect(worker.output()).not.toMatch(/will retry/);
  });
});
