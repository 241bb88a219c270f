import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppUnderTest, type AppUnderTest } from '../support/processes.js';

let sut: AppUnderTest;
beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 2, worker: false });
});
afterAll(async () => sut?.stop());

describe('GET / (the sample-task seed)', () => {
  it('answers Hello world! and counts requests per user given by ?user=', async () => {
    const first = await fetch(`${sut.url}/?user=alice`);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('Hello world!');
    expect(first.headers.get('x-request-count')).toBe('1');
    const second = await fetch(`${sut.url}/?user=alice`);
    expect(second.headers.get('x-request-count')).toBe('2');
  });

  it('takes the user from the X-User-Id header when there is no query parameter', async () => {
    const response = await fetch(`${sut.url}/`, { headers: { 'X-User-Id': 'bob' } });
    expect(response.headers.get('x-user')).toBe('bob');
    expect(response.headers.get('x-request-count')).toBe('1');
  });

  it('counts requests without a user as anonymous', async () => {
    const response = await fetch(`${sut.url}/`);
    expect(response.headers.get('x-user')).toBe('anonymous');
  });

  it('answers JSON with the count when asked for application/json', async () => {
    const response = await fetch(`${sut.url}/?user=carol`, { headers: { Accept: 'application/json' } });
    expect(await response.json()).toEqual({ message: 'Hello world!', user: 'carol', count: 1 });
  });

  it('refuses a user id that is not 1-64 safe characters with 400', async () => {
    const response = await fetch(`${sut.url}/?user=${encodeURIComponent('<script>')}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/user/);
    const tooLong = await fetch(`${sut.url}/?user=${'a'.repeat(65)}`);
    expect(tooLong.status).toBe(400);
  });

  it('refuses a user given twice in the query with 400', async () => {
    const response = await fetch(`${sut.url}/?user=erin&user=fay`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'user: Invalid input: expected string, received array' });
  });

  it('judges the X-User-Id header even when the query names the user', async () => {
    const response = await fetch(`${sut.url}/?user=erin`, { headers: { 'X-User-Id': 'not valid' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'x-user-id: X-User-Id must be 1-64 characters of A-Z a-z 0-9 . _ @ -' });
  });

  it('shows every counter at /counters, shared by all replicas through Redis', async () => {
    await fetch(`${sut.url}/?user=dave`);
    const response = await fetch(`${sut.url}/counters`);
    const { counters } = (await response.json()) as { counters: Record<string, number> };
    expect(counters.dave).toBe(1);
    expect(counters.alice).toBe(2);
  });
});

describe('health, metrics and the API description', () => {
  it('answers /healthz while the process lives and /readyz while Redis answers', async () => {
    expect(await (await fetch(`${sut.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${sut.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', redis: 'ok' });
  });

  it('exposes RED metrics labelled by route template, never by raw path', async () => {
    await fetch(`${sut.url}/messages/${'b'.repeat(64)}`);
    await fetch(`${sut.url}/no/such/path/${Math.random()}`);
    const text = await (await fetch(`${sut.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/messages\/:digest",status="404"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/messages\/:digest",status="404"\}/);
    expect(text).toMatch(/http_requests_in_flight \d+/);
    expect(text).toMatch(/route="unmatched"/);
    expect(text).not.toMatch(/no\/such\/path/);
    expect(text).toMatch(/job_queue_depth\{type="wordcount"\} \d+/);
    expect(text).toMatch(/process_cpu_seconds_total/);
  });

  it('answers unknown routes with 404 and a message naming the route', async () => {
    const response = await fetch(`${sut.url}/nope`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toMatch(/DELETE \/nope/);
  });

  it('serves an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const doc = (await (await fetch(`${sut.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, { type?: string }>; required?: string[] }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/messages', '/messages/{digest}', '/randomize', '/randomize/{token}/status', '/randomize/{token}/result', '/file', '/file/{token}/status', '/evensum', '/multivac', '/multivac/data', '/', '/counters', '/healthz', '/readyz']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    // The very schema that validates POST /messages is the one documented.
    expect(JSON.stringify(doc.paths['/messages'])).toContain('#/components/schemas/MessageRequest');
    expect(doc.components.schemas.MessageRequest).toMatchObject({ properties: { message: { type: 'string' } }, required: ['message'] });
  });
});
