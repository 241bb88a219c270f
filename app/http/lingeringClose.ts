import type { Socket } from 'node:net';

/** How long, and for how many more bytes of the refused body, a closing connection goes on reading. */
export const LINGER = { ms: 2_000, bytes: 16 * 1024 * 1024 } as const;

/**
 * Closes the connection in stages, as RFC 9112 §9.6 asks of a server that closes after an answer
 * ("lingering close"): the answer and a FIN go out, and what the client is still sending is read and
 * thrown away until it closes its side, for at most `LINGER.ms` or `LINGER.bytes`. Node closes at
 * once (`destroySoon` once the answer is written), and a client still writing the body then got a
 * reset: its HTTP library failed with EPIPE before it had read the 413 waiting for it (fetch, two
 * runs in six here with a 3 MB body). Armed on every connection as it opens (serveApp), once: it
 * changes nothing until the connection is ended after an answer, whichever answer (the app's,
 * the adapter's, the Host check's, an unmet Expect's, and the parser's own refusals, which
 * `answerClientErrors` closes through `destroySoon` too). After a parser error Node goes on feeding
 * the parser what arrives, and the parser reports the same error again with each piece (ignored
 * there): the bytes are read, and counted here, as after any other answer.
 */
export function lingerBeforeClosing(socket: Socket): void {
  let closing = false;
  socket.destroySoon = () => {
    if (closing || socket.destroyed) return;
    closing = true;
    socket.end();
    let discarded = 0;
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER.ms);
    timer.unref();
    socket.on('data', (piece: Buffer) => {
      discarded += piece.length;
      if (discarded > LINGER.bytes) close();
    });
    // The client has stopped sending: close once the answer is out (a client that ended its side
    // before the answer still reads it), not at the linger's end, for which it would wait in vain.
    const clientDone = () => (socket.writableFinished ? close() : socket.once('finish', close));
    if (socket.readableEnded) clientDone();
    else socket.once('end', clientDone);
    socket.resume();
  };
}
