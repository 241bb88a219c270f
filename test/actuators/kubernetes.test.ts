/**
 * The Kubernetes actuator against a schema-checking stand-in API server (no real API server can
 * run here; see support/kubeApiServer.ts for what is checked). Every request must pass: path,
 * verb, patch content type, and the patched object against the Kubernetes schema.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesActuator } from '../../scaler/actuators/kubernetes.js';
import { quietLogger } from './support/fixtures.js';
import { FakeKubeApi, type FakeApiOptions } from './support/kubeApiServer.js';

let api: FakeKubeApi | undefined;

async function connect(options: Partial<FakeApiOptions>, resize: 'auto' | 'in-place' | 'template' = 'auto', requestTimeoutMs = 30_000) {
  api = new FakeKubeApi({ namespace: 'shop', minor: 33, resizeServed: true, ...options });
  const server = await api.start();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server, skipTLSVerify: true }],
    users: [{ name: 'scaler', token: 'not-a-secret' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'scaler', namespace: 'shop' }],
    currentContext: 'test',
  });
  return { api, server, actuator: new KubernetesActuator({ kubeConfig, namespace: 'shop', logger: quietLogger, resize, requestTimeoutMs }) };
}

afterEach(async () => {
  await api?.stop();
  api = undefined;
});

describe('Kubernetes actuator, every request checked against the Kubernetes API schema', () => {
  it('reads the managed Deployment: replicas, readiness and the live pods\' limits', async () => {
    const { api, actuator } = await connect({});
    expect(await actuator.listServices()).toEqual(['web']);
    const state = await actuator.observe('web');
    expect(state).toMatchObject({ service: 'web', replicas: 2, readyReplicas: 2, cpuLimitCores: 0.5, memoryLimitBytes: 256 * 2 ** 20, converging: false });
    expect(state.members.map((m) => m.name)).toEqual(['web-7d9f-a', 'web-7d9f-b']);
    expect(api.violations).toEqual([]);
  });

  it('reads a limit of 0 as no limit, as the kubelet does (no CFS quota, no memory cap), not as a limit of 0 to raise', async () => {
    const { actuator } = await connect({});
    for (const pod of api!.pods as Array<{ spec: { containers: Array<{ resources: { limits: Record<string, string>; requests: Record<string, string> } }> } }>) {
      pod.spec.containers[0]!.resources = { limits: { cpu: '0', memory: '0Mi' }, requests: {} };
    }
    const state = await actuator.observe('web');
    expect(state.cpuLimitCores).toBeUndefined();
    expect(state.memoryLimitBytes).toBeUndefined();
  });

  it('scales through the Deployment scale subresource with a merge patch of spec.replicas', async () => {
    const { api, actuator } = await connect({});
    await actuator.setReplicas('web', 5);
    expect(api.violations).toEqual([]);
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch).toEqual({ method: 'PATCH', path: '/apis/apps/v1/namespaces/shop/deployments/web/scale', contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } });
    expect((await actuator.observe('web')).replicas).toBe(5);
  });

  it('gives up a request the API server takes and never answers at its deadline, a read and a patch alike (the client has no timeout of its own)', async () => {
    const { api, server, actuator } = await connect({ neverAnswers: (route) => route === 'GET /api/v1/namespaces/shop/pods' || route.endsWith('/deployments/web/scale') }, 'auto', 300);
    expect(await actuator.listServices()).toEqual(['web']);
    // One line naming the API server, the request, the deadline and the setting; node-fetch's own error kept as the cause.
    const observed = await actuator.observe('web').then(() => undefined, (error: unknown) => error);
    expect(observed).toBeInstanceOf(Error);
    expect((observed as Error).message).toBe(`Kubernetes API server at ${server} did not answer GET /api/v1/namespaces/shop/pods?labelSelector=app=web within 0.3 s (set by --platform-timeout, SCALER_PLATFORM_TIMEOUT_SECONDS)`);
    expect(((observed as Error).cause as Error).name).toBe('AbortError');
    await expect(actuator.setReplicas('web', 3)).rejects.toThrow(
      `Kubernetes API server at ${server} did not answer PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale within 0.3 s (set by --platform-timeout, SCALER_PLATFORM_TIMEOUT_SECONDS)`,
    );
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual(expect.arrayContaining(['GET /api/v1/namespaces/shop/pods', 'PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale']));
  });

  it('resizes running pods in place through the Pod resize subresource on Kubernetes 1.33+', async () => {
    const { api, actuator } = await connect({ minor: 33, resizeServed: true });
    await actuator.setLimits('web', { cpuCores: 1.5, memoryBytes: 512 * 2 ** 20 });
    expect(api.violations).toEqual([]);
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => p.path)).toEqual(['/api/v1/namespaces/shop/pods/web-7d9f-a/resize', '/api/v1/namespaces/shop/pods/web-7d9f-b/resize']);
    expect(patches[0]).toMatchObject({ contentType: 'application/strategic-merge-patch+json', body: { spec: { containers: [{ name: 'app', resources: { limits: { cpu: '1500m', memory: '512Mi' } } }] } } });
    // the template is left alone: no rolling restart
    expect(api.requests.some((r) => r.path === '/apis/apps/v1/namespaces/shop/deployments/web' && r.method === 'PATCH')).toBe(false);
    const state = await actuator.observe('web');
    expect(state.cpuLimitCores).toBe(1.5);
    expect(state.memoryLimitBytes).toBe(512 * 2 ** 20);
  });

  it('lowers requests with limits so a request never exceeds its limit (the schema server enforces it)', async () => {
    const { api, actuator } = await connect({});
    await actuator.setLimits('web', { cpuCores: 0.2, memoryBytes: 128 * 2 ** 20 });
    expect(api.violations).toEqual([]);
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.body).toEqual({ spec: { containers: [{ name: 'app', resources: { limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '200m', memory: '128Mi' } } }] } });
  });

  it('falls back to patching the Deployment pod template on a cluster without in-place resize', async () => {
    const { api, actuator } = await connect({ minor: 30, resizeServed: false });
    await actuator.setLimits('web', { cpuCores: 1 });
    expect(api.violations).toEqual([]);
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toEqual([
      { method: 'PATCH', path: '/apis/apps/v1/namespaces/shop/deployments/web', contentType: 'application/strategic-merge-patch+json', body: { spec: { template: { spec: { containers: [{ name: 'app', resources: { limits: { cpu: '1000m' } } }] } } } } },
    ]);
    expect(((api.deployment.spec as { template: { spec: { containers: Array<{ resources: { limits: Record<string, string> } }> } } }).template.spec.containers[0]?.resources.limits)).toEqual({ cpu: '1000m', memory: '256Mi' });
  });

  it('falls back to the template when a server that claims 1.33 does not serve the resize subresource', async () => {
    const { api, actuator } = await connect({ minor: 33, resizeServed: false });
    await actuator.setLimits('web', { memoryBytes: 384 * 2 ** 20 });
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([
      '/api/v1/namespaces/shop/pods/web-7d9f-a/resize',
      '/apis/apps/v1/namespaces/shop/deployments/web',
    ]);
    // the one 404 is the probe the fallback answers; nothing else was refused
    expect(api.violations).toEqual([]);
  });

  it('the schema server does reject what the API server would (so passing means something)', async () => {
    const { api } = await connect({});
    const base = api.url;
    const bad = await fetch(`${base}/apis/apps/v1/namespaces/shop/deployments/web/scale`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { replicas: 'three' } }) });
    expect(bad.status).toBe(422);
    const extra = await fetch(`${base}/api/v1/namespaces/shop/pods/web-7d9f-a/resize`, { method: 'PATCH', headers: { 'Content-Type': 'application/strategic-merge-patch+json' }, body: JSON.stringify({ spec: { containers: [{ name: 'app', image: 'evil' }] } }) });
    expect(extra.status).toBe(422);
    const badQuantity = await fetch(`${base}/api/v1/namespaces/shop/pods/web-7d9f-a/resize`, { method: 'PATCH', headers: { 'Content-Type': 'application/strategic-merge-patch+json' }, body: JSON.stringify({ spec: { containers: [{ name: 'app', resources: { limits: { cpu: { cores: 1 } } } }] } }) });
    expect(badQuantity.status).toBe(422);
    const wrongType = await fetch(`${base}/apis/apps/v1/namespaces/shop/deployments/web/scale`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ spec: { replicas: 3 } }) });
    expect(wrongType.status).toBe(415);
    expect(api.violations).toHaveLength(4);
  });
});
