import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { createAppDeps } from '../../app/deps.js';
import { createApp } from '../../app/server.js';
import { connectionErrorText, notReadyReason, redisEndpoint } from '../../app/store/redisReachability.js';
import { freePort } from '../support/services.js';

describe("/readyz's reason when Redis does not answer PONG (an operator's terms)", () => {
  const endpoint = '10.0.0.7:6379';
  const refused = 'connect ECONNREFUSED 10.0.0.7:6379';
  const failFast = new Error("Stream isn't writeable and enableOfflineQueue options is false");

  it('names the endpoint and the last connection error, not the error of the refused command', () => {
    expect(notReadyReason(endpoint, { error: failFast }, refused)).toBe('redis at 10.0.0.7:6379 unreachable: connect ECONNREFUSED 10.0.0.7:6379');
    expect(notReadyReason(endpoint, { error: Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }) }, refused)).toMatch(/unreachable: connect ECONNREFUSED/);
    expect(notReadyReason(endpoint, { error: failFast }, undefined)).toBe('redis at 10.0.0.7:6379 unreachable: not connected');
  });

  it('says a probe went unanswered, with the connection error when one is known', () => {
    expect(notReadyReason(endpoint, { timedOutAfterMs: 1000 }, undefined)).toBe('redis at 10.0.0.7:6379 did not answer within 1000 ms');
    expect(notReadyReason(endpoint, { timedOutAfterMs: 1000 }, refused)).toBe(`redis at 10.0.0.7:6379 unreachable: ${refused}`);
  });

  it("repeats an error Redis itself answered: it says what is wrong (loading, authentication...)", () => {
    expect(notReadyReason(endpoint, { error: new Error('LOADING Redis is loading the dataset in memory') }, undefined))
      .toBe('redis at 10.0.0.7:6379 answered the probe with an error: LOADING Redis is loading the dataset in memory');
  });

  it('takes the words of the attempts when a host with several addresses fails as a whole', () => {
    const attempts = new AggregateError([new Error('connect ECONNREFUSED ::1:6379'), new Error('connect ECONNREFUSED 127.0.0.1:6379')], '');
    expect(connectionErrorText(attempts)).toBe('connect ECONNREFUSED ::1:6379; connect ECONNREFUSED 127.0.0.1:6379');
  });

  it('names the endpoint from the parsed options: host and port, or the socket path', () => {
    expect(redisEndpoint({ options: { host: 'redis', port: 6380 } } as Parameters<typeof redisEndpoint>[0])).toBe('redis:6380');
    expect(redisEndpoint({ options: { host: 'localhost', port: 6379, path: '/run/redis.sock' } } as Parameters<typeof redisEndpoint>[0])).toBe('/run/redis.sock');
  });
});

describe('/readyz of an app whose Redis has never answered', () => {
  it('answers 503 naming host, port and the connection error, and never the password of REDIS_URL', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sw-readiness-'));
    const port = await freePort(); // nobody listens there
    const config = loadAppConfig({ REDIS_URL: `redis://operator:s3cret-pass@127.0.0.1:${port}/3`, DATA_DIR: root, OUTPUT_DIR: root, UPLOAD_DIR: root });
    const deps = createAppDeps(config, pino({ level: 'silent' }));
    try {
      const response = await createApp(deps).request('/readyz');
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body).toEqual({ status: 'not ready', redis: `redis at 127.0.0.1:${port} unreachable: connect ECONNREFUSED 127.0.0.1:${port}` });
      expect(JSON.stringify(body)).not.toContain('s3cret');
    } finally {
      deps.redis.disconnect();
      await deps.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
