import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from '../http/appDeps.js';
import { requestBody } from '../http/boundedBody.js';
import { errorBody } from '../http/errorBody.js';
import { parseFormRequest } from '../http/formBody.js';
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

const Datum = z.object({ data: z.string().min(1, 'data must not be empty').max(MULTIVAC_DATUM_LIMIT) });

const Feed = createRoute({
  method: 'post',
  path: '/multivac/data',
  summary: 'Give MultiVAC a datum; a worker processes it asynchronously',
  request: {
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: Datum },
        'multipart/form-data': { schema: Datum },
      },
    },
  },
  responses: {
    200: { description: 'Accepted for processing', content: { 'application/json': { schema: z.object({ response: z.literal('MultiVAC updated!') }) } } },
    400: { description: 'Missing or empty form field `data`', content: { 'application/json': { schema: ErrorResponse } } },
    413: { description: 'Body over JSON_BODY_LIMIT; answered with Connection: close', content: { 'application/json': { schema: ErrorResponse } } },
    415: {
      description: 'Content-Type not a form; a compressed body (Content-Encoding other than identity); or a multipart part with a Content-Transfer-Encoding other than 7bit, 8bit or binary (RFC 7578 §4.7: send parts unencoded)',
      content: { 'application/json': { schema: ErrorResponse } },
    },
  },
});

export function multivacRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(Ask, async (c) => c.text(multivacAnswer(await deps.multivac.knowledge()), 200));

  // Documented like every route, but served by a plain one that parses the body boundedBody has
  // already read, instead of app.openapi()'s validators reading it again through the Web Request
  // (as POST /messages): same answers (parseFormRequest).
  app.openAPIRegistry.registerPath(Feed);
  app.post('/multivac/data', async (c) => {
    const request = await parseFormRequest(c.req.header('content-type'), requestBody(c), Datum);
    if (!request.ok) {
      if (request.status === 415) {
        // A 415 on the Content-Type says which was refused; the app's error handler words it for every route.
        if (request.message === undefined) throw new HTTPException(415);
        return c.json(errorBody(c.req.path, request.message), 415);
      }
      return c.json(errorBody(c.req.path, request.message), 400);
    }
    await deps.queues.enqueue('multivac', { data: request.value.data }, undefined, answeredLate(c));
    return c.json({ response: 'MultiVAC updated!' as const }, 200);
  });
}
