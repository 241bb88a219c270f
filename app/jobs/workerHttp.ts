import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { notRouted } from '../http/notRouted.js';
import { echoedValue } from '../http/echoedValue.js';
import type { Logger } from '../../common/logger.js';

/**
 * What a worker answers on WORKER_METRICS_PORT: `/healthz` and `/metrics`, and its errors in JSON
 * as the app's are (`{"error": ...}`): an unknown path 404, a method a path does not take 405 with
 * `Allow`. Hono's own were a plain-text `404 Not Found` for both.
 */
export function workerHttp(registry: Registry, logger: Logger): Hono {
  const http = new Hono();
  http.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Answers within the queue gauges' bound (QUEUE_METRICS_TIMEOUT_MS) whatever Redis does.
  http.get('/metrics', async (c) => c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
  http.notFound((c) => notRouted(c, http.routes, (error) => ({ error }), '; this port serves GET /healthz and GET /metrics'));
  http.onError((error, c) => {
    logger.error({ err: error, method: echoedValue(c.req.method), path: echoedValue(c.req.path) }, 'unhandled error');
    return c.json({ error: 'internal error' }, 500);
  });
  return http;
}
