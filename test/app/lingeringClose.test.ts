/**
 * A 413 (or 408) goes out before the body has been read to its end, and the connection then
 * closes. It closes in stages (RFC 9112 §9.6): the answer and a FIN first, then what the client
 * is still sending is read and thrown away until it closes its side. Closed at once, as Node
 * does, the client's further writes met a reset, and an HTTP library still writing the body
 * failed with EPIPE before it read the 413 that was waiting for it.
 */
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
  });
  const closed = once(socket, 'close');
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
  return async (socket, answered) => {
    socket.write(`${head}Content-Type: image/png\r\nContent-Length: ${total}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 1);
    for (let sent = 0; sent < total / 2; sent += piece.length) socket.write(piece);
    await answered;
    await sleep(LINGER.ms / 3);
    for (let sent = total / 2; sent < total; sent += piece.length) {
      if (socket.destroyed) return;
      if (!socket.write(piece)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
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
