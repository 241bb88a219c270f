import { connect } from 'node:net';
import { waitUntil } from './processes.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The whole answers at the start of what a connection received, kept as latin1 (a character a
 * byte, so that Content-Length frames the bodies), each body decoded as UTF-8.
 */
export function parseAnswers(received: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = received;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return answers;
    const [statusLine = '', ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    if (body.length < length) return answers;
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') });
    rest = rest.slice(headEnd + 4 + length);
  }
}

/**
 * Requests written by hand on one raw connection, their bodies sent piece by piece and maybe never
 * finished, so that when the server answers and what it does with the connection (keeps it for
 * the next request, or ends it) shows, where an HTTP client would hide it. `ended` settles when
 * the server ends the connection cleanly (its FIN), `closed` when it is gone however it ended (a
 * server that closes with bytes of the client's still unread sends a reset instead).
 */
export function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // the server may close the connection under an unfinished body
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  const ended = new Promise<void>((done) => socket.once('end', () => done()));
  const closed = new Promise<void>((done) => socket.once('close', () => done()));
  return {
    socket,
    ended,
    closed,
    /** Sends a request's head (its lines) and, if given, the start of its body. */
    send: (head: string[], body: string | Uint8Array = '') => socket.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(body)])),
    write: (bytes: Uint8Array | string) => socket.write(bytes),
    received: () => received,
    answer: async (index = 0): Promise<RawAnswer> => {
      await waitUntil(`answer ${index + 1} on the raw connection`, async () => parseAnswers(received).length > index);
      return parseAnswers(received)[index] as RawAnswer;
    },
  };
}
