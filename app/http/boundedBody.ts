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

export interface BoundedBodyOptions {
  /**
   * The Content-Types the route (a POST) takes. A POST whose Content-Length is within the limit
   * and whose Content-Type is another (or that has none, and a body) is refused with 415 before its
   * body is read: the order in which hono's body limit (which judged a Content-Length and read
   * nothing) and @hono/zod-openapi's media-type gate answered, so that a stalled body of the wrong
   * type still gets its 415 at once rather than a 408. A body without a Content-Length is read
   * (within the limit) first, as the body limit read it; the route judges its type after. Other
   * methods are not judged here: the path answers them 405.
   */
  accepts?: (contentType: string) => boolean;
}

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
export function boundedBody(limit: number, tooLarge: (c: Context) => Response, options: BoundedBodyOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const declaredLength = declaredBodyLength(c);
    if (options.accepts && c.req.method === 'POST' && declaredLength !== null && declaredLength <= limit) {
      const contentType = c.req.header('content-type');
      // The error handler words the 415 (which Content-Type, which route).
      if (contentType ? !options.accepts(contentType) : declaredLength > 0) throw new HTTPException(415);
    }
    const body = await readBodyInOneBuffer(requestBodySource(c), { declaredLength, limit });
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
