/**
 * Redis unreachable for longer than WORKER_LOCK_MS while a job runs on a worker that stays alive.
 * The job's lock expires meanwhile and BullMQ takes the job back, so the run under way cannot be
 * recorded any more and the job runs again from the start. What it must not do is run twice side
 * by side, or end errored because Redis was away ("job stalled more than allowable limit"). A
 * worker that really dies is another matter: its job is taken up again after WORKER_LOCK_MS, and
 * a job that keeps killing its workers still ends errored.
 *
 * The real app and worker processes, on a redis-server of the test's own; the workers reach it
 * through a link the test cuts (every connection closed, new ones refused), the app directly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWordCountStack, type LinkedWordCountStack } from '../support/wordCountStack.js';
import { logLines, waitForJob, waitUntil, type RunningProcess } from '../support/processes.js';

// ~72 MB of distinct words in one chunk (CHUNK_BYTES in the stack): about 4 s of work for one
// worker, twice the lock, so that the chunk still runs when its lock runs out.
const WORDS = 8_000_000;
const LOCK_MS = 2000;
// Longer than the lock: the chunk's lock expires while Redis is away.
const OUTAGE_MS = 3500;
const LOCK_LOST = 'job given up: its lock expired while Redis did not answer; it runs again from the start';

let stack: LinkedWordCountStack;

beforeAll(async () => {
  stack = await startWordCountStack({ words: WORDS, tmpPrefix: 'sw-redis-long-outage-', env: { WORKER_LOCK_MS: String(LOCK_MS) }, throughLink: 'workers' });
}, 120_000);

// Each test has workers of its own: one left from another would take its job.
afterEach(async () => {
  await stack?.stopWorkers('SIGKILL');
});

afterAll(async () => {
  await stack?.close();
});

/** Runs the worker stopped, their lock gone, before they had done their work. */
const runsStopped = (worker: RunningProcess): number => logLines(worker.output()).filter((line) => line.msg === LOCK_LOST && line.resultReady === false).length;

describe('Redis away for longer than WORKER_LOCK_MS while a job runs, its worker alive', () => {
  it('twice in one job: the job finishes, with the right count, and is never run twice side by side', async () => {
    const worker = await stack.startWorker();
    const { token, starts } = await stack.submitWordCount();
    const stoppedBeforeRedisWasBack: boolean[] = [];

    for (let outage = 1; outage <= 2; outage++) {
      await waitUntil(`start ${outage} of the chunk`, async () => (await starts()) === outage, 30_000);
      // Time for the worker to hear that it has the chunk: cut before, the fetch's answer is lost
      // and nobody runs the chunk until the stalled-job check finds it.
      await sleep(300);
      stack.link.cut();
      await sleep(OUTAGE_MS);
      // Nobody can take the job up again before Redis is back: a run stopped by now never runs
      // beside the next one.
      stoppedBeforeRedisWasBack.push(runsStopped(worker) === outage);
      stack.link.restore();
    }

    const final = await waitForJob(`${stack.url}/file/${token}/status`, 60_000);
    expect(final, worker.output()).toEqual({ status: 'finished' });
    await stack.expectAllWordsCounted(token);
    expect(stoppedBeforeRedisWasBack, worker.output()).toEqual([true, true]);
    // Run again once per outage, and no more.
    expect(await starts()).toBe(3);
  }, 90_000);
});

describe('a worker that really dies in the middle of a job', () => {
  it('leaves the job to be taken up again after WORKER_LOCK_MS; killed a second time under it, the job errors', async () => {
    const { token, starts } = await stack.submitWordCount();
    let worker = await stack.startWorker();
    for (let crash = 1; crash <= 2; crash++) {
      await waitUntil(`start ${crash} of the chunk`, async () => (await starts()) === crash, 30_000);
      await sleep(300);
      await worker.stop('SIGKILL');
      const killedAt = Date.now();
      worker = await stack.startWorker();
      if (crash === 1) {
        await waitUntil('the chunk to be taken up again', async () => (await starts()) === 2, 30_000);
        // Its lock has to run out first, and a stalled-job check (one every WORKER_LOCK_MS) to see it.
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LOCK_MS - 300);
        expect(Date.now() - killedAt).toBeLessThan(LOCK_MS * 3 + 2000);
      }
    }
    const final = await waitForJob(`${stack.url}/file/${token}/status`, 60_000);
    expect(final).toEqual({ status: 'errored', error: expect.stringMatching(/job stalled more than allowable limit$/) as unknown });
    // The third start found the two crashes and went no further.
    expect(await starts()).toBe(3);
  }, 90_000);
});
