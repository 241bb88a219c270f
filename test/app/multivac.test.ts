import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, waitUntil, type AppUnderTest } from '../support/processes.js';

let sut: AppUnderTest;
beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 5, worker: false });
});
afterAll(async () => sut?.stop());

const feed = (body: URLSearchParams | FormData | string, headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' }) =>
  fetch(`${sut.url}/multivac/data`, { method: 'POST', headers, body });
const ask = async () => (await fetch(`${sut.url}/multivac`)).text();

describe('MultiVAC', () => {
  it('has insufficient data before any datum is processed, even once data are accepted but no worker runs', async () => {
    expect(await ask()).toBe('INSUFFICIENT DATA FOR MEANINGFUL ANSWER.');
    const response = await feed(new URLSearchParams({ data: 'entropy entropy stars' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response: 'MultiVAC updated!' });
    expect(await ask()).toBe('INSUFFICIENT DATA FOR MEANINGFUL ANSWER.');
  });

  it('answers from the processed data once a worker has processed them', async () => {
    await sut.startWorker();
    await waitUntil('MultiVAC to learn', async () => (await ask()) !== 'INSUFFICIENT DATA FOR MEANINGFUL ANSWER.');
    expect(await ask()).toBe('AFTER 1 DATA AND 2 DISTINCT WORDS, THE ANSWER IS: ENTROPY STARS.');
  });

  it('takes multipart form data too', async () => {
    const form = new FormData();
    form.set('data', 'stars stars stars');
    expect((await feed(form, {})).status).toBe(200);
    await waitUntil('the second datum', async () => (await ask()).startsWith('AFTER 2 DATA'));
    expect(await ask()).toBe('AFTER 2 DATA AND 2 DISTINCT WORDS, THE ANSWER IS: STARS ENTROPY.');
  });

  it('knows the last answer once it has been told', async () => {
    await feed(new URLSearchParams({ data: 'Let there be light' }));
    await waitUntil('the last answer', async () => (await ask()) === 'LET THERE BE LIGHT.');
  });

  it.each([
    ['no data field', new URLSearchParams({ other: 'x' })],
    ['an empty data field', new URLSearchParams({ data: '' })],
  ])('refuses %s with 400 and an error', async (_case, body) => {
    const response = await feed(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/data/);
  });

  it('refuses a JSON body with 415', async () => {
    const response = await feed(JSON.stringify({ data: 'x' }), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(415);
  });
});
