/**
 * A connection that never sends a byte holds no socket for long: Node counts headersTimeout from
 * a new connection's accept, not from its first byte, so silence is answered as a late head is,
 * 408 in JSON, and the connection closed. Between requests keepAliveTimeout applies instead, and a
 * request whose head has come is not timed by headersTimeout at all. This pins that behaviour,
 * which the app relies on rather than keeping a timer of its own. A connection that sent nothing
 * made no request (a browser's preconnect): its 408 is not counted as a malformed request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTIONS_CHECKING_INTERVAL_MS, serveApp } from '../../app/http/serveApp.js';
import { rawConnection } from '../support/rawHttp.js';

const headersTimeoutMs = 500;
/** For a slow machine: still short of Node's keepAliveTimeout (5 s), and of for ever. */
const slackMs = 3_000;
const lateHead = { error: `request headers not received within ${headersTimeoutMs} ms` };

let server: Server;
let port: number;
const registry = new Registry();

beforeAll(async () => {
  // Echoes the body, so that a request whose body was paused shows it was read to its end; serves
  // the registry at /metrics, as the app does.
  server = await serveApp(
    async (request) => (new URL(request.url).pathname === '/metrics' ? new Response(await registry.metrics()) : new Response(await request.text())),
    0,
    '127.0.0.1',
    { headersTimeoutMs, registry },
  );
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
});

/** The value of one sample on /metrics (`http_malformed_requests_total{status="408"}`), 0 while it has none. */
async function scraped(sample: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
const lateHeads = 'http_malformed_requests_total{status="408"}';
const idleConnections = 'http_idle_connections_closed_total';

/** Whether `event` settles within `ms`. */
async function settlesWithin(event: Promise<void>, ms: number): Promise<boolean> {
  return Promise.race([event.then(() => true), sleep(ms).then(() => false)]);
}

describe('a connection that has not begun a request within headersTimeout of its accept', () => {
  it.each([
    ['one that sends nothing at all', ''],
    ['one that sends only empty lines, which begin no request', '\r\n\r\n'],
  ])('%s is answered 408 in JSON and closed, soon after headersTimeout', async (_case, bytes) => {
    const started = performance.now();
    const connection = rawConnection(port);
    if (bytes !== '') connection.write(bytes);
    expect(await settlesWithin(connection.closed, headersTimeoutMs + CONNECTIONS_CHECKING_INTERVAL_MS + slackMs)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(headersTimeoutMs);
    const answer = await connection.answer();
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual(lateHead);
  });
});

describe('a connection that has begun a request is timed as before', () => {
  it('is served, and kept open past headersTimeout for the next request (keepAliveTimeout is 5 s)', async () => {
    const connection = rawConnection(port);
    connection.send(['GET / HTTP/1.1', 'Host: localhost']);
    expect((await connection.answer(0)).status).toBe(200);
    expect(await settlesWithin(connection.closed, 2 * headersTimeoutMs + CONNECTIONS_CHECKING_INTERVAL_MS)).toBe(false);
    connection.send(['GET / HTTP/1.1', 'Host: localhost']);
    expect((await connection.answer(1)).status).toBe(200);
    connection.socket.destroy();
  });

  it('whose body pauses past headersTimeout has it read to its end and is answered', async () => {
    const connection = rawConnection(port);
    connection.send(['POST / HTTP/1.1', 'Host: localhost', 'Content-Length: 4'], 'ab');
    await sleep(2 * headersTimeoutMs + CONNECTIONS_CHECKING_INTERVAL_MS);
    connection.write('cd');
    const answer = await connection.answer();
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('abcd');
    connection.socket.destroy();
  });

  it('whose head began late is given headersTimeout from its first byte, then answered 408', async () => {
    const started = performance.now();
    const connection = rawConnection(port);
    await sleep(headersTimeoutMs / 2);
    connection.write('GET / HTTP/1.1\r\nHo');
    const answer = await connection.answer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(headersTimeoutMs * 1.5);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual(lateHead);
    await connection.closed;
  });
});

describe('what the 408s count as', () => {
  it('a connection that sent no byte made no request: it is counted as an idle connection closed, not as a malformed request', async () => {
    const [lateBefore, idleBefore] = [await scraped(lateHeads), await scraped(idleConnections)];
    const connection = rawConnection(port);
    await connection.closed;
    expect((await connection.answer()).status).toBe(408);
    expect(await scraped(lateHeads)).toBe(lateBefore);
    expect(await scraped(idleConnections)).toBe(idleBefore + 1);
  });

  it.each([
    ['one that sent part of a head, then nothing', 'GET / HTTP/1.1\r\nHo'],
    // Empty lines are ignored before a request line (RFC 9112 §2.2), but they are bytes: only a
    // connection silent from its accept is told apart, as no client is known to open one so.
    ['one that sent only empty lines', '\r\n\r\n'],
  ])('%s is a late head: counted as a malformed request, 408', async (_case, bytes) => {
    const [lateBefore, idleBefore] = [await scraped(lateHeads), await scraped(idleConnections)];
    const connection = rawConnection(port);
    connection.write(bytes);
    await connection.closed;
    expect((await connection.answer()).status).toBe(408);
    expect(await scraped(lateHeads)).toBe(lateBefore + 1);
    expect(await scraped(idleConnections)).toBe(idleBefore);
  });
});
