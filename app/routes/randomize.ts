import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { echoedValue } from '../http/echoedValue.js';
import { answeredLate } from '../http/requestDeadline.js';
import { ErrorResponse, isToken, TokenParam, TokenResponse } from '../http/schemas.js';
import { checkImageData } from '../image/pngImageData.js';
import { inspectPng, PNG_MAX_CHUNKS } from '../image/pngInspection.js';
import { newToken } from '../jobs/jobQueues.js';
import { randomizeInputKey, randomizeResultKey } from '../store/blobStore.js';
import { jobStatusRoute } from './jobStatusRoute.js';

const Submit = createRoute({
  method: 'post',
  path: '/randomize',
  summary: 'Shuffle the 60×60 blocks of a PNG (asynchronously)',
  request: { body: { required: true, content: { 'image/png': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } } } },
  responses: {
    201: { description: 'Accepted; poll the status with the token', content: { 'application/json': { schema: TokenResponse } } },
    400: { description: `Not a PNG (by Content-Type or bytes), a corrupt one, or one in more than ${PNG_MAX_CHUNKS} chunks`, content: { 'application/json': { schema: ErrorResponse } } },
    413: { description: 'Body over IMAGE_BODY_LIMIT, or more pixels than IMAGE_MAX_PIXELS; answered with Connection: close', content: { 'application/json': { schema: ErrorResponse } } },
  },
});

const Result = createRoute({
  method: 'get',
  path: '/randomize/{token}/result',
  summary: 'The shuffled PNG, once finished',
  request: { params: TokenParam },
  responses: {
    200: { description: 'The PNG', content: { 'image/png': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } } },
    404: { description: 'Unknown token, or not finished yet', content: { 'application/json': { schema: z.object({ message: z.literal('not found') }) } } },
  },
});

export function randomizeRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(Submit, async (c) => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'image/png') return c.json({ error: `Content-Type must be image/png, not ${echoedValue(mediaType || '(none)', { quoted: true })}` }, 400);
    const bytes = Buffer.from(await c.req.arrayBuffer());
    const png = inspectPng(bytes);
    if (!png.ok) return c.json({ error: png.reason }, 400);
    if (png.width * png.height > deps.config.IMAGE_MAX_PIXELS) {
      return c.json({ error: `image has ${png.width}×${png.height} pixels, more than the limit of ${deps.config.IMAGE_MAX_PIXELS}` }, 413);
    }
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

  app.openapi(Result, async (c) => {
    const { token } = c.req.valid('param');
    const png = isToken(token) ? await deps.blobs.get(randomizeResultKey(token)) : null;
    if (!png) return c.json({ message: 'not found' as const }, 404);
    return c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png' });
  });
}

