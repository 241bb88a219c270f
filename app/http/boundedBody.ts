import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { readBodyInOneBuffer } from './bodyInOneBuffer.js';
import { declaredBodyLength, requestBodySource } from './requestBodySource.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The request body, read whole within its limit by `boundedBody`. */
    boundedBody: Buffer;
  }
}

const NO_BODY = Buffer.alloc(0);

/**
 * Reads a request's body whole before the route runs, and answers `tooLarge` (a 413) as soon as
 * the body is known to be over `limit` bytes: by its Content-Length, before a byte is read, or
 * while it streams in without one. The rest of such a body is left unread (the 413 closes the
 * connection, see closeAfterUnreadBody).
 *
 * hono/body-limit does the same through the Web `Request`'s body, and the validator then reads
 * the body back through it: measured on POST /messages, most of the CPU a request cost beyond
 * bare Node. Here the Node request is read (requestBodySource); the route takes the bytes from
 * `requestBody(c)` and parses them once.
 */
export function boundedBody(limit: number, tooLarge: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const body = await readBodyInOneBuffer(requestBodySource(c), { declaredLength: declaredBodyLength(c), limit });
    if (!body.ok) {
      if (body.status === 413) return tooLarge(c);
      // The client went away before the body's end: nobody reads this answer, but it is a 400 for the metrics.
      throw new HTTPException(body.status, { message: body.reason });
    }
    c.set('boundedBody', body.bytes);
    return next();
  };
}

/** The body `boundedBody` read (empty when it did not run: a GET). */
export function requestBody(c: Context): Buffer {
  return c.get('boundedBody') ?? NO_BODY;
}
