import { maxHeaderSize, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestError } from '@hono/node-server';
import { clientErrorAnswer, rawJsonAnswer, requestErrorAnswer, unmetExpectation } from './malformedRequest.js';

/**
 * Answers what Node's HTTP parser refuses (a raw non-ASCII byte in the request line, a malformed
 * header line, a head over the size limit or late) as the app answers every error: JSON saying
 * what was wrong, here `{"error": ...}` since there is no path to choose another key by. Node's own
 * answer to these is a bare `400 Bad Request` with no body. The connection is closed after the
 * answer, as Node closes it: the bytes after the fault cannot be framed as a next request. It
 * closes with the lingering close every other closing answer gets (closeAfterAnswer): Node goes on
 * feeding the parser what the client still sends, so that is read to its end, or to the linger's
 * bounds, and a client still writing reads the answer instead of meeting a reset.
 *
 * The answer keeps its turn on the connection (answerInTurn): a fault in a request pipelined
 * behind one still being answered is answered after that answer, not in its place, nor by cutting
 * it. Each answer is counted by its status (`onAnswered`), except the 408 to a connection that
 * never sent a byte, which made no request and is counted apart (`onIdleClosed`).
 */
export function answerClientErrors(server: Server, onAnswered: (status: number) => void = () => undefined, onIdleClosed: () => void = () => undefined): void {
  // The connections whose fault is being answered, at once or in its turn. While it waits its turn,
  // and while the connection lingers after the answer, the parser reports the same fault again
  // with every later chunk, and Node reports the head it cut short as late once headersTimeout has
  // passed: the first report is answered, and once; the others write nothing.
  const answering = new WeakSet<Duplex>();
  server.on('clientError', (error: Error, socket: Duplex) => {
    if (answering.has(socket)) return;
    answering.add(socket);
    const fault = parserError(error);
    const answer = socket.writable
      ? clientErrorAnswer(fault, { maxHeaderSize: ownMaxHeaderSize(server) ?? maxHeaderSize, headersTimeoutMs: server.headersTimeout })
      : undefined;
    // A reset or broken socket has nobody to read an answer.
    if (answer === undefined) {
      socket.destroy();
      return;
    }
    const idle = fault.code === 'ERR_HTTP_REQUEST_TIMEOUT' && sentNoByte(socket);
    answerInTurn(socket, () => {
      if (idle) onIdleClosed();
      else onAnswered(answer.status);
      socket.write(rawJsonAnswer(answer.status, { error: answer.message }));
      closeAfterAnswer(socket);
    });
  });
  // An Expect other than 100-continue: Node answers a bare 417 unless this event is handled, and
  // then hands the request to no route. Its body, if any, is left unread, so the connection ends.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    onAnswered(417);
    answerInJson(response, 417, unmetExpectation(request.headers.expect ?? ''), { Connection: 'close' });
  });
}

/**
 * Writes the answer to a fault on `socket` (`answer`) in its turn: HTTP/1.1 answers the requests
 * on a connection in the order they came. Node reports a fault as soon as it parses it, and a
 * client may have pipelined the faulty bytes behind a request whose answer is still being made
 * (or written): answered at once, the client read the JSON 400 as that request's answer, and the
 * real one was lost; when that answer had begun, the socket was destroyed and the answer cut.
 * Node's own handler has the same flaw. So an answer in flight to a request read whole is let
 * finish first, then the next in Node's queue, if the client pipelined more than one; then comes
 * this answer. Where the fault is in the request being answered (its body: a malformed chunk),
 * the answer is that request's own and goes at once, unless its answer has begun, which another
 * would corrupt: then the connection is closed with none, as Node does. An answer in flight that
 * closes without finishing (the client went away, the app destroyed it) leaves nothing to answer
 * after: the connection is closed.
 *
 * Nothing waits for ever: Node emits 'close' on the response it has given the socket when the
 * socket closes, however it closes, and the app answers every request within REQUEST_TIMEOUT_MS
 * (an upload within UPLOAD_IDLE_TIMEOUT_MS of its last byte, and its body is whole here, since the
 * fault came after it). The connection is held no longer than the earlier request held it anyway.
 */
function answerInTurn(socket: Duplex, answer: () => void): void {
  const inFlight = responseInFlight(socket);
  if (!socket.writable) {
    socket.destroy();
  } else if (inFlight === undefined || !inFlight.req.complete) {
    if (inFlight?.headersSent === true) socket.destroy();
    else answer();
  } else {
    // Node detaches a finished response from the socket, and gives it the next one it queued, in a
    // 'finish' listener of its own, added before the response was handed to the app: by the time
    // this one runs, the socket shows the next answer in flight, if any.
    const finished = () => {
      inFlight.off('close', abandoned);
      answerInTurn(socket, answer);
    };
    const abandoned = () => {
      inFlight.off('finish', finished);
      socket.destroy();
    };
    inFlight.once('finish', finished);
    inFlight.once('close', abandoned);
  }
}

/**
 * Closes the connection once the answer to its fault is written, the way Node closes after any
 * answer: `destroySoon`, which the server makes a lingering close on every connection as it opens
 * (lingerBeforeClosing), so that a client still sending what the parser refused reads the answer
 * instead of meeting a reset. Left as Node made it, `destroySoon` ends the socket and destroys it
 * once the answer is written. A stream that is not a socket (none is known here) is ended so.
 */
function closeAfterAnswer(socket: Duplex): void {
  if (socket instanceof Socket) socket.destroySoon();
  else socket.end(() => socket.destroy());
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
 * of the app, a 500. Either way the app never read the body: the answer says `Connection: close`
 * and the connection ends after it, as after every answer given before the body (Node would
 * discard the body and keep the connection, unlike every other early refusal).
 */
export function malformedRequestResponse(error: unknown): Response {
  const answer = error instanceof RequestError ? requestErrorAnswer(error) : { status: 500, message: 'internal error' };
  return new Response(JSON.stringify({ error: answer.message }), { status: answer.status, headers: { 'Content-Type': 'application/json', Connection: 'close' } });
}

/** The code and reason Node's HTTP parser errors carry (`HPE_INVALID_URL`, "Invalid char in url path"). */
function parserError(error: Error): { code?: string; reason?: string } {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const reason = 'reason' in error && typeof error.reason === 'string' ? error.reason : undefined;
  return { code, reason };
}

/**
 * The answer Node is writing on this connection, if any: the response to the oldest request not
 * yet answered in full. Node keeps it only on the socket (`_httpMessage`, untyped), and its own
 * default handler asks it the same question. It is preferred to counting the requests through the
 * server's 'request' event and their responses' 'finish' and 'close': it is Node's own record of
 * whose bytes go out next, kept by the code that queues pipelined answers and hands the socket on
 * from one to the next, so it cannot drift from it, and it includes answers made outside 'request'
 * (the 417 of 'checkExpectation'). Should Node rename it, this reads undefined and faults are
 * answered at once, as before (test/app/pipelinedFaults.test.ts tells).
 */
function responseInFlight(socket: Duplex): ServerResponse | undefined {
  return (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/**
 * Whether the connection has sent nothing at all, so that the head it is late with was never
 * begun: a browser's speculative preconnect, or a client's pooled connection never used. Its 408
 * is not a malformed request: no request was made. It still gets the 408, as Node gives it, not a
 * bare close: RFC 9110 §15.5.9 lets a server send 408 on an idle connection, and to a client that
 * wrote a request as the server gave up it says the request was not received, so it may be sent
 * again, even a POST (browsers retry on a 408 from a connection they kept); after a bare close the
 * client cannot tell whether its request was seen. `bytesRead` counts every byte the socket
 * received, also those Node's parser reads straight off the handle (as it does for every
 * connection the server accepts). A connection that sent only empty lines, which a server
 * ignores before a request line (RFC 9112 §2.2), is a late head all the same: no client is known
 * to open one so, and telling it apart would take the parser's state, which Node does not show.
 */
function sentNoByte(socket: Duplex): boolean {
  return socket instanceof Socket && socket.bytesRead === 0;
}

/** The server's own `maxHeaderSize` option, which Node keeps on the server (untyped there); without one, the process-wide limit applies. */
function ownMaxHeaderSize(server: Server): number | undefined {
  return (server as Server & { maxHeaderSize?: number }).maxHeaderSize;
}
