import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { describeIssues } from './schemas.js';
import { decodeUtf8Strictly, notUtf8 } from './strictUtf8.js';

const JSON_MEDIA_TYPE = /^application\/([a-z-.]+\+)?json/i;

/**
 * Whether a request's body is JSON by its media type (`application/json`, `application/<x>+json`,
 * any case): what tells the JSON form of /file and /evensum from an upload, for the middleware
 * (timeout, body limit) and the route alike. By the media type, as @hono/zod-openapi tells which
 * body its JSON validator reads, not by "json" anywhere in the header: `text/plain; name=json` is
 * an upload, which was read as JSON without a path and answered 500.
 */
export const isJsonBody = (c: Context): boolean => JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '');

/** The Content-Types a JSON request body may come with: `application/json` or `application/<x>+json`, with parameters (@hono/zod-openapi's rule). */
const JSON_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** Whether a request's Content-Type is one a JSON body is taken with (the rest are refused with 415). */
export const acceptsJsonContentType = (contentType: string): boolean => JSON_CONTENT_TYPE.test(contentType);

export const MALFORMED_JSON = 'Malformed JSON in request body';

export type JsonRequest<T> =
  | { ok: true; value: T }
  | { ok: false; status: 415 }
  | { ok: false; status: 400; message: string };

/**
 * A JSON request body, judged and parsed once: what `app.openapi()`'s validators do with a
 * required JSON body (@hono/zod-openapi's media-type gate, then hono's json validator, then the
 * zod schema), for a route that reads its body itself (see boundedBody), with the same answers:
 * - a Content-Type that is not JSON, or none with a non-empty body: 415;
 * - no Content-Type and no body: the schema judges `{}` (a 400 naming the missing fields);
 * - bytes that are not UTF-8: 400 `request body is not valid UTF-8 (at byte N)`;
 * - bytes that are not JSON: 400 `Malformed JSON in request body`;
 * - JSON the schema refuses: 400 naming each field and why (`describeIssues`).
 * The bytes are decoded as UTF-8, a byte-order mark dropped as `Request.text()` drops it, but
 * strictly: where `Request.text()` replaces a malformed sequence with U+FFFD, and the route then
 * stored (or hashed, or looked for) a text the client never sent, the body is refused (strictUtf8).
 */
export function parseJsonRequest<T>(contentType: string | undefined, body: Uint8Array, schema: z.ZodType<T>): JsonRequest<T> {
  let value: unknown = {};
  if (!contentType) {
    if (body.byteLength > 0) return { ok: false, status: 415 };
  } else {
    if (!acceptsJsonContentType(contentType)) return { ok: false, status: 415 };
    const text = decodeUtf8Strictly(body);
    if (!text.ok) return { ok: false, status: 400, message: notUtf8(text.at) };
    try {
      value = JSON.parse(text.text);
    } catch {
      return { ok: false, status: 400, message: MALFORMED_JSON };
    }
  }
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, status: 400, message: describeIssues(result.error) };
}
