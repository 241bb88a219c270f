import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Context } from 'hono';

/** A request body as a route can read it: the Node request, or a Web stream, or none. */
export type RequestBodySource = Readable | WebReadableStream<Uint8Array> | null;

/**
 * A request's body as the Node request stream when the app runs on @hono/node-server, read
 * directly: asking for the Web `Request`'s body instead builds that Request (undici's, with its
 * AbortSignal and a ReadableStream over the Node stream) and costs each byte a round trip through
 * it, measured as most of what POST /messages cost beyond bare Node and about half of what an
 * upload cost. Elsewhere (`app.request()` in tests, other runtimes), or once something has read
 * the Node request already, the Web stream of the request: never both, or each would take every
 * byte and one of them hold a copy of the body.
 */
export function requestBodySource(c: Context): RequestBodySource {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof Readable && !incoming.readableDidRead) return incoming;
  return c.req.raw.body as WebReadableStream<Uint8Array> | null;
}

/** The Content-Length the request gives, when it gives a usable one (none with chunked transfer coding). */
export function declaredBodyLength(c: Context): number | null {
  if (c.req.header('transfer-encoding')) return null;
  const value = c.req.header('content-length')?.trim();
  return value && /^\d{1,15}$/.test(value) ? Number(value) : null;
}

/**
 * Whether the request has a body, as its framing says: a Content-Length over 0, or a
 * Transfer-Encoding (chunked: how long, maybe nothing, is known only once it is read). With
 * neither, Node frames a request as having no body. A Request made in the process
 * (`app.request()` in tests) may carry one without saying so: there its body stream tells.
 */
export function hasRequestBody(c: Context): boolean {
  const declared = declaredBodyLength(c);
  if (declared !== null) return declared > 0;
  // Chunked, or a Content-Length Node would have refused: a body, or a request as good as one.
  if (c.req.header('transfer-encoding') !== undefined || c.req.header('content-length') !== undefined) return true;
  return (c.env as { incoming?: unknown } | undefined)?.incoming === undefined && c.req.raw.body !== null;
}

/**
 * A body's pieces as they arrive. Leaving the loop early releases the stream without destroying
 * or cancelling it: on @hono/node-server either would destroy the Node request, and its socket
 * with it, before the answer is written. The server then closes the connection or drains what is
 * left, as for any answer given early.
 */
export function bodyPieces(source: RequestBodySource): AsyncIterable<Uint8Array> {
  if (source === null) return noPieces();
  if (source instanceof Readable) return source.iterator({ destroyOnReturn: false });
  return source.values({ preventCancel: true });
}

async function* noPieces(): AsyncGenerator<Uint8Array> {}
