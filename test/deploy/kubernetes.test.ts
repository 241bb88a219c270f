import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type InspectedContainer, targetsFromInspected } from '../../collector/dockerTargets.js';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { podContainerLabels, sandboxLabels } from '../collector/support/criDockerdPod.js';
import { containersOf, kustomizationDir, kustomizeBuild, podSpecOf, repoRoot, type K8sObject } from './kustomize.js';

const exec = promisify(execFile);
const BASE = kustomizationDir(repoRoot, 'base');
const DRY_RUN = kustomizationDir(repoRoot, 'overlays/dry-run');

type Model = new (data: unknown) => { validate(): void };
/** kubernetes-models: one module per group/version, a class per kind, validators generated from the Kubernetes OpenAPI schema. */
const MODELS: Record<string, Record<string, unknown>> = { 'apps/v1': appsV1, v1: coreV1, 'rbac.authorization.k8s.io/v1': rbacV1 };

/** Validates one object against its kind's schema; throws naming the first violations. */
async function validate(object: K8sObject): Promise<void> {
  const Kind = MODELS[object.apiVersion]?.[object.kind] as Model | undefined;
  if (!Kind) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Kind(object).validate();
}

async function kubectlBuild(dir: string): Promise<K8sObject[] | undefined> {
  try {
    const { stdout } = await exec('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
    return parseAllDocuments(stdout).map((doc) => doc.toJS() as K8sObject);
  } catch {
    return undefined; // no kubectl here (CI): the resolver's output is what is checked
  }
}

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not in the build`);
  return found;
};

type Probe = { httpGet?: { path: string; port: string | number } };
type Container = { name: string; image: string; readinessProbe?: Probe; livenessProbe?: Probe; resources?: { limits?: Record<string, string>; requests?: Record<string, string> }; volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>; env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }> };

describe('the Kubernetes manifests (kustomize)', async () => {
  const base = await kustomizeBuild(BASE);
  const overlay = await kustomizeBuild(DRY_RUN);

  it('build into every part of the platform, in its own namespace', () => {
    const names = base.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    expect(names).toEqual(expect.arrayContaining([
      'Namespace/scalewright', 'Deployment/app', 'Service/app', 'Deployment/worker', 'DaemonSet/collector', 'Deployment/scaler', 'ServiceAccount/scaler',
      'Role/scaler', 'RoleBinding/scaler', 'Deployment/redis', 'Service/redis', 'StatefulSet/influxdb', 'Service/influxdb', 'Deployment/grafana', 'Service/grafana',
      'ConfigMap/grafana-dashboards', 'ConfigMap/grafana-datasources', 'ConfigMap/grafana-dashboard-providers', 'ConfigMap/influxdb-init',
    ]));
    for (const object of base) if (object.kind !== 'Namespace') expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('scalewright');
  });

  it('validate against the Kubernetes API schema, the base and the dry-run overlay alike', async () => {
    for (const object of [...base, ...overlay]) await validate(object);
  });

  it('(the schema check has teeth: a Deployment without a selector or with a string port is refused)', async () => {
    const app = structuredClone(find(base, 'Deployment', 'app'));
    delete (app.spec as Record<string, unknown>).selector;
    await expect(validate(app)).rejects.toThrow(/selector/);
    const worker = structuredClone(find(base, 'Deployment', 'worker'));
    (containersOf(worker)[0] as unknown as { ports: Array<{ containerPort: unknown }> }).ports[0]!.containerPort = 'metrics';
    await expect(validate(worker)).rejects.toThrow(/containerPort/);
  });

  it('are what kubectl kustomize builds too, where kubectl is installed', async () => {
    const built = await kubectlBuild(BASE);
    if (!built) return;
    const key = (object: K8sObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    expect(built.map(key).sort()).toEqual(base.map(key).sort());
    for (const object of built) {
      await validate(object);
      expect(containersOf(object).map((c) => c.image)).toEqual(containersOf(find(base, object.kind, object.metadata.name)).map((c) => c.image));
    }
    const builtOverlay = await kubectlBuild(DRY_RUN);
    expect(builtOverlay?.length).toBe(overlay.length);
  });

  it('pin every image by tag', () => {
    for (const object of base) {
      for (const container of containersOf(object)) {
        expect(container.image, `${object.metadata.name}/${container.name}`).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
      }
    }
  });

  it('select their own pods: workload selectors match the pod template, Service selectors match a workload', () => {
    const workloads = base.filter((object) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind));
    const podLabels = workloads.map((workload) => ((workload.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels));
    for (const workload of workloads) {
      const spec = workload.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    }
    for (const service of base.filter((object) => object.kind === 'Service')) {
      const selector = (service.spec as { selector: Record<string, string> }).selector;
      expect(podLabels.some((labels) => Object.entries(selector).every(([key, value]) => labels[key] === value)), `Service/${service.metadata.name}`).toBe(true);
    }
  });

  it('give the app readiness and liveness probes and the seed budget of 100 mCPU / 100 MB, and probes to every long-running container', () => {
    const [app] = containersOf(find(base, 'Deployment', 'app')) as Container[];
    expect(app?.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(app?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(app?.resources?.limits).toEqual({ cpu: '100m', memory: '100Mi' });
    for (const object of base) {
      for (const container of containersOf(object) as Container[]) {
        expect(container.readinessProbe, `${object.metadata.name} readiness`).toBeDefined();
        expect(container.livenessProbe, `${object.metadata.name} liveness`).toBeDefined();
        expect(container.resources?.limits, `${object.metadata.name} limits`).toBeDefined();
      }
    }
  });

  it('carry policy labels on the managed Deployments that the scaler reads as a valid policy', () => {
    for (const name of ['app', 'worker']) {
      const labels = find(base, 'Deployment', name).metadata.labels ?? {};
      expect(labels).toMatchObject({ 'scalewright.service': name, 'scalewright.managed': 'true' });
      const policy = policyConfigFor(undefined, labels);
      expect(policy.replicas.max).toBe(10);
      expect(policy.memory.minBytes).toBe(100 * 2 ** 20);
    }
  });

  it('carry on the pod templates the labels the collector reads: laid out as cri-dockerd lays a pod out, each pod is its service\'s replica, /metrics on its container\'s port', () => {
    // The Deployment's own labels never reach a node: the kubelet copies the pod's onto its
    // sandbox container, and the pod's containers carry none (collector/criDockerd.ts).
    for (const [name, port] of [['app', 8080], ['worker', 9465]] as const) {
      const template = (find(base, 'Deployment', name).spec as { template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } } }).template;
      const pod = { name: `${name}-5d8f7b9c4-x2x9q`, namespace: 'scalewright', uid: `uid-${name}`, labels: template.metadata.labels, ...(template.metadata.annotations ? { annotations: template.metadata.annotations } : {}) };
      const sandbox: InspectedContainer = { Id: `sandbox-${name}`, Name: `/k8s_POD_${pod.name}`, State: { Running: true, Pid: 1 }, Config: { Labels: sandboxLabels(pod) }, HostConfig: { NetworkMode: 'none' }, NetworkSettings: { Networks: { none: {} } } };
      const containers: InspectedContainer[] = containersOf(find(base, 'Deployment', name)).map((container, index) => ({
        Id: `${name}-${container.name}`,
        Name: `/k8s_${container.name}_${pod.name}`,
        State: { Running: true, Pid: 10 + index },
        Config: { Labels: podContainerLabels(pod, container.name, sandbox.Id) },
        HostConfig: { NetworkMode: `container:${sandbox.Id}` },
        NetworkSettings: { Networks: {} },
      }));
      const targets = targetsFromInspected([sandbox, ...containers], { network: undefined, podAddresses: new Map([[sandbox.Id, '10.244.0.7']]) });
      expect(targets, name).toEqual([expect.objectContaining({ id: `${name}-${name}`, name: pod.name, ip: '10.244.0.7', labels: { service: name, managed: true, metrics: { port, path: '/metrics' }, replica: pod.name } })]);
      const ports = (containersOf(find(base, 'Deployment', name))[0] as unknown as { ports: Array<{ containerPort: number }> }).ports.map((entry) => entry.containerPort);
      expect(ports, name).toContain(port);
    }
  });

  it('mount the host cgroups and /proc read-only into the collector DaemonSet, and give it no Kubernetes API token', () => {
    const collector = find(base, 'DaemonSet', 'collector');
    const podSpec = podSpecOf(collector) as { automountServiceAccountToken?: boolean; volumes: Array<{ name: string; hostPath?: { path: string } }> };
    expect(podSpec.automountServiceAccountToken).toBe(false);
    const [container] = containersOf(collector) as Container[];
    const hostPaths = new Map(podSpec.volumes.map((volume) => [volume.name, volume.hostPath?.path]));
    const mounted = new Map((container?.volumeMounts ?? []).map((mount) => [hostPaths.get(mount.name), mount]));
    for (const path of ['/sys/fs/cgroup', '/proc', '/var/run/docker.sock']) expect(mounted.get(path)?.readOnly, path).toBe(true);
    const env = new Map((container?.env ?? []).map((variable) => [variable.name, variable.value]));
    expect(env.get('COLLECTOR_CGROUP_ROOT')).toBe(mounted.get('/sys/fs/cgroup')?.mountPath);
    expect(env.get('COLLECTOR_PROC_ROOT')).toBe(mounted.get('/proc')?.mountPath);
  });

  it('allow the scaler exactly the calls it makes, in its namespace, through its own ServiceAccount', () => {
    const role = find(base, 'Role', 'scaler') as K8sObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
    const grants = role.rules.flatMap((rule) => rule.resources.map((resource) => `${rule.apiGroups.join('')}/${resource}: ${[...rule.verbs].sort().join(',')}`)).sort();
    expect(grants).toEqual([
      '/pods/resize: patch',
      '/pods: list',
      'apps/deployments/scale: patch',
      'apps/deployments: list,patch',
    ]);
    expect(base.some((object) => object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding')).toBe(false);
    const binding = find(base, 'RoleBinding', 'scaler') as K8sObject & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace: string }> };
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'scaler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'scaler', namespace: 'scalewright' }]);
    expect(podSpecOf(find(base, 'Deployment', 'scaler'))?.serviceAccountName).toBe('scaler');
  });

  it('refer only to ConfigMaps the kustomization generates and to the one Secret the operator creates (no default password)', () => {
    const configMaps = new Set(base.filter((object) => object.kind === 'ConfigMap').map((object) => object.metadata.name));
    const secrets = new Set<string>();
    for (const object of base) {
      for (const volume of ((podSpecOf(object)?.volumes as Array<{ configMap?: { name: string } }>) ?? [])) {
        if (volume.configMap) expect(configMaps.has(volume.configMap.name), volume.configMap.name).toBe(true);
      }
      for (const container of containersOf(object) as Container[]) {
        for (const variable of container.env ?? []) if (variable.valueFrom?.secretKeyRef) secrets.add(variable.valueFrom.secretKeyRef.name);
      }
    }
    expect([...secrets]).toEqual(['scalewright']);
    expect(base.some((object) => object.kind === 'Secret')).toBe(false);
  });

  it('provision Grafana from the repository\'s grafana/ folder and InfluxDB with the compose stack\'s init script (the copies have not drifted)', async () => {
    const dashboards = find(base, 'ConfigMap', 'grafana-dashboards') as K8sObject & { data: Record<string, string> };
    for (const [file, text] of Object.entries(dashboards.data)) expect(text, file).toBe(await readFile(join(repoRoot, 'grafana/dashboards', file), 'utf8'));
    const datasources = find(base, 'ConfigMap', 'grafana-datasources') as K8sObject & { data: Record<string, string> };
    expect(datasources.data['influxdb.yaml']).toBe(await readFile(join(repoRoot, 'grafana/provisioning/datasources/influxdb.yaml'), 'utf8'));
    const init = find(base, 'ConfigMap', 'influxdb-init') as K8sObject & { data: Record<string, string> };
    expect(init.data['10-scalewright-v1.sh']).toBe(await readFile(join(repoRoot, 'compose/influxdb/init/10-scalewright-v1.sh'), 'utf8'));
  });

  it('in the dry-run overlay, run the scaler with SCALER_DRY_RUN=true and change nothing else', () => {
    const [scaler] = containersOf(find(overlay, 'Deployment', 'scaler')) as Container[];
    expect(scaler?.env?.find((variable) => variable.name === 'SCALER_DRY_RUN')?.value).toBe('true');
    expect(overlay.length).toBe(base.length);
  });
});
