import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { readBodyInOneBuffer, type HeadVerdict } from '../http/bodyInOneBuffer.js';
import { declaredBodyLength, requestBodySource } from '../http/requestBodySource.js';
import { echoedValue } from '../http/echoedValue.js';
import { answeredLate } from '../http/requestDeadline.js';
import { ErrorResponse, TokenResponse } from '../http/schemas.js';
import { checkImageData } from '../image/pngImageData.js';
import { checkPngHead, PNG_HEAD_BYTES } from '../image/pngHead.js';
import { inspectPng, PNG_MAX_CHUNKS } from '../image/pngInspection.js';
import { newToken } from '../jobs/jobQueues.js';
import { randomizeInputKey, randomizeResultKey } from '../store/blobStore.js';
import { jobResultRoute } from './jobResultRoute.js';
import { jobStatusRoute } from './jobStatusRoute.js';

const Submit = createRoute({
  method: 'post',
  path: '/randomize',
  summary: 'Shuffle the 60×60 blocks of a PNG (asynchronously)',
  request: { body: { required: true, content: { 'image/png': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } } } },
  responses: {
    201: { description: 'Accepted; poll the status with the token', content: { 'application/json': { schema: TokenResponse } } },
    400: { description: `Not a PNG (by Content-Type or bytes), a corrupt one, or one in more than ${PNG_MAX_CHUNKS} chunks; refused on its signature or IHDR, before the rest is read, with Connection: close`, content: { 'application/json': { schema: ErrorResponse } } },
    413: { description: 'Body over IMAGE_BODY_LIMIT, or more pixels than IMAGE_MAX_PIXELS (by the IHDR, before the rest is read); answered with Connection: close', content: { 'application/json': { schema: ErrorResponse } } },
  },
});

export function randomizeRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(Submit, async (c) => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'image/png') return c.json({ error: `Content-Type must be image/png, not ${echoedValue(mediaType || '(none)', { quoted: true })}` }, 400);
    // The signature and the IHDR are judged as they arrive: a body that is not a PNG, or one of
    // too many pixels, is refused without reading the rest of it. An accepted one is held once.
    const body = await readBodyInOneBuffer(requestBodySource(c), {
      declaredLength: declaredBodyLength(c),
      limit: deps.config.IMAGE_BODY_LIMIT,
      head: { bytes: PNG_HEAD_BYTES, judge: (head) => judgePngHead(head, deps.config.IMAGE_MAX_PIXELS) },
    });
    if (!body.ok) {
      // Refused before its end: the rest may still be on its way, and the connection can carry no
      // next request before it is through (closeAfterUnreadBody). Closed even when the whole body
      // happened to be there, so that a client sees one rule whatever the timing.
      if (body.unread) c.header('Connection', 'close');
      return c.json({ error: body.reason }, body.status);
    }
    const bytes = body.bytes;
    // The head was judged above (the pixel limit included): a body too short for it is refused here.
    const png = inspectPng(bytes);
    if (!png.ok) return c.json({ error: png.reason }, 400);
    // After the pixel limit, so that inflating is bounded by it (and stops at the first byte too many).
    // The IDAT chunks are read from the upload as zlib takes them: nothing is kept per chunk.
    const data = await checkImageData(png.header, png.imageData);
    if (!data.ok) return c.json({ error: data.reason }, 400);
    // Checking a large PNG takes a while: a request answered 503 meanwhile stores and queues nothing.
    const late = answeredLate(c);
    late.throwIfAborted();
    const token = newToken();
    // The bytes are stored before the job exists, so a worker never sees a job without its input.
    await deps.blobs.put(randomizeInputKey(token), bytes);
    try {
      await deps.queues.enqueue('randomize', { bytes: bytes.length }, token, late);
    } catch (error) {
      // No job (Redis away, or the request answered late): nothing would ever read the input.
      await deps.blobs.delete(randomizeInputKey(token)).catch(() => undefined);
      throw error;
    }
    return c.json({ token }, 201);
  });

  jobStatusRoute(app, deps, 'randomize', '/randomize');

  jobResultRoute(app, deps, {
    type: 'randomize',
    base: '/randomize',
    summary: 'The shuffled PNG, once finished',
    content: { 'image/png': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
    answer: async (c, token) => {
      const png = await deps.blobs.get(randomizeResultKey(token));
      return png ? c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png' }) : undefined;
    },
  });
}

/** The verdict on an upload's first bytes: not a PNG or a bad IHDR (400), more pixels than allowed (413), or read on. */
function judgePngHead(head: Uint8Array, maxPixels: number): HeadVerdict {
  const check = checkPngHead(head);
  if (check.state === 'incomplete') return 'more';
  if (check.state === 'refused') return { status: 400, reason: check.reason };
  const { width, height } = check.header;
  if (width * height > maxPixels) return { status: 413, reason: `image has ${width}×${height} pixels, more than the limit of ${maxPixels}` };
  return 'read on';
}
