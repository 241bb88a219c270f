import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { routeTemplate, type ListedRoute } from './allowedMethods.js';

/**
 * RED metrics for every request. `route` is the route template (`/messages/:digest`), never the
 * raw path, so a client cannot blow up the number of series by asking for random URLs.
 *
 * `routes` is the app's route list (`() => app.routes`), read when a request is counted: a 405
 * reaches no route of its path (none takes its method), so Hono names only the middleware it
 * passed, `/*` for most paths; the label is the template of the path it was asked on instead,
 * found as the 405's `Allow` is.
 */
export function httpMetrics(registry: Registry, routes: () => readonly ListedRoute[]): MiddlewareHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response headers sent',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests being served', registers: [registry] });

  return async (c, next) => {
    const started = process.hrtime.bigint();
    inFlight.inc();
    try {
      await next();
    } finally {
      inFlight.dec();
      const matched = routePath(c, -1);
      const route =
        c.res.status === 405 ? (routeTemplate(routes(), c.req.path) ?? matched)
        : c.res.status === 404 && (matched === '/*' || matched === '*') ? 'unmatched'
        : matched;
      const labels = { method: c.req.method, route, status: String(c.res.status) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
