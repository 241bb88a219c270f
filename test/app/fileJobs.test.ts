import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, waitForJob, waitUntil, type AppUnderTest } from '../support/processes.js';
import { rawConnection } from '../support/rawHttp.js';

let sut: AppUnderTest;
let redis: Redis;
beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 4, env: { UPLOAD_LIMIT: '64KiB', JSON_BODY_LIMIT: '2048' } });
  redis = new Redis(sut.env.REDIS_URL as string);
  await writeFile(join(sut.dirs.data, 'small.txt'), 'the cat The dog\r\nthe END\tend');
  await mkdir(join(sut.dirs.data, 'nested'), { recursive: true });
  await writeFile(join(sut.dirs.data, 'nested', 'numbers.txt'), '1 2 3 4\n-6, +8\n99999999999999999999999999999998\n');
  await writeFile(join(sut.dirs.data, 'bad-numbers.txt'), '2 4\n6 x7 8\n');
  await writeFile(join(sut.dirs.data, '..hidden'), 'a name that starts with two dots is still inside');
  await symlink('/etc/hostname', join(sut.dirs.data, 'escape'));
  await symlink('small.txt', join(sut.dirs.data, 'inside-link'));
});
afterAll(async () => {
  redis?.disconnect();
  await sut?.stop();
});

/** The BullMQ records of the jobs in this app's Redis database (a job, or one of its chunks). */
const jobKeys = async () => (await redis.keys('bull:*')).filter((key) => /^bull:[a-z-]+:[0-9a-f]{32}(-\d+)?$/.test(key));

const postJson = (path: string, body: unknown) =>
  fetch(`${sut.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function runJob(base: string, response: Response) {
  expect(response.status).toBe(201);
  const { token } = (await response.json()) as { token: string };
  expect(token).toMatch(/^[0-9a-f]{32}$/);
  const status = await waitForJob(`${sut.url}${base}/${token}/status`);
  return { token, status, result: await fetch(`${sut.url}${base}/${token}/result`) };
}

describe('POST /file: word count of a file under DATA_DIR', () => {
  it('counts words into a result file in OUTPUT_DIR and answers it at /file/{token}/result', async () => {
    const { status, result } = await runJob('/file', await postJson('/file', { path: 'small.txt' }));
    expect(status).toEqual({ status: 'finished' });
    expect(result.status).toBe(200);
    const text = await result.text();
    expect(text).toBe('the 3\nend 2\ncat 1\ndog 1\n');
    const output = result.headers.get('x-output-file') as string;
    expect(await readdir(sut.dirs.output)).toContain(output);
    expect(await readFile(join(sut.dirs.output, output), 'utf8')).toBe(text);
  });

  it('follows a symlink that stays inside DATA_DIR', async () => {
    const { status } = await runJob('/file', await postJson('/file', { path: 'inside-link' }));
    expect(status.status).toBe('finished');
  });

  it('accepts a name that merely starts with two dots', async () => {
    const { status } = await runJob('/file', await postJson('/file', { path: '..hidden' }));
    expect(status.status).toBe('finished');
  });

  it('counts an uploaded body (text/plain) the same way', async () => {
    const response = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'b a b\n' });
    const { result } = await runJob('/file', response);
    expect(await result.text()).toBe('b 2\na 1\n');
    // The worker removes the upload once BullMQ has recorded the job as finished, so a client can
    // see the result a moment before the upload is gone.
    await waitUntil('the upload to be removed', async () => (await readdir(sut.dirs.uploads)).length === 0);
  });

  it.each([
    ['an absolute path', { path: '/etc/passwd' }, 400, /absolute/],
    ['a path climbing out with ..', { path: '../../etc/passwd' }, 403, /outside/],
    ['a path climbing out through a folder', { path: 'nested/../../x' }, 403, /outside/],
    ['a symlink leading outside', { path: 'escape' }, 403, /outside/],
    ['a missing file', { path: 'nope.txt' }, 404, /no such file/],
    ['a folder', { path: 'nested' }, 400, /not a regular file/],
    ['the data directory itself', { path: '.' }, 400, /not a regular file/],
    ['a path back to the data directory', { path: 'nested/..' }, 400, /not a regular file/],
    ['a name longer than the file system allows', { path: 'a'.repeat(256) }, 400, /^path too long: .*file system's limit/],
    ['a path through a file', { path: 'small.txt/x' }, 404, /no such file/],
    ['an empty path', { path: '' }, 400, /path/],
    ['a non-string path', { path: 7 }, 400, /path/],
    ['no path at all', { file: 'small.txt' }, 400, /path/],
    ['a NUL byte', { path: 'small.txt\u0000.png' }, 400, /NUL/],
  ])('refuses %s (%j) with %i and a message', async (_case, body, status, pattern) => {
    const response = await postJson('/file', body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(pattern);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"path":' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/JSON/);
  });

  it('refuses an oversized JSON body with 413', async () => {
    const response = await postJson('/file', { path: 'x'.repeat(4000) });
    expect(response.status).toBe(413);
  });

  it('refuses an upload over UPLOAD_LIMIT with 413 and leaves no partial file and no job', async () => {
    const response = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'word '.repeat(20_000) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/limit of 65536 bytes/);
    expect(await readdir(sut.dirs.uploads)).toEqual([]);
  });

  it('refuses a Content-Type it does not take with 415', async () => {
    const response = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: 'x' });
    expect(response.status).toBe(415);
  });

  it('refuses a request without a Content-Type with 415 naming the Content-Types it takes, with a body or without one', async () => {
    for (const body of [new Blob(['b a b\n']), undefined]) {
      const response = await fetch(`${sut.url}/file`, { method: 'POST', body });
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({
        error: 'Content-Type "(none)" is not accepted by POST /file, which takes application/json, text/plain or application/octet-stream; see /openapi.json',
      });
    }
    expect(await readdir(sut.dirs.uploads)).toEqual([]);
  });

  it('refuses an empty upload to /file and /evensum with 400 saying what to send instead; no file is kept and no job queued', async () => {
    const before = new Set(await jobKeys());
    for (const base of ['/file', '/evensum']) {
      for (const contentType of ['text/plain', 'application/octet-stream']) {
        const response = await fetch(`${sut.url}${base}`, { method: 'POST', headers: { 'Content-Type': contentType }, body: '' });
        expect(response.status, `${base} ${contentType}`).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(/^the request body is empty: send the file to upload as the body \(text\/plain or application\/octet-stream\), or \{"path": \.\.\.\} as application\/json/);
      }
    }
    expect(await readdir(sut.dirs.uploads)).toEqual([]);
    expect((await jobKeys()).filter((key) => !before.has(key))).toEqual([]);
    // One byte is an upload, and its job is seen where none was seen above.
    const { token } = await runJob('/evensum', await fetch(`${sut.url}/evensum`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '2' }));
    expect(await jobKeys()).toContain(`bull:evensum:${token}`);
    await waitUntil('the upload to be removed', async () => (await readdir(sut.dirs.uploads)).length === 0);
  });

  it('takes a text upload whose Content-Type mentions json in a parameter as the upload it says it is', async () => {
    const response = await fetch(`${sut.url}/file`, { method: 'POST', headers: { 'Content-Type': 'text/plain; name=json' }, body: 'json json' });
    const { status, result } = await runJob('/file', response);
    expect(status).toEqual({ status: 'finished' });
    expect(await result.text()).toBe('json 2\n');
  });

  it('refuses a JSON body whose Content-Type it does not take at once, without waiting for the body', async () => {
    const connection = rawConnection(Number(new URL(sut.url).port));
    connection.send(['POST /file HTTP/1.1', 'Host: x', 'Content-Type: application/jsonx', 'Content-Length: 100'], '{"path"');
    expect((await connection.answer()).status).toBe(415);
    connection.socket.destroy();
  });

  it('answers 404 for unknown tokens, and for a token of another kind of job', async () => {
    expect((await fetch(`${sut.url}/file/${'a'.repeat(32)}/status`)).status).toBe(404);
    expect((await fetch(`${sut.url}/file/${'a'.repeat(32)}/result`)).status).toBe(404);
    const { token } = (await (await postJson('/evensum', { path: 'nested/numbers.txt' })).json()) as { token: string };
    expect((await fetch(`${sut.url}/file/${token}/status`)).status).toBe(404);
  });
});

describe('POST /evensum: exact sum of the even integers of a file', () => {
  it('sums the even integers of a file under DATA_DIR exactly, as a decimal string', async () => {
    const { status, result } = await runJob('/evensum', await postJson('/evensum', { path: 'nested/numbers.txt' }));
    expect(status.status).toBe('finished');
    const body = (await result.json()) as { sum: string; evenCount: number };
    // 2 + 4 - 6 + 8 + 99999999999999999999999999999998
    expect(body.sum).toBe((2n + 4n - 6n + 8n + 99999999999999999999999999999998n).toString());
    expect(body.evenCount).toBe(5);
  });

  it('sums an uploaded body', async () => {
    const response = await fetch(`${sut.url}/evensum`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '10,20,31' });
    const { result } = await runJob('/evensum', response);
    expect(((await result.json()) as { sum: string }).sum).toBe('30');
  });

  it('reports a file with a bad token as errored, naming the byte offset and line', async () => {
    const { status, result } = await runJob('/evensum', await postJson('/evensum', { path: 'bad-numbers.txt' }));
    expect(status.status).toBe('errored');
    expect(status.error).toMatch(/byte 6\b/);
    expect(status.error).toMatch(/line 2/);
    // No result, and never one: a 409 carrying the job's error (jobResults.test.ts).
    expect(result.status).toBe(409);
  });

  it('refuses path traversal exactly like /file', async () => {
    const response = await postJson('/evensum', { path: '../secret' });
    expect(response.status).toBe(403);
  });

  it('refuses a name too long for the file system, and the data directory itself, with 400 like /file', async () => {
    const tooLong = await postJson('/evensum', { path: 'a'.repeat(256) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: string }).error).toMatch(/^path too long/);
    for (const path of ['.', 'nested/..']) expect((await postJson('/evensum', { path })).status, path).toBe(400);
  });
});
