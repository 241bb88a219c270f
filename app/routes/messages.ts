import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { ErrMsgResponse } from '../http/schemas.js';

const PostMessage = createRoute({
  method: 'post',
  path: '/messages',
  summary: 'Store a message; answer its sha256 digest',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ message: z.string().openapi({ example: 'foo' }) }).openapi('MessageRequest') } },
    },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: z.object({ digest: z.string().openapi({ example: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' }) }) } } },
    400: { description: 'Missing or non-string message, or not JSON', content: { 'application/json': { schema: ErrMsgResponse } } },
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
  app.openapi(PostMessage, async (c) => {
    const { message } = c.req.valid('json');
    const digest = await deps.messages.put(message);
    return c.json({ digest }, 201);
  });

  app.openapi(GetMessage, async (c) => {
    const { digest } = c.req.valid('param');
    const message = /^[0-9a-fA-F]{64}$/.test(digest) ? await deps.messages.get(digest) : null;
    if (message === null) return c.json({ err_msg: 'Message not found' }, 404);
    return c.json({ message }, 200);
  });
}
