/**
 * A stand-in for a Kubernetes API server (none can run here) that checks every request the
 * actuator makes: the path and verb against the API's documented endpoints, the patch content
 * type, and the body against the Kubernetes API's published schema, as compiled into the
 * `kubernetes-models` package (JSON schemas generated from the Kubernetes OpenAPI document): the
 * object a patch produces must validate as a `autoscaling/v1 Scale`, `v1 Pod` or
 * `apps/v1 Deployment`. On top of the schema, it enforces what each subresource accepts: `scale`
 * only `spec.replicas`, `resize` only containers' `resources`, and requests never above limits.
 * Requests that fail a check get a 422 `Status` (as the API server would) and are kept in
 * `violations` for the test to assert on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Scale } from 'kubernetes-models/autoscaling/v1/Scale';
import { Pod } from 'kubernetes-models/v1/Pod';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface FakeApiOptions {
  namespace: string;
  /** Server version reported by /version; in-place resize is served from 1.33. */
  minor: number;
  /** Serve the pods/resize subresource (false: 404, as a server without it). */
  resizeServed: boolean;
  /** Requests (`METHOD /path`) taken, recorded and never answered, as by a server that hangs. */
  neverAnswers?: (route: string) => boolean;
}

const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml'];

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  deployment: Json;
  pods: Json[];
  private server: Server | undefined;
  url = '';

  constructor(private readonly options: FakeApiOptions) {
    const ns = options.namespace;
    const labels = { app: 'web', 'scalewright.service': 'web', 'scalewright.managed': 'true' };
    const container = { name: 'app', image: 'scalewright:local', ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '256Mi' } } };
    this.deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns, labels, uid: 'd-1', resourceVersion: '10', generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } } },
      status: { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 },
    };
    this.pods = ['a', 'b'].map((suffix, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-7d9f-${suffix}`, namespace: ns, labels: { app: 'web' }, uid: `p-${suffix}`, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() },
      spec: { containers: [structuredClone(container)] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    }));
    // The fixtures themselves must be valid objects.
    new Deployment(this.deployment as never).validate();
    for (const pod of this.pods) new Pod(pod as never).validate();
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections(); // the requests left unanswered (neverAnswers), if any
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.reject(res, `${req.method} ${url.pathname}: body is not JSON`);
    }
    this.requests.push({ method: req.method ?? '', path: url.pathname, contentType, body });
    const ns = this.options.namespace;
    const route = `${req.method} ${url.pathname}`;
    if (this.options.neverAnswers?.(route)) return;
    try {
      if (route === 'GET /version') return send(res, 200, { major: '1', minor: String(this.options.minor), gitVersion: `v1.${this.options.minor}.0`, platform: 'linux/amd64' });
      if (route === `GET /apis/apps/v1/namespaces/${ns}/deployments`) {
        const items = matchesSelector((this.deployment.metadata as Json).labels as Record<string, string>, url.searchParams.get('labelSelector')) ? [this.deployment] : [];
        return send(res, 200, { apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '10' }, items });
      }
      if (route === `GET /api/v1/namespaces/${ns}/pods`) {
        const items = this.pods.filter((pod) => matchesSelector((pod.metadata as Json).labels as Record<string, string>, url.searchParams.get('labelSelector')));
        return send(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '10' }, items });
      }
      if (route === `PATCH /apis/apps/v1/namespaces/${ns}/deployments/web/scale`) return this.patchScale(res, contentType, body);
      const resize = new RegExp(`^PATCH /api/v1/namespaces/${ns}/pods/([^/]+)/resize$`).exec(route);
      if (resize) {
        if (!this.options.resizeServed) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return this.patchPodResize(res, decodeURIComponent(resize[1] ?? ''), contentType, body);
      }
      if (route === `PATCH /apis/apps/v1/namespaces/${ns}/deployments/web`) return this.patchDeployment(res, contentType, body);
      return this.reject(res, `no such endpoint in the Kubernetes API: ${route}`, 404);
    } catch (error) {
      return this.reject(res, `${route}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private patchScale(res: ServerResponse, contentType: string | undefined, body: unknown): void {
    if (contentType !== 'application/merge-patch+json') return this.reject(res, `scale: expected a merge patch, got ${contentType}`, 415);
    const patch = asObject(body, 'scale patch');
    onlyKeys(patch, ['spec'], 'scale patch');
    onlyKeys(asObject(patch.spec, 'scale patch spec'), ['replicas'], 'scale patch spec');
    const meta = this.deployment.metadata as Json;
    const current = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: meta.name, namespace: meta.namespace }, spec: { replicas: (this.deployment.spec as Json).replicas }, status: { replicas: (this.deployment.status as Json).replicas, selector: 'app=web' } };
    const next = mergePatch(current, patch) as Json;
    new Scale(next as never).validate();
    const replicas = (next.spec as Json).replicas as number;
    if (replicas < 0) throw new Error('spec.replicas must be >= 0');
    (this.deployment.spec as Json).replicas = replicas;
    send(res, 200, next);
  }

  private patchPodResize(res: ServerResponse, name: string, contentType: string | undefined, body: unknown): void {
    if (contentType !== 'application/strategic-merge-patch+json' && contentType !== 'application/merge-patch+json') return this.reject(res, `resize: unsupported patch type ${contentType}`, 415);
    const pod = this.pods.find((p) => (p.metadata as Json).name === name);
    if (!pod) return void send(res, 404, status(404, 'NotFound', `pods "${name}" not found`));
    const patch = asObject(body, 'resize patch');
    onlyKeys(patch, ['spec'], 'resize patch');
    const spec = asObject(patch.spec, 'resize patch spec');
    onlyKeys(spec, ['containers'], 'resize patch spec');
    const next = structuredClone(pod);
    (next.spec as Json).containers = mergeContainers((pod.spec as Json).containers as Json[], spec.containers, 'resize');
    new Pod(next as never).validate();
    checkRequestsWithinLimits((next.spec as Json).containers as Json[]);
    Object.assign(pod, next);
    send(res, 200, pod);
  }

  private patchDeployment(res: ServerResponse, contentType: string | undefined, body: unknown): void {
    if (contentType !== 'application/strategic-merge-patch+json') return this.reject(res, `deployment: expected a strategic merge patch, got ${contentType}`, 415);
    const patch = asObject(body, 'deployment patch');
    onlyKeys(patch, ['spec'], 'deployment patch');
    const spec = asObject(patch.spec, 'deployment patch spec');
    onlyKeys(spec, ['template'], 'deployment patch spec');
    const template = asObject(spec.template, 'deployment patch template');
    onlyKeys(template, ['spec'], 'deployment patch template');
    const podSpec = asObject(template.spec, 'deployment patch pod spec');
    onlyKeys(podSpec, ['containers'], 'deployment patch pod spec');
    const next = structuredClone(this.deployment);
    const nextTemplate = (next.spec as Json).template as Json;
    (nextTemplate.spec as Json).containers = mergeContainers((((this.deployment.spec as Json).template as Json).spec as Json).containers as Json[], podSpec.containers, 'template');
    new Deployment(next as never).validate();
    checkRequestsWithinLimits((nextTemplate.spec as Json).containers as Json[]);
    (next.metadata as Json).generation = ((this.deployment.metadata as Json).generation as number) + 1;
    this.deployment = next;
    send(res, 200, next);
  }

  private reject(res: ServerResponse, message: string, code = 422): void {
    this.violations.push(message);
    send(res, code, status(code, code === 404 ? 'NotFound' : code === 415 ? 'UnsupportedMediaType' : 'Invalid', message));
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string): Json {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, code };
}

function matchesSelector(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return key !== undefined && labels[key.trim()] === value?.trim();
  });
}

function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} must be an object`);
  return value as Json;
}

function onlyKeys(value: Json, allowed: string[], what: string): void {
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  if (extra.length) throw new Error(`${what}: fields not allowed here: ${extra.join(', ')}`);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Strategic merge of `containers` (patch merge key: `name`), where only `resources` may change:
 * what the resize subresource accepts, and all the template patch should touch.
 */
function mergeContainers(current: Json[], patch: unknown, what: string): Json[] {
  if (!Array.isArray(patch) || patch.length === 0) throw new Error(`${what}: spec.containers must be a non-empty list`);
  const out = structuredClone(current);
  for (const entry of patch) {
    const item = asObject(entry, `${what} container`);
    onlyKeys(item, ['name', 'resources'], `${what} container`);
    if (typeof item.name !== 'string') throw new Error(`${what}: container patch without a name (the merge key)`);
    const target = out.find((c) => c.name === item.name);
    if (!target) throw new Error(`${what}: no container named ${item.name}`);
    const resources = asObject(item.resources, `${what} resources`);
    onlyKeys(resources, ['limits', 'requests'], `${what} resources`);
    target.resources = mergePatch(target.resources, resources);
  }
  return out;
}

const QUANTITY = /^([+-]?\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
function quantity(text: unknown): number {
  const match = QUANTITY.exec(String(text));
  if (!match) throw new Error(`not a quantity: ${String(text)}`);
  const factor: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(match[1]) * (match[2] ? (factor[match[2]] as number) : 1);
}

function checkRequestsWithinLimits(containers: Json[]): void {
  for (const container of containers) {
    const resources = (container.resources ?? {}) as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
    for (const [resource, request] of Object.entries(resources.requests ?? {})) {
      const limit = resources.limits?.[resource];
      if (limit !== undefined && quantity(request) > quantity(limit)) throw new Error(`${String(container.name)}: ${resource} request ${String(request)} above its limit ${String(limit)}`);
    }
  }
}
