/**
 * HTTP/1.1 answers the requests on a connection in the order they came, also when the client
 * pipelines them (sends the next before the last is answered). Node reports a fault in pipelined
 * bytes as soon as it parses them, while the request before is still being answered: the JSON 400
 * was written at once, so the client read it as the earlier request's answer and the real one was
 * lost, or, when that answer had begun, the connection was destroyed and the answer cut. Now the
 * fault waits its turn: the earlier answers go out whole, then the 400, then the connection closes.
 *
 * The earlier request is held by the test, not by time: `GET /` of the real app waits on its visit
 * counter, which the test lets through only once the server has reported the fault ('clientError').
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { serveApp } from '../../app/http/serveApp.js';
import { createApp } from '../../app/server.js';
import { waitUntil } from '../support/processes.js';
import { parseAnswers, rawConnection } from '../support/rawHttp.js';

const registry = new Registry();
/** Lets the `GET /` requests waiting on the visit counter through; replaced by each hold. */
let admitVisits: () => void = () => undefined;
let visitsAdmitted: Promise<void> = Promise.resolve();

/** Holds every `GET /` at its visit count until the returned function is called. */
function holdVisits(): () => void {
  visitsAdmitted = new Promise<void>((admit) => (admitVisits = admit));
  return admitVisits;
}

let app: Server;
let port: number;

beforeAll(async () => {
  // REQUEST_TIMEOUT_MS far beyond the test's life: a held request is answered when the test says, never by its deadline.
  const config = loadAppConfig({ DATA_DIR: '.', OUTPUT_DIR: '.', UPLOAD_DIR: '.', REQUEST_TIMEOUT_MS: '600000' });
  const visits = { hit: async () => visitsAdmitted.then(() => 1) };
  const deps = { config, logger: pino({ level: 'silent' }), registry, visits } as unknown as AppDeps;
  app = await serveApp(createApp(deps).fetch, 0, '127.0.0.1', { registry });
  port = (app.address() as AddressInfo).port;
});
afterAll(async () => {
  admitVisits();
  await closeServer(app);
});

async function closeServer(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const heldGreeting = 'GET /?user=first-in-line HTTP/1.1\r\nHost: localhost\r\n\r\n';
const malformed = latin1('GET /caf\xc3\xa9 HTTP/1.1\r\nHost: localhost\r\n\r\n');
const malformedAnswer = {
  status: 400,
  body: { error: 'malformed request: invalid character in the request line (the request target must be printable ASCII: percent-encode any other byte) (Invalid char in url path)' },
};

/** Everything a connection received until the server closed it, as answers: status and body (JSON parsed where it is JSON). */
async function answersUntilClosed(connection: ReturnType<typeof rawConnection>): Promise<{ status: number; body: unknown }[]> {
  await connection.closed;
  return parseAnswers(connection.received()).map((answer) => ({ status: answer.status, body: answer.headers['content-type'] === 'application/json' ? JSON.parse(answer.body) : answer.body }));
}

async function malformedCount(): Promise<number> {
  const { values } = await registry.getSingleMetric('http_malformed_requests_total')!.get();
  return values.find((value) => value.labels.status === '400')?.value ?? 0;
}

describe('a malformed request pipelined behind one still being answered', () => {
  it('is answered after that answer, which comes whole, then the connection is closed', async () => {
    const admit = holdVisits();
    const countedBefore = await malformedCount();
    const connection = rawConnection(port);
    const faultReported = once(app, 'clientError');
    connection.write(Buffer.concat([Buffer.from(heldGreeting), malformed]));
    await faultReported;
    admit();
    expect(await answersUntilClosed(connection)).toEqual([{ status: 200, body: 'Hello world!' }, malformedAnswer]);
    expect(connection.received().match(/HTTP\/1\.1 /g)).toHaveLength(2);
    expect(await malformedCount()).toBe(countedBefore + 1);
  });

  it('waits for every answer pipelined before it, in their order', async () => {
    const admit = holdVisits();
    const connection = rawConnection(port);
    const faultReported = once(app, 'clientError');
    connection.write(Buffer.concat([Buffer.from(heldGreeting), Buffer.from('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'), malformed]));
    await faultReported;
    admit();
    expect(await answersUntilClosed(connection)).toEqual([{ status: 200, body: 'Hello world!' }, { status: 200, body: { status: 'ok' } }, malformedAnswer]);
  });

  it('is answered once, whatever the client sends after it', async () => {
    const admit = holdVisits();
    const connection = rawConnection(port);
    const faultReported = once(app, 'clientError');
    connection.write(Buffer.concat([Buffer.from(heldGreeting), malformed]));
    await faultReported;
    // The parser reports its fault again with each chunk that follows (unless the connection is gone by then).
    const faultReportedAgain = once(app, 'clientError');
    connection.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await Promise.race([faultReportedAgain, connection.closed]);
    admit();
    expect(await answersUntilClosed(connection)).toEqual([{ status: 200, body: 'Hello world!' }, malformedAnswer]);
  });

  it('is not answered when the client goes away first, and the server lets the connection go', async () => {
    const admit = holdVisits();
    const serverSide = once(app, 'connection') as Promise<[Socket]>;
    const connection = rawConnection(port);
    const [socket] = await serverSide;
    const faultReported = once(app, 'clientError');
    connection.write(Buffer.concat([Buffer.from(heldGreeting), malformed]));
    await faultReported;
    connection.socket.destroy();
    await once(socket, 'close');
    admit();
    expect(parseAnswers(connection.received())).toEqual([]);
  });
});

describe('an answer that had begun when a pipelined request turned out malformed', () => {
  // No route of the app streams an answer the test can hold halfway, so this server's one route
  // does: its body is a stream the test writes to.
  let streaming: Server;
  let streamingPort: number;
  /** Called with the body of the next answer streamed, once its request has reached the route. */
  let bodyOpened: (body: ReadableStreamDefaultController<Uint8Array>) => void = () => undefined;

  beforeAll(async () => {
    streaming = await serveApp(() => new Response(new ReadableStream<Uint8Array>({ start: (body) => bodyOpened(body) }), { headers: { 'Content-Length': '12' } }), 0, '127.0.0.1');
    streamingPort = (streaming.address() as AddressInfo).port;
  });
  afterAll(() => closeServer(streaming));

  /**
   * A connection whose first answer has begun (its head and `first ` received) when its next
   * request turns out malformed; and the body of that answer, to finish or fail.
   */
  async function begunThenMalformed(): Promise<{ connection: ReturnType<typeof rawConnection>; body: ReadableStreamDefaultController<Uint8Array> }> {
    const opened = new Promise<ReadableStreamDefaultController<Uint8Array>>((open) => (bodyOpened = open));
    const connection = rawConnection(streamingPort);
    connection.write('GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const body = await opened;
    body.enqueue(Buffer.from('first '));
    await waitUntil('the answer to begin', async () => connection.received().endsWith('first '));
    const faultReported = once(streaming, 'clientError');
    connection.write(malformed);
    await faultReported;
    return { connection, body };
  }

  it('is finished, not cut, and the 400 follows it', async () => {
    const { connection, body } = await begunThenMalformed();
    body.enqueue(Buffer.from('second'));
    body.close();
    expect(await answersUntilClosed(connection)).toEqual([{ status: 200, body: 'first second' }, malformedAnswer]);
  });

  it('that fails halfway leaves nothing to answer after it: the connection is closed with no 400', async () => {
    const { connection, body } = await begunThenMalformed();
    const adapterLog = vi.spyOn(console, 'error').mockImplementation(() => undefined); // the adapter logs the failed body
    try {
      body.error(new Error('the body failed halfway'));
      await connection.closed;
    } finally {
      adapterLog.mockRestore();
    }
    expect(connection.received()).not.toContain('HTTP/1.1 400');
    expect(connection.received()).toMatch(/first $/);
  });
});

describe('a malformed request with no answer in flight before it, as before', () => {
  it('is answered at once, also while another connection’s request is held', async () => {
    const admit = holdVisits();
    const held = rawConnection(port);
    held.write(heldGreeting);
    try {
      const connection = rawConnection(port);
      connection.write(malformed);
      expect(await answersUntilClosed(connection)).toEqual([malformedAnswer]);
    } finally {
      admit();
    }
    expect((await held.answer()).status).toBe(200);
    held.socket.destroy();
  });

  it('is answered after an answer that has gone out whole', async () => {
    const connection = rawConnection(port);
    connection.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect((await connection.answer()).status).toBe(200);
    connection.write(malformed);
    expect(await answersUntilClosed(connection)).toEqual([{ status: 200, body: { status: 'ok' } }, malformedAnswer]);
  });
});
