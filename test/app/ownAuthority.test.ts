/**
 * Only HTTP/1.1 requires a Host header (RFC 9112 §3.2); a request of an older version without one
 * is addressed to the server's own authority (§3.3). The adapter between Node and the app refused
 * it as it refuses an HTTP/1.1 request without Host: `GET /healthz HTTP/1.0` with no header was
 * answered 400 `{"error": "malformed request: no Host header"}`. Sent as raw bytes, since an HTTP
 * client always writes a Host.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { ownAuthority } from '../../app/http/ownAuthority.js';
import { serveApp } from '../../app/http/serveApp.js';
import { createApp } from '../../app/server.js';
import { rawConnection } from '../support/rawHttp.js';

/** The app served as `scalewright app` serves it, and beside it a server that tells what URL and Host it was given. */
let app: Server;
let echo: Server;
const portOf = (server: Server) => (server.address() as AddressInfo).port;

beforeAll(async () => {
  const config = loadAppConfig({ DATA_DIR: '.', OUTPUT_DIR: '.', UPLOAD_DIR: '.', REQUEST_TIMEOUT_MS: '2000' });
  const deps = { config, logger: pino({ level: 'silent' }), registry: new Registry() } as unknown as AppDeps;
  app = await serveApp(createApp(deps).fetch, 0, '127.0.0.1');
  echo = await serveApp((request) => Response.json({ url: request.url, host: request.headers.get('host') }), 0, '127.0.0.1');
});
afterAll(async () => {
  for (const server of [app, echo]) {
    server?.closeAllConnections();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  }
});

async function ask(server: Server, head: string[]) {
  const connection = rawConnection(portOf(server));
  connection.send(head);
  const answer = await connection.answer();
  connection.socket.destroy();
  return { ...answer, json: JSON.parse(answer.body) as unknown };
}

describe('a request without Host in a version older than HTTP/1.1 is served', () => {
  it('GET /healthz HTTP/1.0 with no header at all: 200 and its JSON (it was 400)', async () => {
    const connection = rawConnection(portOf(app));
    connection.write('GET /healthz HTTP/1.0\r\n\r\n');
    const answer = await connection.answer();
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    // HTTP/1.0 without keep-alive: the answer ends the connection, as for any HTTP/1.0 request.
    await connection.closed;
  });

  it('is addressed to the address and port its connection was accepted on, and the app sees no Host it was not sent', async () => {
    expect((await ask(echo, ['GET /where?x=1 HTTP/1.0'])).json).toEqual({ url: `http://127.0.0.1:${portOf(echo)}/where?x=1`, host: null });
  });

  it('so is a request of HTTP/0.9, which Node’s parser still reads', async () => {
    expect((await ask(echo, ['GET /where HTTP/0.9'])).json).toEqual({ url: `http://127.0.0.1:${portOf(echo)}/where`, host: null });
  });

  it('an HTTP/1.0 request with Host is addressed to its Host, as before', async () => {
    expect((await ask(echo, ['GET /where HTTP/1.0', 'Host: example.com:8080'])).json).toEqual({ url: 'http://example.com:8080/where', host: 'example.com:8080' });
  });

  it('an HTTP/1.0 request whose target is an absolute URL is addressed to it, as before', async () => {
    expect((await ask(echo, ['GET http://example.com/where HTTP/1.0'])).json).toEqual({ url: 'http://example.com/where', host: null });
  });

  it('an HTTP/1.0 request whose Host is there but empty is still refused, as an empty Host (it was "no Host header"): an http URL cannot have an empty host', async () => {
    const answer = await ask(echo, ['GET /where HTTP/1.0', 'Host:']);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'malformed request: an empty Host header (it must name the host the request is for)' });
  });

  it('an HTTP/1.0 request with two Host lines is refused, as in any version (it was addressed to the first)', async () => {
    const answer = await ask(echo, ['GET /where HTTP/1.0', 'Host: a', 'Host: b']);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'malformed request: more than one Host header (send one, naming the host the request is for)' });
  });

  it('an HTTP/1.1 request without Host is still refused in JSON, since HTTP/1.1 requires one', async () => {
    const answer = await ask(app, ['GET /healthz HTTP/1.1']);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'malformed request: no Host header' });
  });
});

describe('the server’s own authority, as a URL writes it', () => {
  it('is an IPv4 address and port as they are', () => {
    expect(ownAuthority('10.0.0.5', 8080)).toBe('10.0.0.5:8080');
  });

  it('is an IPv4 address reported IPv4-mapped by a dual-stack socket, as the IPv4 address', () => {
    expect(ownAuthority('::ffff:10.0.0.5', 8080)).toBe('10.0.0.5:8080');
  });

  it('brackets an IPv6 address, drops its zone, and writes it as the URL parser does', () => {
    expect(ownAuthority('::1', 8080)).toBe('[::1]:8080');
    expect(ownAuthority('fe80::1%eth0', 8080)).toBe('[fe80::1]:8080');
    expect(ownAuthority('2001:DB8:0:0:0:0:0:1', 8080)).toBe('[2001:db8::1]:8080');
  });

  it('leaves out the port when it is http’s own', () => {
    expect(ownAuthority('10.0.0.5', 80)).toBe('10.0.0.5');
  });

  it('is unknown for a connection with no address left', () => {
    expect(ownAuthority(undefined, undefined)).toBeUndefined();
  });
});
