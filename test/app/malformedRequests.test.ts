/**
 * Requests the app never sees as requests: Node's HTTP parser refuses them (a raw non-ASCII byte
 * in the request line, a malformed header line, a head over the size limit or late), or the
 * adapter can make no URL of them (HTTP/1.1 without Host, a backslash in the path). Node and the
 * adapter answer these with a bare 400 and no body; the app answers them as it answers every
 * error, JSON saying what was wrong. Sent as raw bytes, since an HTTP client refuses to write most
 * of them.
 */
import { maxHeaderSize, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTIONS_CHECKING_INTERVAL_MS, serveApp } from '../../app/http/serveApp.js';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { clientErrorAnswer, hostFieldAnswer, requestErrorAnswer } from '../../app/http/malformedRequest.js';
import { createApp } from '../../app/server.js';
import { rawConnection } from '../support/rawHttp.js';

/** The app served as `scalewright app` serves it; nothing here reaches Redis or a queue. */
let server: Server;
let port: number;
const registry = new Registry();

beforeAll(async () => {
  const config = loadAppConfig({ DATA_DIR: '.', OUTPUT_DIR: '.', UPLOAD_DIR: '.', REQUEST_TIMEOUT_MS: '2000' });
  const deps = { config, logger: pino({ level: 'silent' }), registry } as unknown as AppDeps;
  server = await serveApp(createApp(deps).fetch, 0, '127.0.0.1', { registry });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
});

const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe("what Node's HTTP parser refuses is answered in JSON, then the connection is closed", () => {
  // The counterexample: `GET /caf\xc3\xa9 HTTP/1.1` (é as its two raw UTF-8 bytes) was answered
  // `HTTP/1.1 400 Bad Request` and `Connection: close`, with no body.
  it.each([
    ['raw non-ASCII bytes in the path', latin1('GET /caf\xc3\xa9 HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400,
      'malformed request: invalid character in the request line (the request target must be printable ASCII: percent-encode any other byte) (Invalid char in url path)'],
    ['raw non-ASCII bytes in the query', latin1('GET /?user=\xc3\xa9 HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400,
      'malformed request: invalid character in the request line (the request target must be printable ASCII: percent-encode any other byte) (Invalid char in url query)'],
    ['a space inside the request target', 'GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n', 400,
      'malformed request: malformed request line (expected "<method> <target> HTTP/1.1", with no space inside the target) (Expected HTTP/, RTSP/ or ICE/)'],
    ['a method that is not one', 'G@T / HTTP/1.1\r\nHost: localhost\r\n\r\n', 400, 'malformed request: invalid method in the request line (Invalid method encountered)'],
    ['an HTTP version that is not one', 'GET / HTTP/9.9\r\nHost: localhost\r\n\r\n', 400, 'malformed request: invalid HTTP version in the request line (Invalid HTTP version)'],
    ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: localhost\r\nBad Header Line\r\n\r\n', 400, 'malformed request: malformed header line (Invalid header token)'],
    ['a NUL byte in a header value', 'GET / HTTP/1.1\r\nHost: localhost\r\nX-User-Id: a\x00b\r\n\r\n', 400, 'malformed request: malformed header line (Invalid header value char)'],
    ['a folded header line', 'GET / HTTP/1.1\r\nHost: localhost\r\nX-User-Id: a\r\n b\r\n\r\n', 400, 'malformed request: malformed header line (Unexpected whitespace after header value)'],
    ['two Content-Lengths', 'POST /messages HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}', 400,
      'malformed request: conflicting Content-Length headers (Duplicate Content-Length)'],
    ['a Content-Length and a Transfer-Encoding', 'POST /messages HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400,
      "malformed request: invalid Transfer-Encoding header (Transfer-Encoding can't be present with Content-Length)"],
    ['HTTP/2 spoken without being asked', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'malformed request: HTTP/2 is not served here: send HTTP/1.1 (Pause on PRI/Upgrade)'],
    ['a request head over the limit', `GET / HTTP/1.1\r\nHost: localhost\r\nX-User-Id: ${'a'.repeat(maxHeaderSize)}\r\n\r\n`, 431,
      `request headers too large: the request line and headers exceed the limit of ${maxHeaderSize} bytes`],
  ])('%s', async (_case, bytes, status, message) => {
    const connection = rawConnection(port);
    connection.write(bytes);
    const answer = await connection.answer();
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: message });
    await connection.closed;
  });

  it('a chunked body that turns malformed while the route is reading it: 400, and nothing else on the connection', async () => {
    const connection = rawConnection(port);
    connection.send(['POST /messages HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Transfer-Encoding: chunked'], '2\r\n{}\r\n');
    connection.write('zz\r\n');
    const answer = await connection.answer();
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'malformed request: malformed chunked body (Invalid character in chunk size)' });
    await connection.closed;
    expect(connection.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it('answers so on a connection that has served requests before', async () => {
    const connection = rawConnection(port);
    connection.send(['GET /healthz HTTP/1.1', 'Host: localhost']);
    expect((await connection.answer(0)).status).toBe(200);
    connection.write(latin1('GET /caf\xc3\xa9 HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    const answer = await connection.answer(1);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.stringMatching(/^malformed request: invalid character in the request line/) });
    await connection.closed;
  });

  it('goes on serving other connections', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
  });
});

/**
 * `head` on a fresh connection gets a JSON 400 with `message` and `Connection: close`, and the
 * server then ends the connection, as after every refusal answered before the body: a request
 * written behind it is not answered.
 */
async function expectRefusedThenClosed(head: string[], message: string): Promise<void> {
  const connection = rawConnection(port);
  connection.send(head);
  connection.send(['GET /healthz HTTP/1.1', 'Host: localhost']);
  const answer = await connection.answer();
  expect(answer.status).toBe(400);
  expect(answer.headers['content-type']).toBe('application/json');
  expect(answer.headers.connection).toBe('close');
  expect(JSON.parse(answer.body)).toEqual({ error: message });
  await connection.ended;
  expect(connection.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
  connection.socket.destroy();
}

describe('what the adapter can make no URL of is answered in JSON, then the connection is closed', () => {
  // Well framed, but answered before its body, if any, is read: the connection ends, as after the other early refusals.
  it.each([
    ['no Host header (HTTP/1.1)', ['GET /healthz HTTP/1.1'], 'malformed request: no Host header'],
    ['a Host the URL parser refuses', ['GET /healthz HTTP/1.1', 'Host: a b'], 'malformed request: the Host header and the request target make no valid URL'],
    ['a raw backslash in the path', ['GET /a\\b HTTP/1.1', 'Host: localhost'], 'malformed request: a backslash in the request path (percent-encode it as %5C)'],
    ['a target that is not a path', ['OPTIONS * HTTP/1.1', 'Host: localhost'], 'malformed request: invalid request target (expected a path starting with /)'],
  ])('%s', async (_case, head, message) => {
    await expectRefusedThenClosed(head, message);
  });
});

describe('a malformed Host field is refused in JSON, whatever the HTTP version, then the connection is closed', () => {
  // RFC 9112 §3.2: a server must answer 400 to more than one Host line. The counterexample:
  // `GET /healthz HTTP/1.1` with `Host: a` and `Host: b` was served 200 (its URL took the first
  // Host, the app saw `a, b`). An empty Host was refused as "no Host header", which it had.
  const severalHosts = 'malformed request: more than one Host header (send one, naming the host the request is for)';
  const emptyHost = 'malformed request: an empty Host header (it must name the host the request is for)';
  it.each([
    ['two Host lines naming different hosts', ['GET /healthz HTTP/1.1', 'Host: a', 'Host: b'], severalHosts],
    ['two Host lines naming the same host, in different case', ['GET /healthz HTTP/1.1', 'Host: localhost', 'host: localhost'], severalHosts],
    ['two Host lines in HTTP/1.0, keeping the connection alive', ['GET /healthz HTTP/1.0', 'Connection: keep-alive', 'Host: a', 'Host: b'], severalHosts],
    ['two Host lines beside an absolute target, which would address the request', ['GET http://localhost/healthz HTTP/1.1', 'Host: localhost', 'Host: localhost'], severalHosts],
    ['two Host lines, the second empty', ['GET /healthz HTTP/1.1', 'Host: localhost', 'Host:'], severalHosts],
    ['an empty Host', ['GET /healthz HTTP/1.1', 'Host:'], emptyHost],
    ['no Host in HTTP/1.1 beside an absolute target, which would address the request (it was served)', ['GET http://localhost/healthz HTTP/1.1'], 'malformed request: no Host header'],
    ['a Host of spaces only, which is empty', ['GET /healthz HTTP/1.1', 'Host:   '], emptyHost],
  ])('%s', async (_case, head, message) => {
    await expectRefusedThenClosed(head, message);
  });

  it('refuses a request with a body the same way, and ends the connection rather than read the body', async () => {
    const connection = rawConnection(port);
    connection.send(['POST /messages HTTP/1.1', 'Host: a', 'Host: b', 'Content-Type: application/json', 'Content-Length: 2'], '{}');
    const answer = await connection.answer();
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: severalHosts });
    await connection.ended;
    connection.socket.destroy();
  });

  it('serves an empty Host beside an absolute target as before: the target addresses the request (RFC 9112 §3.2.2)', async () => {
    const connection = rawConnection(port);
    connection.send(['GET http://localhost/healthz HTTP/1.1', 'Host:']);
    expect((await connection.answer()).status).toBe(200);
    connection.socket.destroy();
  });
});

describe('an expectation the server cannot meet', () => {
  it('an Expect other than 100-continue is answered 417 in JSON naming it (Node answered a bare 417), and the unread body ends the connection', async () => {
    const connection = rawConnection(port);
    connection.send(['POST /messages HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 2', 'Expect: 200-ok'], '{}');
    const answer = await connection.answer();
    expect(answer.status).toBe(417);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: 'Expect "200-ok" cannot be met: the only expectation this server meets is 100-continue' });
    await connection.closed;
  });

  it('Expect: 100-continue is met as before: 100 Continue, then the route answers', async () => {
    const connection = rawConnection(port);
    connection.send(['GET /healthz HTTP/1.1', 'Host: localhost', 'Expect: 100-continue']);
    expect((await connection.answer(0)).status).toBe(100);
    expect((await connection.answer(1)).status).toBe(200);
    connection.socket.destroy();
  });
});

describe('the count of requests refused before routing', () => {
  async function refusedByStatus(): Promise<Record<string, number>> {
    const { values } = await registry.getSingleMetric('http_malformed_requests_total')!.get();
    return Object.fromEntries(values.map((value) => [String(value.labels.status), value.value]));
  }

  it('counts each refusal by its status in http_malformed_requests_total, and leaves http_requests_total to routed requests', async () => {
    const before = await refusedByStatus();
    const routed = async () => (await registry.getSingleMetric('http_requests_total')!.get()).values.reduce((sum, value) => sum + value.value, 0);
    const routedBefore = await routed();
    for (const [bytes, index] of [[latin1('GET /caf\xc3\xa9 HTTP/1.1\r\nHost: localhost\r\n\r\n'), 0], ['GET /healthz HTTP/1.1\r\n\r\n', 0], [`GET / HTTP/1.1\r\nHost: localhost\r\nX-User-Id: ${'a'.repeat(maxHeaderSize)}\r\n\r\n`, 0]] as const) {
      const connection = rawConnection(port);
      connection.write(bytes);
      await connection.answer(index);
      connection.socket.destroy();
    }
    const after = await refusedByStatus();
    expect((after['400'] ?? 0) - (before['400'] ?? 0)).toBe(2);
    expect((after['431'] ?? 0) - (before['431'] ?? 0)).toBe(1);
    expect(await routed()).toBe(routedBefore);
  });

  it('counts a request refused for its Host field like the rest', async () => {
    const before = await refusedByStatus();
    for (const head of [['GET /healthz HTTP/1.1', 'Host: a', 'Host: b'], ['GET /healthz HTTP/1.1', 'Host:']]) {
      const connection = rawConnection(port);
      connection.send(head);
      await connection.answer();
      connection.socket.destroy();
    }
    const after = await refusedByStatus();
    expect((after['400'] ?? 0) - (before['400'] ?? 0)).toBe(2);
  });
});

describe('a request head that does not arrive in time', () => {
  // Node looks for late heads only every connectionsCheckingInterval, 30 s by default: the 408 came
  // 60-90 s after the head began. Served with a short headersTimeout, the answer is due within
  // headersTimeout + the server's checking interval; the slack is for a slow machine, and still far
  // short of the 30 s that Node's own interval would have taken on a server just started.
  const headersTimeoutMs = 1_000;
  const slackMs = 5_000;

  it('is answered 408 in JSON soon after headersTimeout, then the connection is closed', async () => {
    expect(headersTimeoutMs + CONNECTIONS_CHECKING_INTERVAL_MS + slackMs).toBeLessThan(30_000);
    const slow = await serveApp(() => new Response('never reached'), 0, '127.0.0.1', { headersTimeoutMs });
    try {
      const started = performance.now();
      const connection = rawConnection((slow.address() as AddressInfo).port);
      connection.write('GET / HTTP/1.1\r\nHost: loc');
      const answer = await connection.answer();
      const elapsedMs = performance.now() - started;
      expect(answer.status).toBe(408);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({ error: `request headers not received within ${headersTimeoutMs} ms` });
      expect(elapsedMs).toBeGreaterThanOrEqual(headersTimeoutMs);
      expect(elapsedMs).toBeLessThan(headersTimeoutMs + CONNECTIONS_CHECKING_INTERVAL_MS + slackMs);
      await connection.closed;
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((done) => slow.close(() => done()));
    }
  }, 30_000);
});

describe('the answers, as rules', () => {
  const limits = { maxHeaderSize: 16_384, headersTimeoutMs: 60_000 };

  it('gives no answer to an error of the socket itself: nobody is there to read one', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', undefined]) expect(clientErrorAnswer({ code }, limits), String(code)).toBeUndefined();
  });

  it('answers 413 for chunk extensions over Node’s limit, as Node does', () => {
    expect(clientErrorAnswer({ code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW' }, limits)?.status).toBe(413);
  });

  it('names a parse error it has no words for by the parser’s reason', () => {
    expect(clientErrorAnswer({ code: 'HPE_SOMETHING_NEW', reason: 'Something new' }, limits)).toEqual({ status: 400, message: 'malformed request: Something new' });
    expect(clientErrorAnswer({ code: 'HPE_SOMETHING_NEW' }, limits)).toEqual({ status: 400, message: 'malformed request' });
  });

  it('refuses more than one Host line, whatever their names’ case and values', () => {
    for (const rawHeaders of [['Host', 'a', 'Host', 'b'], ['Host', 'a', 'HOST', 'a'], ['host', '', 'Accept', '*/*', 'Host', 'a']]) {
      expect(hostFieldAnswer(rawHeaders, '/', true), rawHeaders.join(' ')).toEqual({ status: 400, message: expect.stringMatching(/^malformed request: more than one Host header/) });
    }
  });

  it('refuses an empty Host unless an absolute http(s) target addresses the request instead', () => {
    expect(hostFieldAnswer(['Host', ''], '/', true)).toEqual({ status: 400, message: expect.stringMatching(/^malformed request: an empty Host header/) });
    expect(hostFieldAnswer(['Host', ''], '*', true)?.status).toBe(400);
    expect(hostFieldAnswer(['Host', ''], 'http://example.com/', true)).toBeUndefined();
    expect(hostFieldAnswer(['Host', ''], 'https://example.com/', true)).toBeUndefined();
  });

  it('refuses an HTTP/1.1 request without Host, also one whose absolute target would address it (RFC 9112 §3.2)', () => {
    for (const target of ['/', 'http://example.com/', '*']) expect(hostFieldAnswer(['Accept', '*/*'], target, true)).toEqual({ status: 400, message: 'malformed request: no Host header' });
    expect(hostFieldAnswer(['Accept', '*/*'], 'http://example.com/', false)).toBeUndefined();
  });

  it('leaves one Host, or none where Host is optional (before HTTP/1.1), to the adapter, which makes the URL of it', () => {
    expect(hostFieldAnswer(['Host', 'localhost', 'X-Host', 'a', 'X-Host', 'b'], '/', true)).toBeUndefined();
    expect(hostFieldAnswer(['Accept', '*/*'], '/', false)).toBeUndefined();
    expect(hostFieldAnswer(['Host', 'a b'], '/', true)).toBeUndefined();
  });

  it('names an adapter refusal it has no words for by its message', () => {
    expect(requestErrorAnswer({ message: 'Unsupported scheme' })).toEqual({ status: 400, message: 'malformed request: unsupported scheme' });
  });
});
