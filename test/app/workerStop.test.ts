/**
 * A worker stopped (SIGTERM: scaled in, redeployed) while a job runs. It lets the job finish if it
 * can within the first half of SHUTDOWN_GRACE_MS, and otherwise hands it back to its queue, where
 * another worker takes it up at once. A stop is not a crash: however often the job's workers are
 * stopped under it, the job goes on to finish, with the right result. The real app and worker
 * processes, on a redis-server of the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWordCountStack, type WordCountStack } from '../support/wordCountStack.js';
import { logMessages, waitForJob, waitUntil } from '../support/processes.js';

// ~36 MB of distinct words in one chunk (CHUNK_BYTES in the stack): seconds of work for one worker.
const WORDS = 4_000_000;

let stack: WordCountStack;

beforeAll(async () => {
  // A short lock, so that a job left locked by a stopped worker would be noticed as stalled in
  // seconds; a short grace, so that the job is still running when it is up.
  stack = await startWordCountStack({ words: WORDS, tmpPrefix: 'sw-worker-stop-', env: { WORKER_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '2000' } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('a worker stopped in the middle of a job', () => {
  it('hands the job back, and another worker finishes it: twice in a row, the job still finishes with the right count', async () => {
    // starts(): how many times a worker has started the job's one chunk (BullMQ's own count).
    const { token, starts } = await stack.submitWordCount();

    for (let stop = 1; stop <= 2; stop++) {
      const worker = await stack.startWorker();
      await waitUntil(`start ${stop} of the chunk`, async () => (await starts()) === stop);
      expect(await worker.stop('SIGTERM'), worker.output()).toBe(0);
      expect(logMessages(worker.output()), worker.output()).toContain('job handed back: its worker is stopping');
    }
    await stack.startWorker();
    const final = await waitForJob(`${stack.url}/file/${token}/status`, 90_000);
    expect(final).toEqual({ status: 'finished' });
    await stack.expectAllWordsCounted(token);
    expect(await starts()).toBe(3);
  }, 150_000);
});
