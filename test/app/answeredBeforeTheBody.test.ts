/**
 * An answer given before the request's body was read to its end (a 415 judged on the headers, a
 * 400 on an upload's first bytes) says `Connection: close`, and the connection closes in stages
 * as after a 413 (lingering close): the client reads the answer and a clean end, however much of
 * its body it goes on sending for a while. Such an answer used to say `keep-alive` while the HTTP
 * adapter read what was left of the body for 0.5 s, then cut the connection: a client still
 * sending met a broken pipe. An answer given after the whole body was read keeps the connection.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER } from '../../app/http/lingeringClose.js';
import { startAppUnderTest, type AppUnderTest } from '../support/processes.js';
import { parseAnswers, rawConnection } from '../support/rawHttp.js';

let sut: AppUnderTest;
let port: number;
beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 6, worker: false });
  port = Number(new URL(sut.url).port);
});
afterAll(async () => sut?.stop());

/**
 * Sends a request head announcing `total` bytes of body, and the body in 64 KiB pieces: half at
 * once, the rest a while after the answer came (longer than the 0.5 s the adapter drained, well
 * within LINGER), as a client that writes its body without reading does. What it read, and
 * whether its connection ended cleanly or with an error.
 */
async function sendOnAfterTheAnswer(head: string[], total: number, first: Buffer = Buffer.alloc(0)): Promise<{ received: string; error: string | undefined }> {
  // Half-open allowed, as an HTTP client still writing its body takes the server's FIN and goes on.
  const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(socket, 'connect');
  let received = '';
  let error: string | undefined;
  socket.on('data', (piece: Buffer) => (received += piece.toString('latin1')));
  socket.on('error', (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message));
  const answered = new Promise<void>((resolve) => socket.on('data', () => (parseAnswers(received).length > 0 ? resolve() : undefined)));
  const closed = once(socket, 'close');
  socket.write(`${[...head, `Content-Length: ${total}`].join('\r\n')}\r\n\r\n`);
  socket.write(first);
  const piece = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = first.length; sent < total / 2; sent += piece.length) socket.write(piece);
  await answered;
  await sleep(LINGER.ms / 3);
  for (let sent = total / 2; sent < total && !socket.destroyed; sent += piece.length) {
    if (!socket.write(piece)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
  }
  socket.end();
  await closed;
  return { received, error };
}

describe('an answer given before the body was read to its end', () => {
  const total = 3 * 1024 * 1024;

  it('answers a Content-Type a route does not take with 415 and Connection: close, and the client sending on reads a clean end', async () => {
    const { received, error } = await sendOnAfterTheAnswer(['POST /file HTTP/1.1', 'Host: localhost', 'Content-Type: text/html'], total);
    const [answer] = parseAnswers(received);
    expect(answer?.status).toBe(415);
    expect(answer?.headers.connection).toBe('close');
    expect(error).toBeUndefined();
  });

  it('answers an upload refused on its first bytes (not a PNG) with 400 and Connection: close, and the client sending on reads a clean end', async () => {
    const { received, error } = await sendOnAfterTheAnswer(['POST /randomize HTTP/1.1', 'Host: localhost', 'Content-Type: image/png'], total, Buffer.from('GIF89a'));
    const [answer] = parseAnswers(received);
    expect(answer?.status).toBe(400);
    expect(answer?.headers.connection).toBe('close');
    expect(error).toBeUndefined();
  });

  it.each([
    ['a Content-Type the route does not take', ['POST /messages HTTP/1.1', 'Host: x', 'Content-Type: text/plain', 'Content-Length: 100']],
    ['a compressed body', ['POST /messages HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Encoding: gzip', 'Content-Length: 100']],
    ['no Content-Type on /file', ['POST /file HTTP/1.1', 'Host: x', 'Content-Length: 100']],
  ])('answers a stalled body with %s at once, with 415 and Connection: close, and ends the connection', async (_case, head) => {
    const connection = rawConnection(port);
    connection.send(head, '{"message"');
    const answer = await connection.answer();
    expect(answer.status).toBe(415);
    expect(answer.headers.connection).toBe('close');
    // The server's FIN: the client is not left with a connection it was told it could reuse.
    await connection.ended;
    connection.socket.destroy();
  });
});

describe('an answer given after the whole body was read', () => {
  it('keeps the connection: a 201, a 400 on the body, and a 415 judged after a chunked body was read', async () => {
    const connection = rawConnection(port);
    const json = '{"message":"foo"}';
    connection.send(['POST /messages HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${json.length}`], json);
    connection.send(['POST /messages HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{"mes');
    // Without a Content-Length the body is read first (within the limit), its type judged after.
    connection.send(['POST /messages HTTP/1.1', 'Host: x', 'Content-Type: text/plain', 'Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n');
    connection.send(['GET /healthz HTTP/1.1', 'Host: x']);
    const answers = await Promise.all([0, 1, 2, 3].map((index) => connection.answer(index)));
    expect(answers.map((answer) => answer.status)).toEqual([201, 400, 415, 200]);
    for (const answer of answers) expect(answer.headers.connection).toBe('keep-alive');
    connection.socket.destroy();
  });
});
