import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { notReadyReason, redisEndpoint, type RedisProbe } from '../store/redisReachability.js';

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
    503: {
      description: 'Redis unreachable, or not answering PONG',
      content: { 'application/json': { schema: z.object({ status: z.literal('not ready'), redis: z.string().openapi({ example: 'redis at 10.0.0.7:6379 unreachable: connect ECONNREFUSED 10.0.0.7:6379' }) }) } },
    },
  },
});

const READY_PROBE_TIMEOUT_MS = 1000;

export function healthRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(Liveness, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(Readiness, async (c) => {
    const probe = await Promise.race<RedisProbe>([
      deps.redis.ping().then((answer) => ({ answer }), (error: Error) => ({ error })),
      new Promise((resolve) => setTimeout(() => resolve({ timedOutAfterMs: READY_PROBE_TIMEOUT_MS }), READY_PROBE_TIMEOUT_MS).unref()),
    ]);
    if ('answer' in probe && probe.answer === 'PONG') return c.json({ status: 'ready' as const, redis: 'ok' as const }, 200);
    return c.json({ status: 'not ready' as const, redis: notReadyReason(redisEndpoint(deps.redis), probe, deps.lastRedisConnectionError()) }, 503);
  });

  app.get('/metrics', async (c) => c.text(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }));
}
