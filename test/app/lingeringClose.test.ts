/**
 * A 413 (or 408) goes out before the body has been read to its end, and the connection then
 * closes. It closes in stages (RFC 9112 §9.6): the answer and a FIN first, then what the client
 * is still sending is read and thrown away until it closes its side. Closed at once, as Node
 * does, the client's further writes met a reset, and an HTTP library still writing the body
 * failed with EPIPE before it read the 413 that was waiting for it.
 */
import { maxHeaderSize } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER } from '../../app/http/lingeringClose.js';
import { startAppUnderTest, type AppUnderTest } from '../support/processes.js';

let sut: AppUnderTest;
beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 3, env: { IMAGE_BODY_LIMIT: '1MB' } });
});
afterAll(async () => sut?.stop());

/** What the client read, and whether its connection ended cleanly or with an error (a reset). */
async function refusedUpload(send: (socket: Socket, answered: Promise<void>) => Promise<void>): Promise<{ received: string; error: string | undefined }> {
  // Half-open allowed, as an HTTP client still writing its body takes the server's FIN: it goes on
  // sending (net's default would end its side at the FIN and stop).
  const socket = connect({ port: Number(new URL(sut.url).port), host: '127.0.0.1', allowHalfOpen: true });
  await once(socket, 'connect');
  let received = '';
  let error: string | undefined;
  socket.on('data', (piece: Buffer) => (received += piece.toString('latin1')));
  socket.on('error', (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message));
  const answered = new Promise<void>((resolve) => {
    const check = () => (received.includes('\r\n\r\n') && received.includes('}') ? resolve() : undefined);
    socket.on('data', check);
    // A reset may come before the answer is read: the client then stops waiting for it.
    socket.once('close', () => resolve());
  });
  // Not events.once: it rejects on the socket's 'error', which this client records instead.
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await send(socket, answered);
  await closed;
  return { received, error };
}

/**
 * A client that sends `head` with a PNG body of `total` bytes and goes on sending it after the
 * answer: the first half at once, the last half a while after the answer came (a slow link),
 * longer than the 500 ms the HTTP adapter went on reading, well within LINGER.
 */
function bodyStillSent(head: string, total: number): (socket: Socket, answered: Promise<void>) => Promise<void> {
  return bytesStillSent(`${head}Content-Type: image/png\r\nContent-Length: ${total}\r\n\r\n`, total);
}

/** A client that sends `opening` and then `total` more bytes, the last half a while after the answer came, as bodyStillSent. */
function bytesStillSent(opening: string, total: number): (socket: Socket, answered: Promise<void>) => Promise<void> {
  return async (socket, answered) => {
    socket.write(opening);
    const piece = Buffer.alloc(64 * 1024, 1);
    for (let sent = 0; sent < total / 2; sent += piece.length) socket.write(piece);
    await answered;
    await sleep(LINGER.ms / 3);
    for (let sent = total / 2; sent < total; sent += piece.length) {
      if (socket.destroyed) return;
      if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
    }
    socket.end();
  };
}

describe('a connection closed after an answer that came before the body', () => {
  it('reads the rest of a refused body the client goes on sending, and the client reads the 413 and a clean end', async () => {
    const total = 3 * 1024 * 1024;
    // The answer comes on the Content-Length alone, while this client, as fetch does, goes on
    // sending the body without reading.
    const { received, error } = await refusedUpload(bodyStillSent('POST /randomize HTTP/1.1\r\nHost: localhost\r\n', total));
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(error).toBeUndefined();
  });

  // Refused on the head alone, before any route, by the Host check, the HTTP adapter and Node's
  // Expect handling: each closes too, and the close lingers as the app's own does.
  it.each([
    ['a duplicate Host', 'POST /randomize HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n', 400],
    ['a backslash in the path', 'POST /rand\\omize HTTP/1.1\r\nHost: localhost\r\n', 400],
    ['an Expect it cannot meet', 'POST /randomize HTTP/1.1\r\nHost: localhost\r\nExpect: 200-ok\r\n', 417],
  ])('after %s, the client still sending its body reads the answer and a clean end', async (_case, head, status) => {
    const total = 3 * 1024 * 1024;
    const { received, error } = await refusedUpload(bodyStillSent(head, total));
    expect(received).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(received.toLowerCase()).toContain('connection: close');
    expect(error).toBeUndefined();
  });
});

/** The JSON body after the head of an answer read off a raw socket. */
function jsonBody(received: string): unknown {
  return JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4));
}

/** A chunked upload whose first chunk-size line is not hexadecimal: the parser refuses it (HPE_INVALID_CHUNK_SIZE). */
const malformedChunkSize = 'POST /randomize HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-size\r\n';

// Refused by Node's HTTP parser (answerClientErrors): the parser goes on being fed what the client
// sends after the fault and reports the fault again with each piece, so the connection can linger
// as after any other answer, and does.
describe('a connection closed after the parser refused the request', () => {
  it('after a malformed chunk-size line, the client still sending reads the JSON 400 and a clean end', async () => {
    const total = 3 * 1024 * 1024;
    const { received, error } = await refusedUpload(bytesStillSent(malformedChunkSize, total));
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(jsonBody(received)).toEqual({ error: expect.stringMatching(/^malformed request: /) });
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(error).toBeUndefined();
  });

  it('after a head over the size limit, the client still sending reads the JSON 431 and a clean end', async () => {
    const total = 3 * 1024 * 1024;
    const head = `POST /randomize HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'a'.repeat(maxHeaderSize)}\r\n`;
    const { received, error } = await refusedUpload(bodyStillSent(head, total));
    expect(received).toMatch(/^HTTP\/1\.1 431 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(jsonBody(received)).toEqual({ error: expect.stringMatching(/^request headers too large: /) });
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(error).toBeUndefined();
  });

  // The parser reports the fault again with every piece the client still sends; the linger reads
  // them all the same, and ends: a client that never stops is cut off at LINGER's bounds.
  it.each([
    ['slowly, past LINGER.ms', 1024, 50],
    ['fast, past LINGER.bytes', 64 * 1024, 0],
  ])('a client that goes on sending %s is cut off, having read the one answer', async (_case, pieceSize, pauseMs) => {
    // The client would go on for twice the linger: it is the server that ends it, not this deadline.
    const givesUpAt = Date.now() + 4 * LINGER.ms;
    let cutOff = false;
    let sent = 0;
    const { received } = await refusedUpload(async (socket, answered) => {
      socket.write(malformedChunkSize);
      // The client reads the answer, then goes on. Cut off at a bound, a connection is reset, and a
      // reset takes with it whatever the client had not yet read (TCP drops the receive buffer):
      // an answer still unread when the bound is reached is lost, a race no bound can avoid.
      await answered;
      const piece = Buffer.alloc(pieceSize, 1);
      while (!socket.destroyed && Date.now() < givesUpAt) {
        sent += piece.length;
        if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
        if (pauseMs > 0) await sleep(pauseMs);
      }
      cutOff = socket.destroyed;
      socket.destroy();
    });
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(cutOff).toBe(true);
    // Fast, it is the byte bound that ends it: at least that much was sent first.
    if (pauseMs === 0) expect(sent).toBeGreaterThan(LINGER.bytes);
    else expect(sent).toBeLessThan(LINGER.bytes);
  });

  it('a client that ends its side right after the faulty request still reads the whole answer', async () => {
    const { received, error } = await refusedUpload(async (socket) => {
      socket.end(malformedChunkSize);
    });
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(jsonBody(received)).toEqual({ error: expect.stringMatching(/^malformed request: /) });
    expect(error).toBeUndefined();
  });
});
