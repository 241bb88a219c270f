import { maxHeaderSize, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { RequestError } from '@hono/node-server';
import { clientErrorAnswer, rawJsonAnswer, requestErrorAnswer, unmetExpectation } from './malformedRequest.js';

/**
 * Answers what Node's HTTP parser refuses (a raw non-ASCII byte in the request line, a malformed
 * header line, a head over the size limit or late) as the app answers every error: JSON saying
 * what was wrong, here `{"error": ...}` since there is no path to choose another key by. Node's own
 * answer to these is a bare `400 Bad Request` with no body. The connection is closed after the
 * answer, as Node closes it: the bytes after the fault cannot be framed as a next request.
 */
export function answerClientErrors(server: Server, onAnswered: (status: number) => void = () => undefined): void {
  server.on('clientError', (error: Error, socket: Duplex) => {
    const answer = socket.writable && !answerBegun(socket)
      ? clientErrorAnswer(parserError(error), { maxHeaderSize: ownMaxHeaderSize(server) ?? maxHeaderSize, headersTimeoutMs: server.headersTimeout })
      : undefined;
    // A reset or broken socket has nobody to read an answer; one whose answer has begun would be corrupted by another.
    if (answer === undefined) {
      socket.destroy();
      return;
    }
    onAnswered(answer.status);
    socket.end(rawJsonAnswer(answer.status, { error: answer.message }), () => socket.destroy());
  });
  // An Expect other than 100-continue: Node answers a bare 417 unless this event is handled, and
  // then hands the request to no route. Its body, if any, is left unread, so the connection ends.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    onAnswered(417);
    answerInJson(response, 417, unmetExpectation(request.headers.expect ?? ''), { Connection: 'close' });
  });
}

/** Answers a request the app never sees (refused before routing) with the app's JSON error body, framed by its length. */
export function answerInJson(response: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify({ error: message });
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/**
 * The answer to a request that parsed but that @hono/node-server could make no URL of (no Host,
 * an invalid one, a backslash in the path, a target that is not a path): JSON, where the adapter
 * would answer a bare 400. Its `errorHandler`, called only when the app's fetch never ran or threw
 * before it returned: the app answers its own errors (its onError), so anything else is a fault
 * of the app, a 500.
 */
export function malformedRequestResponse(error: unknown): Response {
  const answer = error instanceof RequestError ? requestErrorAnswer(error) : { status: 500, message: 'internal error' };
  return new Response(JSON.stringify({ error: answer.message }), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
}

/** The code and reason Node's HTTP parser errors carry (`HPE_INVALID_URL`, "Invalid char in url path"). */
function parserError(error: Error): { code?: string; reason?: string } {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const reason = 'reason' in error && typeof error.reason === 'string' ? error.reason : undefined;
  return { code, reason };
}

/**
 * Whether an answer on this connection has begun: Node's own test before its default answer.
 * The in-flight ServerResponse is kept only on the socket (`_httpMessage`), which is not typed.
 */
function answerBegun(socket: Duplex): boolean {
  return (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true;
}

/** The server's own `maxHeaderSize` option, which Node keeps on the server (untyped there); without one, the process-wide limit applies. */
function ownMaxHeaderSize(server: Server): number | undefined {
  return (server as Server & { maxHeaderSize?: number }).maxHeaderSize;
}
