import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serveApp } from '../../app/http/serveApp.js';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { createApp } from '../../app/server.js';
import { coordinatePng } from '../support/coordinatePng.js';
import { handmadePng, pngChunk } from '../support/handmadePng.js';
import { waitUntil } from '../support/processes.js';
import { rawConnection } from '../support/rawHttp.js';

/**
 * POST /randomize on the app in this process, served the way `scalewright app` serves it, with
 * stand-ins for the blob store and the job queue (no Redis): what is tested here ends when the
 * job is queued. A request still unanswered after REQUEST_TIMEOUT_MS gets 408.
 */
const BODY_LIMIT = 2 * 1024 * 1024;
const MAX_PIXELS = 1_000_000;
const stored = new Map<string, Buffer>();
const enqueued: Array<{ type: string; bytes: number }> = [];
const servers: Server[] = [];
let appPort: number;

const deps = {
  config: loadAppConfig({ IMAGE_BODY_LIMIT: String(BODY_LIMIT), IMAGE_MAX_PIXELS: String(MAX_PIXELS), REQUEST_TIMEOUT_MS: '3000' }),
  logger: pino({ level: 'silent' }),
  registry: new Registry(),
  blobs: { put: async (key: string, bytes: Buffer) => void stored.set(key, bytes), delete: async (key: string) => void stored.delete(key) },
  queues: { enqueue: async (type: string, data: { bytes: number }) => void enqueued.push({ type, bytes: data.bytes }) },
} as unknown as AppDeps;

async function listen(fetch: Parameters<typeof serveApp>[0]): Promise<number> {
  const server = await serveApp(fetch, 0, '127.0.0.1');
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  appPort = await listen(createApp(deps).fetch);
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
});
beforeEach(() => {
  stored.clear();
  enqueued.length = 0;
});

/** A POST /randomize written by hand on a raw connection, its body to be sent piece by piece (`write`). */
function rawPost(port: number, head: Record<string, string | number>) {
  const connection = rawConnection(port);
  connection.send(['POST /randomize HTTP/1.1', 'Host: localhost', 'Content-Type: image/png', ...Object.entries(head).map(([name, value]) => `${name}: ${value}`)]);
  return connection;
}

const png = coordinatePng(250, 130);
/** The first 33 bytes (signature and IHDR) of a PNG of this size and bit depth, its CRC right. */
function headFor(width: number, height: number, bitDepth = 8): Buffer {
  const head = Buffer.from(png.subarray(0, 33));
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  head[24] = bitDepth;
  head.writeUInt32BE(crc32(head.subarray(12, 29)), 29);
  return head;
}
/** One chunk of a chunked request body. */
const chunked = (bytes: Uint8Array) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

describe('POST /randomize judges the signature and the IHDR as they arrive, and refuses without reading the rest', () => {
  it('a body that is not a PNG: 400 on its first bytes, with Connection: close, then the server ends the connection', async () => {
    const request = rawPost(appPort, { 'Content-Length': BODY_LIMIT });
    request.write(Buffer.from('GIF89a, and the other 2 MB never come'));
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([400, 'close']);
    expect(JSON.parse(answer.body)).toEqual({ error: 'not a PNG: the PNG signature is missing' });
    await request.closed;
    expect([stored.size, enqueued.length]).toEqual([0, 0]);
  });

  it('an invalid IHDR: 400 naming what is wrong, with Connection: close, then the server ends the connection', async () => {
    const request = rawPost(appPort, { 'Content-Length': png.length });
    request.write(headFor(250, 130, 3));
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([400, 'close']);
    expect(JSON.parse(answer.body)).toEqual({ error: 'corrupt PNG: bit depth 3 with colour type 6 (allowed: 8, 16)' });
    await request.closed;
  });

  it('an IHDR over IMAGE_MAX_PIXELS: 413 on the header alone, with Connection: close, then the server ends the connection', async () => {
    const request = rawPost(appPort, { 'Content-Length': BODY_LIMIT });
    request.write(headFor(1001, 1000));
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([413, 'close']);
    expect(JSON.parse(answer.body)).toEqual({ error: 'image has 1001×1000 pixels, more than the limit of 1000000' });
    await request.closed;
  });

  it('a head arriving a few bytes at a time is judged as it comes: refused once the IHDR shows what is wrong', async () => {
    const request = rawPost(appPort, { 'Content-Length': BODY_LIMIT });
    const head = headFor(2000, 2000);
    for (const [from, to] of [[0, 5], [5, 20], [20, 32]] as const) {
      request.write(head.subarray(from, to));
      await sleep(30);
    }
    request.write(head.subarray(32));
    expect((await request.answer()).status).toBe(413);
    await request.closed;
  });

  it('closes the connection after such a refusal even when the whole body had arrived: one rule, whatever the timing', async () => {
    const body = Buffer.from('GIF89a, a whole small body');
    const request = rawPost(appPort, { 'Content-Length': body.length });
    request.write(body);
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([400, 'close']);
    await request.closed;
  });

  it('keeps the connection after a refusal that needed the whole body (a CRC further in): the next request is answered on it', async () => {
    const corrupt = Buffer.from(png);
    corrupt[60] = (corrupt[60] as number) ^ 0x40;
    const request = rawPost(appPort, { 'Content-Length': corrupt.length });
    request.write(corrupt);
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([400, 'keep-alive']);
    expect(JSON.parse(answer.body)).toMatchObject({ error: expect.stringMatching(/^corrupt PNG: CRC mismatch/) });
    request.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitUntil('the answer to the next request', async () => request.received().includes('HTTP/1.1 200 OK'));
    request.socket.destroy();
  });
});

describe('POST /randomize holds an accepted PNG once', () => {
  it('stores the bytes sent as one buffer of exactly their size, and queues the job', async () => {
    const image = new PNG({ width: 400, height: 300 });
    image.data.set(randomBytes(image.data.length)); // 480 kB that do not compress
    const big = PNG.sync.write(image);
    const response = await fetch(`http://127.0.0.1:${appPort}/randomize`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: big });
    expect(response.status).toBe(201);
    const [bytes] = [...stored.values()];
    expect(bytes?.equals(big)).toBe(true);
    expect(bytes?.buffer.byteLength).toBe(big.length);
    expect(enqueued).toEqual([{ type: 'randomize', bytes: big.length }]);
  });

  it('accepts a PNG whose head arrives in pieces, a few bytes at a time, and the rest later', async () => {
    const request = rawPost(appPort, { 'Content-Length': png.length });
    for (const [from, to] of [[0, 3], [3, 17], [17, 40]] as const) {
      request.write(png.subarray(from, to));
      await sleep(20);
    }
    request.write(png.subarray(40));
    const answer = await request.answer();
    expect(answer.status).toBe(201);
    expect(stored.values().next().value?.equals(png)).toBe(true);
    request.socket.destroy();
  });
});

describe('POST /randomize refuses, with 400 and before any job, a PNG that breaks the chunk ordering rules', () => {
  const rgb = handmadePng({ width: 70, height: 61, bitDepth: 8, colourType: 2 });
  const gray = handmadePng({ width: 70, height: 61, bitDepth: 8, colourType: 0 });
  const idatAt = 33;
  const idat = (png: Buffer) => png.subarray(idatAt + 8, idatAt + 8 + png.readUInt32BE(idatAt));
  const submit = async (body: Buffer) => {
    const response = await fetch(`http://127.0.0.1:${appPort}/randomize`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('IDAT chunks with another chunk between them', async () => {
    const data = idat(rgb);
    const split = Buffer.concat([rgb.subarray(0, idatAt), pngChunk('IDAT', data.subarray(0, 100)), pngChunk('tEXt', Buffer.from('Comment\0between', 'latin1')), pngChunk('IDAT', data.subarray(100)), pngChunk('IEND')]);
    expect(await submit(split)).toEqual({ status: 400, body: { error: 'corrupt PNG: the IDAT chunks are not consecutive (a "tEXt" chunk at byte 145 comes between them)' } });
    expect([stored.size, enqueued.length]).toEqual([0, 0]);
  });

  it('a PLTE chunk in a grayscale image', async () => {
    const withPalette = Buffer.concat([gray.subarray(0, idatAt), pngChunk('PLTE', Buffer.alloc(6)), gray.subarray(idatAt)]);
    expect(await submit(withPalette)).toEqual({ status: 400, body: { error: 'corrupt PNG: a PLTE chunk at byte 33 in a grayscale image (colour type 0), which must have none' } });
    expect([stored.size, enqueued.length]).toEqual([0, 0]);
  });
});

describe('a chunked body (no Content-Length) is judged as it arrives too', () => {
  it('refuses a body that is not a PNG on its first chunk, and closes the connection', async () => {
    const request = rawPost(appPort, { 'Transfer-Encoding': 'chunked' });
    request.write(chunked(Buffer.from('GIF89a, first of many chunks')));
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([400, 'close']);
    await request.closed;
  });

  it('holds no more than IMAGE_BODY_LIMIT: 413 at the chunk past it, and closes the connection', async () => {
    const request = rawPost(appPort, { 'Transfer-Encoding': 'chunked' });
    request.write(chunked(png));
    const filler = Buffer.alloc(64 * 1024);
    for (let sent = png.length; sent <= BODY_LIMIT; sent += filler.length) request.write(chunked(filler));
    const answer = await request.answer();
    expect([answer.status, answer.headers.connection]).toEqual([413, 'close']);
    expect(JSON.parse(answer.body)).toEqual({ error: `request body exceeds the limit of ${BODY_LIMIT} bytes` });
    await request.closed;
    expect(stored.size).toBe(0);
  });
});
