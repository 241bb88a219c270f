import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { answeredLate } from '../http/requestDeadline.js';
import { ErrorResponse } from '../http/schemas.js';
import { multivacAnswer } from '../multivac/answer.js';

export const MULTIVAC_DATUM_LIMIT = 64 * 1024;

const Ask = createRoute({
  method: 'get',
  path: '/multivac',
  summary: 'Ask MultiVAC how the entropy of the universe can be reversed',
  responses: { 200: { description: 'The answer, or INSUFFICIENT DATA FOR MEANINGFUL ANSWER.', content: { 'text/plain': { schema: z.string() } } } },
});

const Feed = createRoute({
  method: 'post',
  path: '/multivac/data',
  summary: 'Give MultiVAC a datum; a worker processes it asynchronously',
  request: {
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: z.object({ data: z.string().min(1, 'data must not be empty').max(MULTIVAC_DATUM_LIMIT) }) },
        'multipart/form-data': { schema: z.object({ data: z.string().min(1, 'data must not be empty').max(MULTIVAC_DATUM_LIMIT) }) },
      },
    },
  },
  responses: {
    200: { description: 'Accepted for processing', content: { 'application/json': { schema: z.object({ response: z.literal('MultiVAC updated!') }) } } },
    400: { description: 'Missing or empty form field `data`', content: { 'application/json': { schema: ErrorResponse } } },
    413: { description: 'Body over JSON_BODY_LIMIT; answered with Connection: close', content: { 'application/json': { schema: ErrorResponse } } },
  },
});

export function multivacRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(Ask, async (c) => c.text(multivacAnswer(await deps.multivac.knowledge()), 200));

  app.openapi(Feed, async (c) => {
    const { data } = c.req.valid('form');
    await deps.queues.enqueue('multivac', { data }, undefined, answeredLate(c));
    return c.json({ response: 'MultiVAC updated!' as const }, 200);
  });
}
