import { Hono } from 'hono';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { allowedMethods, routeTemplate } from '../../app/http/allowedMethods.js';
import { httpMetrics } from '../../app/http/httpMetrics.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { createApp } from '../../app/server.js';

describe('allowedMethods', () => {
  const routes = [
    { method: 'ALL', path: '*' },
    { method: 'POST', path: '/messages' },
    { method: 'GET', path: '/messages/:digest' },
    { method: 'GET', path: '/file/:token/status' },
  ];

  it('lists the methods the routes at a path take, GET bringing HEAD', () => {
    expect(allowedMethods(routes, '/messages')).toEqual(['POST']);
    expect(allowedMethods(routes, '/messages/abc')).toEqual(['GET', 'HEAD']);
  });

  it('matches paths as strictly as the router: a trailing slash is another path, which no route has', () => {
    expect(allowedMethods(routes, '/file/abc/status/')).toEqual([]);
    expect(allowedMethods(routes, '/healthz/')).toEqual([]);
  });

  it('is empty for a path no route has (middleware registered for every path does not count)', () => {
    expect(allowedMethods(routes, '/nope')).toEqual([]);
    expect(allowedMethods(routes, '/messages/abc/extra')).toEqual([]);
    expect(allowedMethods(routes, '/file//status')).toEqual([]);
  });
});

describe('routeTemplate', () => {
  const routes = [
    { method: 'ALL', path: '*' },
    { method: 'ALL', path: '/messages' },
    { method: 'POST', path: '/messages' },
    { method: 'GET', path: '/messages/:digest' },
    { method: 'GET', path: '/' },
  ];

  it('names the template of the route at a path, whatever its method', () => {
    expect(routeTemplate(routes, '/messages/abc')).toBe('/messages/:digest');
    expect(routeTemplate(routes, '/messages')).toBe('/messages');
    expect(routeTemplate(routes, '/')).toBe('/');
  });

  it('names none for a path no route has (middleware registered for every path does not count)', () => {
    expect(routeTemplate(routes, '/nope')).toBeUndefined();
    expect(routeTemplate(routes, '/messages/abc/')).toBeUndefined();
  });
});

describe('http_requests_total for a 405', () => {
  /** An app wired as server.ts wires it: the metrics first, told the app's routes; the 405s from notFound. */
  function appWithMetrics(): { app: Hono; metrics: () => Promise<string> } {
    const registry = new Registry();
    const app = new Hono();
    app.use('*', httpMetrics(registry, () => app.routes));
    app.use('/messages', async (_c, next) => next());
    app.get('/', (c) => c.text('Hello world!'));
    app.get('/counters', (c) => c.json({ counters: {} }));
    app.post('/messages', (c) => c.json({ digest: 'x' }, 201));
    app.get('/messages/:digest', (c) => c.json({ message: 'foo' }));
    app.notFound((c) => {
      const allowed = allowedMethods(app.routes, c.req.path);
      if (allowed.length === 0) return c.json({ error: 'no route' }, 404);
      c.header('Allow', allowed.join(', '));
      return c.json({ error: 'not allowed' }, 405);
    });
    return { app, metrics: () => registry.metrics() };
  }

  it('is labelled with the template of the path it was asked on, as any other answer there', async () => {
    const { app, metrics } = appWithMetrics();
    for (const [method, path] of [['DELETE', '/messages/abc'], ['POST', '/'], ['PATCH', '/counters'], ['PUT', '/messages']] as const) {
      expect((await app.request(path, { method })).status, `${method} ${path}`).toBe(405);
    }
    const text = await metrics();
    expect(text).toContain('http_requests_total{method="DELETE",route="/messages/:digest",status="405"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="/",status="405"} 1');
    expect(text).toContain('http_requests_total{method="PATCH",route="/counters",status="405"} 1');
    expect(text).toContain('http_requests_total{method="PUT",route="/messages",status="405"} 1');
    expect(text).not.toContain('route="/*"');
  });

  it('leaves a path no route has "unmatched", and a route\'s own answers under its template', async () => {
    const { app, metrics } = appWithMetrics();
    expect((await app.request('/nope', { method: 'DELETE' })).status).toBe(404);
    expect((await app.request('/messages/abc')).status).toBe(200);
    const text = await metrics();
    expect(text).toContain('http_requests_total{method="DELETE",route="unmatched",status="404"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/messages/:digest",status="200"} 1');
  });
});

describe('a known path asked with a method it does not take', () => {
  // No route is reached: nothing behind the app is needed.
  const app = createApp({ config: loadAppConfig({}), logger: pino({ level: 'silent' }), registry: new Registry() } as unknown as AppDeps);

  it('answers 405 with Allow, in the error body of its path', async () => {
    const put = await app.request('/messages', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    expect(await put.json()).toEqual({ err_msg: 'PUT is not allowed on /messages; it takes POST' });

    const del = await app.request('/randomize/0123/status', { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    expect(await del.json()).toEqual({ error: 'DELETE is not allowed on /randomize/0123/status; it takes GET, HEAD' });
  });

  it('still answers 404 for a path the app does not have', async () => {
    const response = await app.request('/nope', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no route for DELETE /nope' });
  });
});
