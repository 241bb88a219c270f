import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, waitUntil, type AppUnderTest } from '../support/processes.js';
import { rawConnection } from '../support/rawHttp.js';

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

  it('refuses a data field given twice with 400 (the form makes it an array)', async () => {
    const response = await feed('data=a&data=b');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'data: Invalid input: expected string, received array' });
  });

  it('refuses a multipart body that does not parse with 400, saying so', async () => {
    const response = await feed('garbage', { 'Content-Type': 'multipart/form-data; boundary=XyZ' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'Malformed FormData request. Failed to parse body as FormData.' });
  });

  it('refuses a body without a Content-Type with 415, and judges an empty one as an empty form', async () => {
    const withBody = await fetch(`${sut.url}/multivac/data`, { method: 'POST', body: new Blob(['data=x']) });
    expect(withBody.status).toBe(415);
    expect(((await withBody.json()) as { error: string }).error).toMatch(/Content-Type "\(none\)"/);
    const empty = await fetch(`${sut.url}/multivac/data`, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: 'data: Invalid input: expected string, received undefined' });
  });

  it('refuses a Content-Type it does not take at once, without waiting for the body', async () => {
    const connection = rawConnection(Number(new URL(sut.url).port));
    connection.send(['POST /multivac/data HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 100'], '{"data"');
    const answer = await connection.answer();
    expect(answer.status).toBe(415);
    connection.socket.destroy();
  });

  it('takes a body sent in chunks, and answers 405 to PUT', async () => {
    const connection = rawConnection(Number(new URL(sut.url).port));
    connection.send(['POST /multivac/data HTTP/1.1', 'Host: x', 'Content-Type: application/x-www-form-urlencoded', 'Transfer-Encoding: chunked'], '5\r\ndata=\r\n');
    connection.write('5\r\nchunk\r\n0\r\n\r\n');
    expect(await connection.answer()).toMatchObject({ status: 200, body: JSON.stringify({ response: 'MultiVAC updated!' }) });
    connection.send(['PUT /multivac/data HTTP/1.1', 'Host: x', 'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 6'], 'data=x');
    expect(await connection.answer(1)).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    connection.socket.destroy();
  });
});
