import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';

const Liveness = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process answers',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

const Readiness = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: Redis answers',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.literal('ready'), redis: z.literal('ok') }) } } },
    503: { description: 'Redis unreachable', content: { 'application/json': { schema: z.object({ status: z.literal('not ready'), redis: z.string() }) } } },
  },
});

const READY_PROBE_TIMEOUT_MS = 1000;

export function healthRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(Liveness, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(Readiness, async (c) => {
    const reply = await Promise.race([
      deps.redis.ping().catch((error: Error) => error.message),
      new Promise<string>((resolve) => setTimeout(() => resolve(`no answer within ${READY_PROBE_TIMEOUT_MS} ms`), READY_PROBE_TIMEOUT_MS).unref()),
    ]);
    if (reply === 'PONG') return c.json({ status: 'ready' as const, redis: 'ok' as const }, 200);
    return c.json({ status: 'not ready' as const, redis: reply }, 503);
  });

  app.get('/metrics', async (c) => c.text(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }));
}
