import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, waitForJob, waitUntil, type AppUnderTest } from '../support/processes.js';

let sut: AppUnderTest;
const LINES = 4_000_000; // ~60 MB: long enough to kill the worker while it runs, on one thread

beforeAll(async () => {
  // A short lock so that a dead worker's job is noticed in seconds, not the default 30 s.
  sut = await startAppUnderTest({ redisDb: 6, worker: false, env: { WORKER_LOCK_MS: '2000' } });
  const file = await open(join(sut.dirs.data, 'numbers.txt'), 'w');
  let expected = 0n;
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const value = 1_000_000_007 + i * 3;
    if (value % 2 === 0) expected += BigInt(value);
    lines.push(String(value));
    if (lines.length === 100_000) {
      await file.write(`${lines.join('\n')}\n`);
      lines.length = 0;
    }
  }
  await file.close();
  expectedSum = expected.toString();
}, 120_000);
afterAll(async () => sut?.stop());

let expectedSum = '';

describe('a worker killed in the middle of a job', () => {
  it('leaves the job to be taken up again by a new worker, which finishes it with the right result', async () => {
    const first = await sut.startWorker();
    const response = await fetch(`${sut.url}/evensum`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'numbers.txt' }) });
    const { token } = (await response.json()) as { token: string };
    const statusUrl = `${sut.url}/evensum/${token}/status`;
    await waitUntil('the job to be received', async () => ((await (await fetch(statusUrl)).json()) as { status: string }).status === 'received', 20_000);

    await first.stop('SIGKILL');
    // Nobody holds the job now; it must not stay `received` for ever.
    await sut.startWorker();
    const final = await waitForJob(statusUrl, 90_000);
    expect(final.status).toBe('finished');
    const result = (await (await fetch(`${sut.url}/evensum/${token}/result`)).json()) as { sum: string };
    expect(result.sum).toBe(expectedSum);
  }, 150_000);
});
