import type { MiddlewareHandler } from 'hono';
import { echoedValue } from './echoedValue.js';
import { errorBody } from './errorBody.js';
import { hasRequestBody } from './requestBodySource.js';

/** The coding a Content-Encoding header says a body is in, lower-cased; undefined for none (no header, empty, `identity`). */
export function statedContentCoding(header: string | undefined): string | undefined {
  const coding = (header ?? '').trim().toLowerCase();
  return coding === '' || coding === 'identity' ? undefined : coding;
}

/**
 * Refuses a compressed request body with 415: bodies are read as sent, and a compressed one would
 * be stored or counted as its compressed bytes. A request without a body has nothing compressed,
 * so its Content-Encoding says nothing and is ignored: a GET, HEAD or DELETE carrying the header
 * is answered as without it.
 */
export function refuseCompressedBodies(): MiddlewareHandler {
  return async (c, next) => {
    const coding = statedContentCoding(c.req.header('content-encoding'));
    if (coding === undefined || !hasRequestBody(c)) return next();
    return c.json(errorBody(c.req.path, `Content-Encoding ${echoedValue(coding, { quoted: true })} is not accepted: send the body uncompressed`), 415);
  };
}
