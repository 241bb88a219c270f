import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, type AppUnderTest } from '../support/processes.js';
import { rawConnection } from '../support/rawHttp.js';

const FOO_DIGEST = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';
let sut: AppUnderTest;

beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 1, worker: false, env: { JSON_BODY_LIMIT: '4096' } });
});
afterAll(async () => sut?.stop());

const post = (body: string, contentType = 'application/json') =>
  fetch(`${sut.url}/messages`, { method: 'POST', headers: { 'Content-Type': contentType }, body });

describe('POST /messages', () => {
  it('answers 201 with the sha256 hex digest of the UTF-8 message', async () => {
    const response = await post(JSON.stringify({ message: 'foo' }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ digest: FOO_DIGEST });
  });

  it('hashes the UTF-8 bytes, so non-ASCII messages round-trip', async () => {
    const response = await post(JSON.stringify({ message: 'héllo wörld 🌍' }));
    const { digest } = (await response.json()) as { digest: string };
    expect(digest).toBe(createHash('sha256').update(Buffer.from('héllo wörld 🌍', 'utf8')).digest('hex'));
    const back = await fetch(`${sut.url}/messages/${digest}`);
    expect(await back.json()).toEqual({ message: 'héllo wörld 🌍' });
  });

  it('accepts a character written as an escaped surrogate pair: only an unpaired half is refused', async () => {
    const response = await post('{"message": "\\ud83d\\ude00"}');
    expect(response.status).toBe(201);
    const { digest } = (await response.json()) as { digest: string };
    expect(await (await fetch(`${sut.url}/messages/${digest}`)).json()).toEqual({ message: '😀' });
  });

  it.each([
    ['a missing message', JSON.stringify({}), /message/],
    ['a non-string message', JSON.stringify({ message: 42 }), /message/],
    ['a null message', JSON.stringify({ message: null }), /message/],
    ['a JSON array', JSON.stringify(['foo']), /.+/],
    ['malformed JSON', '{"message": "foo"', /JSON/i],
    ['a message with a lone surrogate, which names no character and would come back as another', '{"message": "a\\ud800b"}', /^message: not well-formed Unicode: it holds a lone surrogate/],
  ])('refuses %s with 400 and an err_msg', async (_case, body, pattern) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { err_msg: string };
    expect(answer.err_msg).toMatch(pattern);
  });

  it('refuses a body that is not JSON by its Content-Type with a 4xx and an err_msg', async () => {
    const response = await post('message=foo', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect(((await response.json()) as { err_msg: string }).err_msg).toMatch(/Content-Type/);
  });

  it('refuses an empty body with 400', async () => {
    const response = await fetch(`${sut.url}/messages`, { method: 'POST' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.json()).toHaveProperty('err_msg');
  });

  it('refuses a body sent without a Content-Type with 415 (an empty one is judged as `{}`)', async () => {
    const response = await fetch(`${sut.url}/messages`, { method: 'POST', body: new Blob([JSON.stringify({ message: 'foo' })]) });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { err_msg: string }).err_msg).toMatch(/Content-Type "\(none\)"/);
  });

  it('refuses a Content-Type it does not take at once, without waiting for the body (no 408 for a stalled one)', async () => {
    for (const contentType of ['Content-Type: text/plain', null]) {
      const connection = rawConnection(Number(new URL(sut.url).port));
      connection.send(['POST /messages HTTP/1.1', 'Host: x', ...(contentType ? [contentType] : []), 'Content-Length: 100'], '{"message"');
      expect((await connection.answer()).status, String(contentType)).toBe(415);
      connection.socket.destroy();
    }
  });

  it('reads the body as Request.text() would: a leading byte-order mark is dropped', async () => {
    const response = await post(`\uFEFF${JSON.stringify({ message: 'foo' })}`);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ digest: FOO_DIGEST });
  });

  it('refuses a body that is not UTF-8 with 400 saying where, instead of storing U+FFFD in place of the bytes sent', async () => {
    const response = await fetch(`${sut.url}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ err_msg: 'request body is not valid UTF-8 (at byte 12)' });
    // What the replacing decoder made of it was never stored.
    const replaced = createHash('sha256').update('\uFFFD\uFFFD', 'utf8').digest('hex');
    expect((await fetch(`${sut.url}/messages/${replaced}`)).status).toBe(404);
  });

  it('takes a body sent in chunks, without Content-Length', async () => {
    const answer = await postChunks(['{"mess', 'age": "foo"}']);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toEqual({ digest: FOO_DIGEST });
  });

  it('refuses a body sent in chunks with 413 once it passes JSON_BODY_LIMIT, and closes the connection', async () => {
    const answer = await postChunks(['{"message": "', 'x'.repeat(3000), 'x'.repeat(3000), '"}']);
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ err_msg: 'request body exceeds the limit of 4096 bytes' });
  });

  it('refuses a body over JSON_BODY_LIMIT with 413 and stores nothing', async () => {
    const response = await post(JSON.stringify({ message: 'x'.repeat(5000) }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { err_msg: string }).err_msg).toMatch(/4096 bytes/);
  });
});

/** POST /messages with a body written in chunks (Transfer-Encoding: chunked), through Node's client. */
function postChunks(chunks: string[]): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const sending = request(`${sut.url}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
    });
    // The server may answer 413 and close before the last chunk: what was not sent is not an error here.
    sending.on('error', (error) => (error.message.includes('EPIPE') || error.message.includes('ECONNRESET') ? undefined : reject(error)));
    for (const chunk of chunks) sending.write(chunk);
    sending.end();
  });
}

describe('GET /messages/{digest}', () => {
  it('answers the message stored under a digest', async () => {
    await post(JSON.stringify({ message: 'foo' }));
    const response = await fetch(`${sut.url}/messages/${FOO_DIGEST}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'foo' });
  });

  it('accepts the digest in upper case too', async () => {
    await post(JSON.stringify({ message: 'foo' }));
    const response = await fetch(`${sut.url}/messages/${FOO_DIGEST.toUpperCase()}`);
    expect(await response.json()).toEqual({ message: 'foo' });
  });

  it.each([
    ['an unknown digest', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['a truncated digest (the seed example)', '2c26b46b68ffc68ff99b453c1d30413413422d706483'],
    ['something that is not hex at all', 'not-a-digest'],
  ])('answers 404 Message not found for %s', async (_case, digest) => {
    const response = await fetch(`${sut.url}/messages/${digest}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ err_msg: 'Message not found' });
  });
});
