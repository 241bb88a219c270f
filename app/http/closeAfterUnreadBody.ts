import { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { hasRequestBody } from './requestBodySource.js';

/**
 * The answers that may come before the request body was read to its end: 408 (it stopped
 * arriving) and 413 (it is over a limit, the rest unread). The rest of that body may still be on
 * its way, or never come, and the connection can carry no next request before it is through. By
 * status alone, not by whether the body happened to be all there (a 413 on the pixel count comes
 * after the whole PNG): a client sees the same rule whatever the timing.
 */
export const answersBeforeTheBody = (status: number): boolean => status === 408 || status === 413;

/**
 * Whether the app answered a request that has a body (a Content-Length over 0, or chunked)
 * without reading that body to its end: a 415 judged on the headers, a 400 on an upload's first
 * bytes, a 404 or 405 whose route reads nothing. By what the app read, not by what had arrived,
 * so that a client sees the same rule whatever the timing. Only on a Node request: a Request made
 * in the process (`app.request()` in tests) has no connection to keep or close.
 */
export function answeredBeforeTheBody(c: Context): boolean {
  const incoming = nodeRequest(c);
  return incoming !== undefined && !incoming.readableEnded && hasRequestBody(c);
}

/**
 * Gives those answers, and any other answered before the body was read to its end
 * (answeredBeforeTheBody), `Connection: close`; Node then ends the connection once the answer is
 * written. Kept open instead, the server would go on reading a stalled client's body, or gigabytes
 * of one it has refused, while telling the client the connection may be reused; and it did not
 * even do that: the adapter (@hono/node-server) reads what is left of an unread body for 0.5 s,
 * then cuts the connection, so a 415 said `keep-alive` and the client still sending its body met a
 * broken pipe. An answer after the whole body was read keeps the connection.
 */
export function closeAfterUnreadBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!answersBeforeTheBody(c.res.status) && !answeredBeforeTheBody(c)) return;
    // The close itself lingers: serveApp arms every connection (lingeringClose.ts).
    c.header('Connection', 'close');
  };
}

function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}
