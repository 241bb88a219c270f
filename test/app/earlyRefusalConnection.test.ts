/**
 * A request refused before its body is read ends its connection, whatever refused it: the answer
 * says `Connection: close` and the server ends the connection after it, so that what follows the
 * head (a body never read, a request pipelined behind it) is never parsed as a next request.
 * Two refusals kept the connection: more than one Host line, and a raw backslash in the path.
 * Node discarded their body and read on, which is correct HTTP, but it was another rule than the
 * one every other early refusal follows (a 413 on the Content-Length, bad framing, an unmet
 * Expect). Sent as raw bytes, since an HTTP client writes neither.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { serveApp } from '../../app/http/serveApp.js';
import { createApp } from '../../app/server.js';
import { rawConnection } from '../support/rawHttp.js';

/** The app served as `scalewright app` serves it; nothing here reaches Redis or a queue. */
let server: Server;
let port: number;

beforeAll(async () => {
  const config = loadAppConfig({ DATA_DIR: '.', OUTPUT_DIR: '.', UPLOAD_DIR: '.', REQUEST_TIMEOUT_MS: '2000', JSON_BODY_LIMIT: '1KB' });
  const deps = { config, logger: pino({ level: 'silent' }), registry: new Registry() } as unknown as AppDeps;
  server = await serveApp(createApp(deps).fetch, 0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
});

const severalHosts = 'malformed request: more than one Host header (send one, naming the host the request is for)';
const backslash = 'malformed request: a backslash in the request path (percent-encode it as %5C)';
const healthz = ['GET /healthz HTTP/1.1', 'Host: localhost'];

describe('a request with more than one Host line, or a backslash in its path', () => {
  // Answered 400 with Connection: close, the request behind it unanswered: malformedRequests.test.ts.
  it.each([
    ['more than one Host line', ['POST /messages HTTP/1.1', 'Host: a', 'Host: b'], severalHosts],
    ['a raw backslash in the path', ['POST /messages\\x HTTP/1.1', 'Host: localhost'], backslash],
  ])('%s, with a body still to come: answered at once, and the connection ended without waiting for the body', async (_case, head, message) => {
    const connection = rawConnection(port);
    connection.send([...head, 'Content-Type: application/json', 'Content-Length: 100'], '{"message"');
    const answer = await connection.answer();
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: message });
    await connection.ended;
    connection.socket.destroy();
  });

  it.each([
    ['more than one Host line', ['POST /messages HTTP/1.1', 'Host: a', 'Host: b'], severalHosts],
    ['a raw backslash in the path', ['POST /messages\\x HTTP/1.1', 'Host: localhost'], backslash],
  ])('%s, whose body is itself a request: that request is never answered', async (_case, head, message) => {
    const smuggled = `${healthz.join('\r\n')}\r\n\r\n`;
    const connection = rawConnection(port);
    connection.send([...head, 'Content-Type: application/json', `Content-Length: ${smuggled.length}`], smuggled);
    expect(JSON.parse((await connection.answer()).body)).toEqual({ error: message });
    await connection.ended;
    expect(connection.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
    connection.socket.destroy();
  });
});

describe('every refusal answered before the body follows one rule', () => {
  it.each([
    ['a Content-Length over the limit (413)', ['POST /messages HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 2048'], 413],
    ['bad framing: two Content-Lengths (400)', ['POST /messages HTTP/1.1', 'Host: localhost', 'Content-Length: 1', 'Content-Length: 2'], 400],
    ['an unmet Expect (417)', ['POST /messages HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 2', 'Expect: 200-ok'], 417],
    ['more than one Host line (400)', ['POST /messages HTTP/1.1', 'Host: a', 'Host: b', 'Content-Type: application/json', 'Content-Length: 2'], 400],
    ['a raw backslash in the path (400)', ['POST /messages\\x HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 2'], 400],
  ])('%s: Connection: close, and the server ends the connection', async (_case, head, status) => {
    const connection = rawConnection(port);
    connection.send(head);
    const answer = await connection.answer();
    expect(answer.status).toBe(status);
    expect(answer.headers.connection).toBe('close');
    await connection.ended;
    connection.socket.destroy();
  });

  it('a request answered after its body was read keeps the connection, as before', async () => {
    const connection = rawConnection(port);
    connection.send(healthz);
    connection.send(healthz);
    const answers = await Promise.all([connection.answer(0), connection.answer(1)]);
    expect(answers.map((answer) => [answer.status, answer.headers.connection])).toEqual([[200, 'keep-alive'], [200, 'keep-alive']]);
    connection.socket.destroy();
  });
});
