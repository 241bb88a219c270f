/**
 * How a platform request that failed is said to the operator (pure: no engine, no API server):
 * past its deadline, the dependency, the request, the deadline and the setting; not reached, the
 * dependency and the request; answered (an HTTP status), unchanged. The library's error stays the cause.
 */
import { describe, expect, it } from 'vitest';
import { DependencyTimeoutError, seconds } from '../../common/unanswered.js';
import { dockerDeadline, dockerRequestName } from '../../scaler/actuators/dockerDeadlines.js';
import { kubernetesRequestName } from '../../scaler/actuators/kubernetesClient.js';
import { DependencyUnreachableError } from '../../common/unanswered.js';
import { PLATFORM_TIMEOUT_SETTING, platformRequestFailure } from '../../scaler/actuators/platformDeadlineError.js';

const engine = { dependency: 'Docker engine at /var/run/docker.sock', request: 'POST /containers/3f2a1b4c5d6e/update', deadlineMs: 30_000, setting: PLATFORM_TIMEOUT_SETTING };

describe('platformRequestFailure', () => {
  it('past the deadline: one line naming the engine, the request, the deadline and the setting; the library error is the cause', () => {
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const failure = platformRequestFailure(hangUp, { ...engine, timedOut: true });
    expect(failure).toBeInstanceOf(DependencyTimeoutError);
    expect((failure as Error).message).toBe('Docker engine at /var/run/docker.sock did not answer POST /containers/3f2a1b4c5d6e/update within 30 s (set by --platform-timeout, SCALER_PLATFORM_TIMEOUT_SECONDS)');
    expect((failure as Error).cause).toBe(hangUp);
  });

  it('not reached (no answer, before the deadline): the engine and the request, with the library\'s reason', () => {
    const refused = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    const failure = platformRequestFailure(refused, { ...engine, timedOut: false });
    expect(failure).toBeInstanceOf(DependencyUnreachableError);
    expect((failure as Error).message).toBe('Docker engine at /var/run/docker.sock: POST /containers/3f2a1b4c5d6e/update failed: connect ENOENT /var/run/docker.sock');
    expect((failure as Error).cause).toBe(refused);
  });

  it('an answer (docker-modem sets statusCode) passes unchanged: the callers read "no such container" in it', () => {
    const answer = Object.assign(new Error('(HTTP code 404) no such container - No such container: abc '), { statusCode: 404 });
    expect(platformRequestFailure(answer, { ...engine, timedOut: false })).toBe(answer);
  });
});

describe('Docker requests: their names and deadlines', () => {
  it('names a request by method and path, without the query, ids cut to the 12 characters docker ps shows', () => {
    const id = '3f2a1b4c5d6e'.padEnd(64, '0');
    expect(dockerRequestName('POST', `/containers/${id}/update`)).toBe('POST /containers/3f2a1b4c5d6e/update');
    expect(dockerRequestName('GET', '/containers/json?')).toBe('GET /containers/json');
    expect(dockerRequestName('POST', '/services/abc/update?')).toBe('POST /services/abc/update');
  });

  it('a stop waits for the drain: --platform-timeout + --drain, said so; every other request --platform-timeout', () => {
    const deadlines = { platformTimeoutMs: 30_000, drainMs: 10_000 };
    expect(dockerDeadline('POST', '/containers/abc/stop?', deadlines)).toEqual({ deadlineMs: 40_000, setting: '--platform-timeout + --drain, SCALER_PLATFORM_TIMEOUT_SECONDS + SCALER_DRAIN_SECONDS' });
    expect(dockerDeadline('POST', '/containers/abc/update', deadlines)).toEqual({ deadlineMs: 30_000, setting: PLATFORM_TIMEOUT_SETTING });
    expect(dockerDeadline('GET', '/containers/json?', deadlines).deadlineMs).toBe(30_000);
  });
});

describe('Kubernetes requests: their names', () => {
  it('method, path and the decoded query (the selector is what names the service)', () => {
    expect(kubernetesRequestName('GET', 'https://10.0.0.1:6443/apis/apps/v1/namespaces/shop/deployments?labelSelector=scalewright.managed%3Dtrue%2Cscalewright.service%3Dweb')).toBe(
      'GET /apis/apps/v1/namespaces/shop/deployments?labelSelector=scalewright.managed=true,scalewright.service=web',
    );
    expect(kubernetesRequestName('PATCH', 'https://10.0.0.1:6443/apis/apps/v1/namespaces/shop/deployments/web/scale')).toBe('PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale');
  });
});

describe('seconds', () => {
  it('whole seconds as such, the rest to the millisecond', () => {
    expect([seconds(30_000), seconds(500), seconds(1234), seconds(5000)]).toEqual(['30 s', '0.5 s', '1.234 s', '5 s']);
  });
});
