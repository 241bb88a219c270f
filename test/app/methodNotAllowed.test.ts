import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { allowedMethods } from '../../app/http/allowedMethods.js';
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
