import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { createApp } from '../../app/server.js';

/** The document only: the app in this process, nothing behind it (no route is called). */
const app = createApp({ config: loadAppConfig({}), logger: pino({ level: 'silent' }), registry: new Registry() } as unknown as AppDeps);

interface Operation {
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
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

  it('says what /file and /evensum refuse before an upload: a request without a Content-Type (415), an empty upload (400)', async () => {
    const paths = await documentPaths();
    for (const path of ['/file', '/evensum']) {
      const { responses } = paths[path]?.post as Operation;
      expect(responses['415']?.description, path).toMatch(/^No Content-Type, whatever the body .*or one other than application\/json, text\/plain and application\/octet-stream; or a compressed body/);
      expect(schemaOf(paths[path]?.post, '415')).toBe('#/components/schemas/Error');
      expect(responses['400']?.description, path).toMatch(/an empty upload \(no body, Content-Length: 0, or a chunked body of no bytes\)/);
    }
  });

  it('is what a 415 names as the Content-Types a route takes', async () => {
    const paths = await documentPaths();
    for (const path of ['/messages', '/multivac/data', '/file', '/evensum']) {
      const documented = Object.keys(paths[path]?.post?.requestBody?.content ?? {});
      const listed = documented.length === 1 ? documented[0] : `${documented.slice(0, -1).join(', ')} or ${documented.at(-1)}`;
      const response = await app.request(path, { method: 'POST', headers: { 'Content-Type': 'text/html' }, body: 'x' });
      expect(response.status, path).toBe(415);
      expect(JSON.stringify(await response.json()), path).toContain(`is not accepted by POST ${path}, which takes ${listed}; see /openapi.json`);
    }
  });

  it("keeps a route's own answer where it says more (/readyz's 503 is its readiness report)", async () => {
    const readyz = (await documentPaths())['/readyz']?.get;
    expect(JSON.stringify(readyz?.responses['503'])).toContain('not ready');
    expect(Object.keys((await documentPaths())['/multivac/data']?.post?.responses ?? {})).toContain('413');
  });

  it('says why a result is not there: 404 "not found" with its error (unknown token, not finished yet), 409 for a job that errored', async () => {
    const paths = await documentPaths();
    for (const path of ['/file/{token}/result', '/evensum/{token}/result', '/randomize/{token}/result']) {
      const operation = paths[path]?.get;
      expect(Object.keys(operation?.responses ?? {}), path).toEqual(expect.arrayContaining(['200', '404', '409', '503']));
      expect(schemaOf(operation, '404'), path).toBe('#/components/schemas/ResultNotFound');
      expect(schemaOf(operation, '409'), path).toBe('#/components/schemas/Error');
      expect(operation?.responses['409']?.description, path).toMatch(/^The job errored/);
    }
    const response = await app.request('/openapi.json');
    const schemas = ((await response.json()) as { components: { schemas: Record<string, unknown> } }).components.schemas;
    expect(schemas.ResultNotFound).toEqual({ type: 'object', properties: { error: { type: 'string' }, message: { type: 'string', enum: ['not found'] } }, required: ['error', 'message'] });
  });

  it('documents each result in the media type it is answered in', async () => {
    const paths = await documentPaths();
    expect(Object.keys(paths['/file/{token}/result']?.get?.responses['200']?.content ?? {})).toEqual(['text/plain']);
    expect(Object.keys(paths['/evensum/{token}/result']?.get?.responses['200']?.content ?? {})).toEqual(['application/json']);
    expect(Object.keys(paths['/randomize/{token}/result']?.get?.responses['200']?.content ?? {})).toEqual(['image/png']);
  });
});
