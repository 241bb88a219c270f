import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/services.js';
import { startAppUnderTest, waitForJob, waitUntil, type AppUnderTest } from '../support/processes.js';

/** The word-count definition, written the slow obvious way, to check the chunked engine against. */
function expectedWordCount(text: string): string {
  const counts = new Map<string, number>();
  for (const word of text.split(/[ \t\n\r\v\f]+/).filter(Boolean)) {
    const key = word.replace(/[A-Z]/g, (c) => c.toLowerCase());
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])))
    .map(([word, count]) => `${word} ${count}\n`)
    .join('');
}

let sut: AppUnderTest;
const CHUNK = 4096;

beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 7, worker: false, env: { CHUNK_BYTES: String(CHUNK), WORKER_CONCURRENCY: '1' } });
});
afterAll(async () => sut?.stop());

const submit = (base: string, path: string) =>
  fetch(`${sut.url}${base}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) }).then(
    async (response) => ((await response.json()) as { token: string }).token,
  );

describe('file jobs cut in chunks', () => {
  it('gives the same word count as one pass, with chunk boundaries inside words, spread over two workers', async () => {
    const words = ['alpha', 'Beta', 'GAMMA', 'délta', 'ε', 'zeta-eta', 'x'.repeat(300)];
    let text = '';
    for (let i = 0; text.length < 60 * CHUNK; i++) text += `${words[(i * 7) % words.length]}${i % 3 === 0 ? '\r\n' : i % 5 === 0 ? '\t' : ' '}${i % 11 === 0 ? `w${i} ` : ''}`;
    await writeFile(join(sut.dirs.data, 'words.txt'), text);
    const ports = [await freePort(), await freePort()];
    await sut.startWorker({ WORKER_METRICS_PORT: String(ports[0]) });
    await sut.startWorker({ WORKER_METRICS_PORT: String(ports[1]) });

    const token = await submit('/file', 'words.txt');
    expect(await waitForJob(`${sut.url}/file/${token}/status`, 60_000)).toEqual({ status: 'finished' });
    const result = await (await fetch(`${sut.url}/file/${token}/result`)).text();
    expect(result).toBe(expectedWordCount(text));

    // Both worker processes took chunks of the one job: scaling workers out spreads a big job.
    for (const port of ports) {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const done = Number(/jobs_completed_total\{type="wordcount-chunk"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      expect(done, `worker on port ${port}`).toBeGreaterThan(0);
    }
  });

  it('has each worker report the backlog of the queues it serves on its own /metrics (the scaler sizes workers by it)', async () => {
    const port = await freePort();
    const worker = await sut.startWorker({ WORKER_METRICS_PORT: String(port), WORKER_TYPES: 'wordcount,wordcount-chunk' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^job_queue_depth\{type="wordcount-chunk"\} \d+$/m);
    expect(metrics).toMatch(/^job_queue_depth\{type="wordcount"\} \d+$/m);
    expect(metrics).not.toMatch(/job_queue_depth\{type="randomize"\}/);
    await worker.stop();
  });

  it('gives the exact even sum with chunk boundaries inside numbers, and global line numbers for a bad token', async () => {
    const numbers: string[] = [];
    let expected = 0n;
    for (let i = 0; numbers.join('\n').length < 20 * CHUNK; i++) {
      const value = BigInt(`${i % 2 ? '-' : ''}${'9'.repeat(1 + (i % 40))}${i % 10}`);
      if (value % 2n === 0n) expected += value;
      numbers.push(value.toString());
    }
    await writeFile(join(sut.dirs.data, 'numbers.txt'), numbers.join(' ,\n'));
    const token = await submit('/evensum', 'numbers.txt');
    expect(await waitForJob(`${sut.url}/evensum/${token}/status`, 60_000)).toEqual({ status: 'finished' });
    expect(((await (await fetch(`${sut.url}/evensum/${token}/result`)).json()) as { sum: string }).sum).toBe(expected.toString());

    const lines = numbers.map((n) => `${n}\n`);
    lines.splice(1000, 0, '12 1.5 14\n');
    await writeFile(join(sut.dirs.data, 'bad.txt'), lines.join(''));
    const badToken = await submit('/evensum', 'bad.txt');
    const status = await waitForJob(`${sut.url}/evensum/${badToken}/status`, 60_000);
    expect(status.status).toBe('errored');
    expect(status.error).toMatch(/line 1001\b/);
  });

  it('lets a small job through while a big job of another client runs: it waits for at most one chunk', async () => {
    // One worker, one job at a time: the order in which it takes chunks is the whole story.
    await sut.stop();
    sut = await startAppUnderTest({ redisDb: 8, worker: false, env: { CHUNK_BYTES: String(CHUNK), WORKER_CONCURRENCY: '1' } });
    await writeFile(join(sut.dirs.data, 'big.txt'), 'lorem ipsum dolor sit amet\n'.repeat((200 * CHUNK) / 27));
    await writeFile(join(sut.dirs.data, 'small.txt'), 'tiny job\n');
    await sut.startWorker();

    const big = await submit('/file', 'big.txt');
    await waitUntil('the big job to start', async () => ((await (await fetch(`${sut.url}/file/${big}/status`)).json()) as { status: string }).status === 'received');
    const small = await submit('/file', 'small.txt');
    const submittedAt = Date.now();
    expect(await waitForJob(`${sut.url}/file/${small}/status`)).toEqual({ status: 'finished' });
    const bigStatus = (await (await fetch(`${sut.url}/file/${big}/status`)).json()) as { status: string };
    expect(bigStatus.status).toBe('received');

    const chunks = new Queue('wordcount-chunk', { connection: { url: sut.env.REDIS_URL as string } });
    try {
      const smallChunk = await chunks.getJob(`${small}-0`);
      const startedAfterSubmission: number[] = [];
      for (let index = 0; index < 200; index++) {
        const job = await chunks.getJob(`${big}-${index}`);
        if (job?.processedOn && job.processedOn >= submittedAt && job.processedOn < (smallChunk?.processedOn ?? 0)) startedAfterSubmission.push(index);
      }
      expect(startedAfterSubmission.length).toBeLessThanOrEqual(1);
    } finally {
      await chunks.close();
    }
  }, 60_000);
});

