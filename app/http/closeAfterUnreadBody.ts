import type { MiddlewareHandler } from 'hono';

/**
 * The answers that may come before the request body was read to its end: 408 (it stopped
 * arriving) and 413 (it is over a limit, the rest unread). The rest of that body may still be on
 * its way, or never come, and the connection can carry no next request before it is through. By
 * status alone, not by whether the body happened to be all there (a 413 on the pixel count comes
 * after the whole PNG): a client sees the same rule whatever the timing.
 */
export const answersBeforeTheBody = (status: number): boolean => status === 408 || status === 413;

/**
 * Gives those answers `Connection: close`; Node then ends the connection once the answer is
 * written. Kept open instead, the server would go on reading a stalled client's body, or gigabytes
 * of one it has refused, while telling the client the connection may be reused (it would be cut
 * anyway once the adapter gives up draining it).
 */
export function closeAfterUnreadBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (answersBeforeTheBody(c.res.status)) c.header('Connection', 'close');
  };
}
