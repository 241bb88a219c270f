import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from '../http/appDeps.js';
import { requestBody } from '../http/boundedBody.js';
import { errorBody } from '../http/errorBody.js';
import { parseJsonRequest } from '../http/jsonBody.js';
import { ErrMsgResponse } from '../http/schemas.js';

/**
 * A JSON string may escape a lone surrogate (`"\ud800"`), which names no character and has no
 * UTF-8 form: stored, it would come back as U+FFFD, another message than the one accepted. In
 * unicode mode the class matches only unpaired halves, so every real character passes.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const MessageRequest = z
  .object({
    message: z
      .string()
      .refine((text) => !LONE_SURROGATE.test(text), 'not well-formed Unicode: it holds a lone surrogate (a \\ud800–\\udfff escape without its pair), which names no character')
      .openapi({ example: 'foo' }),
  })
  .openapi('MessageRequest');

const PostMessage = createRoute({
  method: 'post',
  path: '/messages',
  summary: 'Store a message; answer its sha256 digest',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: MessageRequest } },
    },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: z.object({ digest: z.string().openapi({ example: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' }) }) } } },
    400: { description: 'Missing or non-string message, a message that is not well-formed Unicode (a lone surrogate), or not JSON', content: { 'application/json': { schema: ErrMsgResponse } } },
    413: { description: 'Body over JSON_BODY_LIMIT; answered with Connection: close', content: { 'application/json': { schema: ErrMsgResponse } } },
  },
});

const GetMessage = createRoute({
  method: 'get',
  path: '/messages/{digest}',
  summary: 'The message with this sha256 digest',
  request: { params: z.object({ digest: z.string().openapi({ param: { name: 'digest', in: 'path' } }) }) },
  responses: {
    200: { description: 'Found', content: { 'application/json': { schema: z.object({ message: z.string() }) } } },
    404: { description: 'Unknown digest', content: { 'application/json': { schema: ErrMsgResponse } } },
  },
});

export function messageRoutes(app: OpenAPIHono, deps: AppDeps): void {
  // Documented like every route, but served by a plain one that parses the body the body limit
  // has already read (boundedBody), instead of app.openapi()'s validators reading it again
  // through the Web Request: same answers (parseJsonRequest), a third of the CPU.
  app.openAPIRegistry.registerPath(PostMessage);
  app.post('/messages', async (c) => {
    const request = parseJsonRequest(c.req.header('content-type'), requestBody(c), MessageRequest);
    if (!request.ok) {
      // A 415 says which Content-Type was refused; the app's error handler words it for every route.
      if (request.status === 415) throw new HTTPException(415);
      return c.json(errorBody(c.req.path, request.message), 400);
    }
    const digest = await deps.messages.put(request.value.message);
    return c.json({ digest }, 201);
  });

  app.openapi(GetMessage, async (c) => {
    const { digest } = c.req.valid('param');
    const message = /^[0-9a-fA-F]{64}$/.test(digest) ? await deps.messages.get(digest) : null;
    if (message === null) return c.json({ err_msg: 'Message not found' }, 404);
    return c.json({ message }, 200);
  });
}
