import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import type { AppDeps } from '../../app/http/appDeps.js';
import { ECHO_LIMIT, echoedValue } from '../../app/http/echoedValue.js';
import { createApp } from '../../app/server.js';
import { capturingLogger } from '../support/capturingLogger.js';

describe('echoedValue (a client value as an error message repeats it)', () => {
  it('repeats a value of up to ECHO_LIMIT characters whole', () => {
    expect(ECHO_LIMIT).toBe(120);
    expect(echoedValue('kjvbible.txt')).toBe('kjvbible.txt');
    expect(echoedValue('x'.repeat(120))).toBe('x'.repeat(120));
  });

  it('cuts a longer one after ECHO_LIMIT characters, with an ellipsis and its full length', () => {
    expect(echoedValue('a/'.repeat(2250))).toBe(`${'a/'.repeat(60)}… (4500 characters)`);
    expect(echoedValue('abcdef', { limit: 3 })).toBe('abc… (6 characters)');
  });

  it('quotes the part it shows, not the note on the length', () => {
    expect(echoedValue(' gzip', { quoted: true })).toBe('" gzip"');
    expect(echoedValue('', { quoted: true })).toBe('""');
    expect(echoedValue('abcdef', { quoted: true, limit: 3 })).toBe('"abc…" (6 characters)');
  });

  it('counts and cuts code points, never half a surrogate pair', () => {
    expect(echoedValue('😀'.repeat(3), { limit: 3 })).toBe('😀😀😀');
    expect(echoedValue('😀'.repeat(5), { limit: 2 })).toBe('😀😀… (5 characters)');
  });
});

describe('error answers repeat what the client sent, shortened', () => {
  // None of these requests gets as far as Redis or a queue: nothing behind the app is needed.
  let dataDir: string;
  let app: ReturnType<typeof createApp>;
  const long = (prefix: string) => `${prefix}${'x'.repeat(3000)}`;
  const message = async (response: Response) => Object.values((await response.json()) as Record<string, string>)[0] ?? '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sw-echo-'));
    app = createApp({ config: loadAppConfig({ DATA_DIR: dataDir }), logger: pino({ level: 'silent' }), registry: new Registry() } as unknown as AppDeps);
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The answer names the value by its start and length, and stays small. */
  const expectShortened = (text: string, sent: string) => {
    expect(text).toContain(`${sent.slice(0, ECHO_LIMIT)}…`);
    expect(text).toContain(`(${sent.length} characters)`);
    expect(text.length).toBeLessThan(400);
  };

  it('a path no route has (404)', async () => {
    const path = long('/nope/');
    const response = await app.request(path);
    expect(response.status).toBe(404);
    expectShortened(await message(response), path);
  });

  it('a known path asked with a method it does not take (405)', async () => {
    const path = `${long('/randomize/')}/status`;
    const response = await app.request(path, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expectShortened(await message(response), path);
  });

  it('an unknown token (404)', async () => {
    const token = long('');
    const response = await app.request(`/file/${token}/status`);
    expect(response.status).toBe(404);
    expectShortened(await message(response), token);
  });

  it('a Content-Encoding the app does not take (415)', async () => {
    const encoding = long('gzip');
    const response = await app.request('/messages', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body: '{}' });
    expect(response.status).toBe(415);
    expectShortened(await message(response), encoding);
  });

  it('a Content-Type a route does not take (415, and 400 from /randomize)', async () => {
    const contentType = long('text/');
    const messages = await app.request('/messages', { method: 'POST', headers: { 'Content-Type': contentType }, body: '{}' });
    expect(messages.status).toBe(415);
    expectShortened(await message(messages), contentType);
    const randomize = await app.request('/randomize', { method: 'POST', headers: { 'Content-Type': contentType }, body: 'x' });
    expect(randomize.status).toBe(400);
    expectShortened(await message(randomize), contentType);
  });

  it('a path under the data directory that is not there (404): a long one is not repeated whole', async () => {
    const path = `${'missing/'.repeat(400)}x.txt`; // 3205 characters: under PATH_MAX, over ECHO_LIMIT
    for (const base of ['/file', '/evensum']) {
      const response = await app.request(base, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) });
      expect(response.status, base).toBe(404);
      const text = await message(response);
      expect(text).toMatch(/^no such file in the data directory: /);
      expectShortened(text, path);
    }
  });
});

describe('log lines repeat what the client sent, shortened', () => {
  it('the "unhandled error" line names a 4 KB path by its start and length', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sw-echo-'));
    try {
      const { logger, lines } = capturingLogger('error');
      const app = createApp({ config: loadAppConfig({ DATA_DIR: dataDir }), logger, registry: new Registry() } as unknown as AppDeps);
      // No route fails for any path a client picks: one is added that does, behind the app's own error handler.
      app.get('/failing/*', () => {
        throw new Error('a bug');
      });
      const path = `/failing/${'x'.repeat(4096)}`;
      const response = await app.request(path);
      expect(response.status).toBe(500);
      const line = lines.find((logged) => logged.msg === 'unhandled error');
      expect(line).toMatchObject({ method: 'GET', path: `${path.slice(0, ECHO_LIMIT)}… (${path.length} characters)`, err: { message: 'a bug' } });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
