import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { createApp } from '../../app/server.js';

/** The document only: the app in this process, nothing behind it (no route is called). */
const app = createApp({ config: loadAppConfig({}), logger: pino({ level: 'silent' }), registry: new Registry() } as unknown as AppDeps);

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

async function documentPaths(): Promise<Record<string, Record<string, Operation>>> {
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  return ((await response.json()) as { paths: Record<string, Record<string, Operation>> }).paths;
}

const schemaOf = (operation: Operation | undefined, status: string) => operation?.responses[status]?.content?.['application/json']?.schema?.$ref;

describe('the OpenAPI document', () => {
  it('lists what the middleware answers on any route: 408 and 415 where a body is sent, 503 everywhere but health', async () => {
    const paths = await documentPaths();
    for (const [path, method] of [['/randomize', 'post'], ['/file', 'post'], ['/evensum', 'post'], ['/multivac/data', 'post']] as const) {
      const operation = paths[path]?.[method];
      expect(Object.keys(operation?.responses ?? {}), `${method} ${path}`).toEqual(expect.arrayContaining(['408', '415', '503']));
      expect(schemaOf(operation, '503')).toBe('#/components/schemas/Error');
    }
    expect(Object.keys(paths['/file/{token}/status']?.get?.responses ?? {})).toContain('503');
    expect(Object.keys(paths['/file/{token}/status']?.get?.responses ?? {})).not.toContain('415');
    expect(Object.keys(paths['/healthz']?.get?.responses ?? {})).not.toContain('503');
  });

  it("gives /messages its seed's error body ({err_msg}) in the shared answers too", async () => {
    expect(schemaOf((await documentPaths())['/messages']?.post, '415')).toBe('#/components/schemas/ErrMsg');
  });

  it("keeps a route's own answer where it says more (/readyz's 503 is its readiness report)", async () => {
    const readyz = (await documentPaths())['/readyz']?.get;
    expect(JSON.stringify(readyz?.responses['503'])).toContain('not ready');
    expect(Object.keys((await documentPaths())['/multivac/data']?.post?.responses ?? {})).toContain('413');
  });
});
