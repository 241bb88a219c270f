/**
 * Redis unreachable for a while (the link to it cut: every connection closed, new ones refused)
 * while a job waits in its queue or runs. Redis keeps its data; once it can be reached again the
 * job goes on to finish, with the right result: nothing the app answered 201 for is lost. The real
 * app and worker processes, reaching a redis-server of the test's own through a link the test cuts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWordCountStack, type LinkedWordCountStack } from '../support/wordCountStack.js';
import { logLines, waitForJob, waitUntil, type RunningProcess } from '../support/processes.js';

// ~27 MB of distinct words in one chunk: seconds of work for one worker, time enough to cut the link.
const WORDS = 3_000_000;

let stack: LinkedWordCountStack;

beforeAll(async () => {
  stack = await startWordCountStack({ words: WORDS, tmpPrefix: 'sw-redis-blip-', throughLink: 'app and workers' });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const outages = (worker: RunningProcess, msg: string) => logLines(worker.output()).filter((line) => line.msg === msg).length;

async function checkWordCount(token: string): Promise<void> {
  expect(await waitForJob(`${stack.url}/file/${token}/status`, 90_000)).toEqual({ status: 'finished' });
  await stack.expectAllWordsCounted(token);
}

describe('Redis unreachable for a while', () => {
  it('while a job waits for a worker: the job is run once Redis is back', async () => {
    const { url, link } = stack;
    const response = await fetch(`${url}/multivac/data`, { method: 'POST', body: new URLSearchParams({ data: 'let there be light' }) });
    expect(response.status).toBe(200);
    link.cut();
    await waitUntil('the app to see it', async () => (await fetch(`${url}/readyz`)).status === 503);
    link.restore();
    await waitUntil('the app to be ready again', async () => (await fetch(`${url}/readyz`)).status === 200);
    await stack.startWorker();
    await waitUntil('the datum to be learnt', async () => (await (await fetch(`${url}/multivac`)).text()) === 'LET THERE BE LIGHT.');
  });

  it('while a job runs: it goes on to finish once Redis is back, with the right result', async () => {
    const { url, link } = stack;
    const worker = stack.workers[0] ?? (await stack.startWorker());
    const { token } = await stack.submitWordCount();
    await waitUntil('the job to run', async () => ((await (await fetch(`${url}/file/${token}/status`)).json()) as { status: string }).status === 'received');
    link.cut();
    await waitUntil('the worker to see the outage', async () => outages(worker, 'redis unreachable; retrying until it answers') > 0);
    link.restore();
    await checkWordCount(token);
    expect(outages(worker, 'redis reachable again')).toBeGreaterThan(0);
  }, 120_000);
});
