import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../../app/http/serveApp.js';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { createApp } from '../../app/server.js';
import { waitUntil } from '../support/processes.js';
import { rawConnection } from '../support/rawHttp.js';

/**
 * The app in this process, served the way `scalewright app` serves it, with a stand-in for the job
 * queues (no Redis): what is tested here ends before a job would run. Short timeouts: an upload may
 * pause up to 300 ms between bytes, any other request gets 200 ms.
 */
const IDLE_MS = 300;
let root: string;
let dirs: { data: string; output: string; uploads: string };
let server: Server;
let port: number;
const enqueued: Array<{ type: string; bytes: number }> = [];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-uploads-'));
  dirs = { data: join(root, 'data'), output: join(root, 'output'), uploads: join(root, 'uploads') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  await mkdir(join(dirs.data, 'sub'));
  await writeFile(join(dirs.data, 'small.txt'), '2 4 6');
  await writeFile(join(dirs.data, 'hang.txt'), '2 4 6');
  const config = loadAppConfig({
    DATA_DIR: dirs.data,
    OUTPUT_DIR: dirs.output,
    UPLOAD_DIR: dirs.uploads,
    UPLOAD_LIMIT: '64KiB',
    UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_MS),
    REQUEST_TIMEOUT_MS: '200',
  });
  // A job for hang.txt is never accepted: the app is the one that is late.
  const queues = {
    enqueueFileJob: async (type: string, source: unknown, bytes: number) =>
      JSON.stringify(source).includes('hang.txt') ? new Promise<never>(() => undefined) : void enqueued.push({ type, bytes }),
  };
  const deps = { config, logger: pino({ level: 'silent' }), registry: new Registry(), queues } as unknown as AppDeps;
  app = createApp(deps);
  server = await serveApp(app.fetch, 0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * A POST whose chunked body the test writes piece by piece (`send`), and may never finish.
 * `answer` is the response; `closed` settles when the connection is gone.
 */
function openUpload(path: string, contentType = 'text/plain') {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'Content-Type': contentType } });
  req.on('error', () => undefined); // the server may close the connection under an unfinished body
  const closed = new Promise<void>((done) => req.once('close', () => done()));
  const answer = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      response.on('error', reject);
    });
  });
  req.flushHeaders();
  return { req, answer, closed, send: (text: string) => new Promise<void>((done) => req.write(text, () => done())) };
}

const postJson = (path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('uploads have no total time limit, only an idle one (UPLOAD_IDLE_TIMEOUT_MS)', () => {
  it('serves with Node\'s requestTimeout off and its headersTimeout kept', () => {
    expect(server.requestTimeout).toBe(0);
    expect(server.headersTimeout).toBeGreaterThan(0);
  });

  it.each(['/evensum', '/file'])('%s: answers a stalled upload 408 with a message, removes the partial file and closes the connection', async (path) => {
    const upload = openUpload(path);
    await upload.send('2 4 6 8 ');
    const { status, body } = await upload.answer;
    expect(status).toBe(408);
    expect(body).toEqual({ error: `upload stalled: no bytes for ${IDLE_MS} ms` });
    expect(await readdir(dirs.uploads)).toEqual([]);
    await upload.closed; // the server does not keep waiting for the rest of the body
  });

  it('keeps an upload that sends slowly, for longer than both the idle timeout and REQUEST_TIMEOUT_MS', async () => {
    enqueued.length = 0;
    const upload = openUpload('/evensum');
    let sent = 0;
    for (let piece = 0; piece < 12; piece++) {
      await upload.send('10 ');
      sent += 3;
      await sleep(IDLE_MS / 3);
    }
    upload.req.end();
    const { status, body } = await upload.answer;
    expect(status).toBe(201);
    expect(body).toMatchObject({ token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(enqueued).toEqual([{ type: 'evensum', bytes: sent }]);
    const [file] = await readdir(dirs.uploads);
    expect((await stat(join(dirs.uploads, file as string))).size).toBe(sent);
    await rm(join(dirs.uploads, file as string));
  });

  it('still answers an upload over UPLOAD_LIMIT with 413, leaving no partial file', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/file`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'word '.repeat(20_000) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/limit of 65536 bytes/);
    expect(await readdir(dirs.uploads)).toEqual([]);
  });

  it('removes the partial file when the client goes away mid-upload', async () => {
    const upload = openUpload('/evensum');
    await upload.send('2 4 6 8 ');
    await waitUntil('the upload file to appear', async () => (await readdir(dirs.uploads)).length === 1);
    upload.req.destroy();
    await waitUntil('the partial upload to be removed', async () => (await readdir(dirs.uploads)).length === 0);
  });

  it('takes an upload through the web stream of the request too (app.request, no Node request)', async () => {
    const response = await app.request('/evensum', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '2 4' });
    expect(response.status).toBe(201);
    await rm(dirs.uploads, { recursive: true, force: true });
    await mkdir(dirs.uploads);
  });

  it.each([
    ['a non-upload route that reads its whole body first (/messages)', '/messages', 'application/json'],
    ['the JSON form of /file', '/file', 'application/json'],
    ['the JSON form of /evensum', '/evensum', 'application/json; charset=utf-8'],
  ])('still ends %s whose body never finishes: 408 after REQUEST_TIMEOUT_MS (the client is late, not the app), then the connection closes', async (_case, path, contentType) => {
    const request = openUpload(path, contentType);
    await request.send('{"path": "sm');
    const { status, body } = await request.answer;
    expect(status).toBe(408);
    expect(JSON.stringify(body)).toMatch(/request body not received within 200 ms/);
    await request.closed;
  });

  it('answers 503 when the body is all there and the app is what takes too long', async () => {
    const response = await postJson('/file', { path: 'hang.txt' });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'no answer within 200 ms' });
  });
});

describe('an answer given before the whole body has arrived closes the connection', () => {
  // The rest of that body may still be on its way, or never come: reading it to keep the
  // connection would be waiting on a stalled client or reading gigabytes for nothing.
  const post = (path: string, contentType: string, contentLength: number) =>
    [`POST ${path} HTTP/1.1`, 'Host: localhost', `Content-Type: ${contentType}`, `Content-Length: ${contentLength}`];

  it.each(['/evensum', '/file'])('%s: a stalled upload gets 408 with Connection: close, then the server ends the connection', async (path) => {
    const connection = rawConnection(port);
    connection.send(post(path, 'text/plain', 100_000), '2 4 6 8 ');
    const answer = await connection.answer();
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: `upload stalled: no bytes for ${IDLE_MS} ms` });
    await connection.ended;
  });

  it('an upload over UPLOAD_LIMIT gets 413 with Connection: close, then the server ends the connection', async () => {
    const connection = rawConnection(port);
    connection.send(post('/evensum', 'text/plain', 1_000_000), '2 '.repeat(50_000)); // 100 kB of the 1 MB announced
    const answer = await connection.answer();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    await connection.ended;
    expect(await readdir(dirs.uploads)).toEqual([]);
  });

  it('a JSON body still arriving after REQUEST_TIMEOUT_MS gets 408 with Connection: close, then the server ends the connection', async () => {
    const connection = rawConnection(port);
    connection.send(post('/messages', 'application/json', 100), '{"message": "fo');
    const answer = await connection.answer();
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ err_msg: 'request body not received within 200 ms' });
    await connection.ended;
  });

  it('a JSON body over JSON_BODY_LIMIT gets 413 with Connection: close, then the server ends the connection', async () => {
    const connection = rawConnection(port);
    connection.send(post('/messages', 'application/json', 2 * 1024 * 1024), '{"message": "');
    const answer = await connection.answer();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    await connection.ended;
  });

  it('keeps the connection after an error answer to a request whose body was read whole', async () => {
    const connection = rawConnection(port);
    const body = JSON.stringify({ path: 'missing.txt' });
    connection.send(post('/file', 'application/json', body.length), body);
    const first = await connection.answer(0);
    expect(first.status).toBe(404);
    expect(first.headers.connection).toBe('keep-alive');
    connection.send(['GET /healthz HTTP/1.1', 'Host: localhost']);
    expect((await connection.answer(1)).status).toBe(200);
    connection.socket.destroy();
  });
});

describe('an upload is told by its Content-Type, and has bytes', () => {
  const FILE_TYPES = 'application/json, text/plain or application/octet-stream';
  const head = (path: string, contentType: string | null, ...lines: string[]) =>
    [`POST ${path} HTTP/1.1`, 'Host: localhost', ...(contentType === null ? [] : [`Content-Type: ${contentType}`]), ...lines];
  const noBytes = [
    ['no body at all', [], ''],
    ['Content-Length: 0', ['Content-Length: 0'], ''],
    ['a chunked body of no bytes', ['Transfer-Encoding: chunked'], '0\r\n\r\n'],
  ] as const;
  const someBytes = [
    ['a body', ['Content-Length: 6'], '2 4 6\n'],
    ['a chunked body', ['Transfer-Encoding: chunked'], '6\r\n2 4 6\n\r\n0\r\n\r\n'],
  ] as const;
  const paths = ['/file', '/evensum'] as const;

  it.each(paths.flatMap((path) => [...noBytes, ...someBytes].map(([body, lines, bytes]) => [path, body, lines, bytes] as const)))(
    '%s refuses a request without a Content-Type and with %s: 415 naming the Content-Types it takes; no file, no job',
    async (path, _body, lines, bytes) => {
      enqueued.length = 0;
      const connection = rawConnection(port);
      connection.send(head(path, null, ...lines), bytes);
      const answer = await connection.answer();
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body)).toEqual({ error: `Content-Type "(none)" is not accepted by POST ${path}, which takes ${FILE_TYPES}; see /openapi.json` });
      connection.socket.destroy();
      expect(await readdir(dirs.uploads)).toEqual([]);
      expect(enqueued).toEqual([]);
    },
  );

  it.each(paths)('%s refuses a request without a Content-Type from its headers, without waiting for a body that does not come, and answers it as the other routes\' 415s', async (path) => {
    // The route's validator read a copy of the body to find out whether there was one: a body
    // announced and never sent got no answer at all (an upload has no REQUEST_TIMEOUT_MS).
    const connection = rawConnection(port);
    connection.send(head(path, null, 'Content-Length: 100'));
    const answer = await connection.answer();
    expect(answer.status).toBe(415);
    const messages = rawConnection(port);
    messages.send(head('/messages', null, 'Content-Length: 100'));
    expect((await messages.answer()).headers.connection).toBe(answer.headers.connection);
    messages.socket.destroy();
    await connection.closed; // the server does not wait for that body for ever either
    expect(await readdir(dirs.uploads)).toEqual([]);
  });

  it.each(paths.flatMap((path) => ['text/plain', 'application/octet-stream'].flatMap((contentType) => noBytes.map(([body, lines, bytes]) => [path, contentType, body, lines, bytes] as const))))(
    '%s refuses an upload (%s) of %s with 400 saying what to send instead; no file, no job, the connection kept',
    async (path, contentType, _body, lines, bytes) => {
      enqueued.length = 0;
      const connection = rawConnection(port);
      connection.send(head(path, contentType, ...lines), bytes);
      const answer = await connection.answer();
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        error: 'the request body is empty: send the file to upload as the body (text/plain or application/octet-stream), or {"path": ...} as application/json to name a file in the data directory',
      });
      expect(answer.headers.connection).toBe('keep-alive');
      connection.socket.destroy();
      expect(await readdir(dirs.uploads)).toEqual([]);
      expect(enqueued).toEqual([]);
    },
  );

  it('refuses an empty upload through the web stream of the request too (app.request, no Node request)', async () => {
    enqueued.length = 0;
    for (const body of [undefined, '']) {
      const response = await app.request('/evensum', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/^the request body is empty: /);
    }
    expect(await readdir(dirs.uploads)).toEqual([]);
    expect(enqueued).toEqual([]);
  });

  it('still takes an upload of one byte', async () => {
    enqueued.length = 0;
    const response = await fetch(`http://127.0.0.1:${port}/file`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'x' });
    expect(response.status).toBe(201);
    expect(enqueued).toEqual([{ type: 'wordcount', bytes: 1 }]);
    await rm(dirs.uploads, { recursive: true, force: true });
    await mkdir(dirs.uploads);
  });
});

describe('paths the file system refuses', () => {
  it.each([
    ['a name longer than the file system allows', 'a'.repeat(256), 400, /^path too long: .*file system's limit/],
    ['a name too long deeper in the path', `sub/${'b'.repeat(300)}/x.txt`, 400, /^path too long/],
    ['the data directory itself', '.', 400, /not a regular file/],
    ['a path back to the data directory', 'sub/..', 400, /not a regular file/],
    ['a path through a file', 'small.txt/x', 404, /no such file/],
    ['a path longer than PATH_MAX (4096 bytes), even of short names', 'a/'.repeat(2250), 400, /^path too long: .*file system's limit$/],
    ['a file named with a trailing slash (a folder, by its form)', 'small.txt/', 400, /^not a regular file: small\.txt\/$/],
    ['a file named with a last `.` segment', 'small.txt/.', 400, /^not a regular file/],
    ['a file named with a last `..` segment', 'small.txt/x/..', 400, /^not a regular file/],
    ['a folder named with a trailing slash', 'sub/', 400, /^not a regular file/],
  ])('/file and /evensum refuse %s with a status and a message', async (_case, path, status, pattern) => {
    for (const base of ['/file', '/evensum']) {
      const response = await postJson(base, { path });
      expect(response.status, base).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(pattern);
    }
  });
});

describe('compressed bodies', () => {
  it('are refused with 415 naming the Content-Encoding (the body would be read as its compressed bytes)', async () => {
    for (const path of ['/evensum', '/messages']) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }, body: 'not really gzip' });
      expect(response.status).toBe(415);
      expect(JSON.stringify(await response.json())).toContain('Content-Encoding \\"gzip\\" is not accepted: send the body uncompressed');
    }
    expect(await readdir(dirs.uploads)).toEqual([]);
  });

  /** One request written by hand on its own connection, and its answer. */
  async function exchange(head: string[], body = '') {
    const connection = rawConnection(port);
    connection.send(head, body);
    const answer = await connection.answer();
    connection.socket.destroy();
    return answer;
  }
  const withoutDate = ({ date: _date, ...headers }: Record<string, string>) => headers;

  // The counterexample: `GET /healthz` with `Content-Encoding: gzip` and no body was refused with
  // 415, as if it had a compressed body to read.
  it.each([
    ['GET', '/healthz'],
    ['HEAD', '/healthz'],
    ['DELETE', '/messages'],
    ['GET', '/nowhere'],
  ])('a request without a body has nothing compressed: %s %s with Content-Encoding: gzip is answered as without it', async (method, path) => {
    const head = [`${method} ${path} HTTP/1.1`, 'Host: localhost'];
    const plain = await exchange(head);
    const compressed = await exchange([...head, 'Content-Encoding: gzip']);
    expect(plain.status).not.toBe(415);
    expect({ ...compressed, headers: withoutDate(compressed.headers) }).toEqual({ ...plain, headers: withoutDate(plain.headers) });
  });

  it('nor does a body of no bytes (Content-Length: 0): its route judges the request as without the header', async () => {
    const head = ['POST /multivac/data HTTP/1.1', 'Host: localhost', 'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 0'];
    const answer = await exchange([...head, 'Content-Encoding: gzip']);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'data: Invalid input: expected string, received undefined' });
  });

  it.each([
    ['a chunked body (judged from its headers, before it is read)', 'POST /messages', 'gzip', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], '2\r\n{}\r\n0\r\n\r\n', 'err_msg'],
    ['a body sent with a GET', 'GET /healthz', 'gzip', ['Content-Length: 4'], 'abcd', 'error'],
    ['a coding named in capitals', 'POST /evensum', 'GZIP', ['Content-Type: text/plain', 'Content-Length: 5'], '2 4 6', 'error'],
  ])('a compressed body is still refused with 415: %s', async (_case, request, coding, lines, body, key) => {
    const answer = await exchange([`${request} HTTP/1.1`, 'Host: localhost', ...lines, `Content-Encoding: ${coding}`], body);
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body)).toEqual({ [key]: 'Content-Encoding "gzip" is not accepted: send the body uncompressed' });
    expect(await readdir(dirs.uploads)).toEqual([]);
  });
});
