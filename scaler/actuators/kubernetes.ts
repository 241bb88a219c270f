import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, VersionApi, setHeaderOptions, type KubeConfig, type V1Container, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { ActuatorError, type Actuator, type ReplicaState, type ResourceLimits, type ServiceState } from './actuator.js';
import { apiClientWithDeadline } from './kubernetesClient.js';
import { ActuatorLabel } from './labels.js';
import { cpuQuantity, memoryQuantity, parseQuantity } from './quantity.js';

export interface KubernetesActuatorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Label selector of the Deployments to manage; each also needs `scalewright.service=<name>`. */
  readonly selector?: string;
  readonly logger: Logger;
  /** `auto`: the Pod `resize` subresource when the server has it (1.33+), else patch the template. */
  readonly resize?: 'auto' | 'in-place' | 'template';
  /** How long one request to the API server may take (`--platform-timeout`). */
  readonly requestTimeoutMs: number;
}

/** Annotation naming the container whose resources are scaled (default: the first one). */
export const CONTAINER_ANNOTATION = 'scalewright.container';

/**
 * Scales Kubernetes Deployments: replicas through the `scale` subresource (a merge patch of
 * `spec.replicas`, what `kubectl scale` does); resources in place through each Pod's `resize`
 * subresource where the cluster serves it (Kubernetes 1.33+, in-place pod resize), otherwise by
 * a strategic-merge patch of the Deployment's pod template (a rolling update). With in-place
 * resize the template is left alone, so pods created later start with the template's resources;
 * the loop, being level-triggered, resizes them on its next tick.
 */
export class KubernetesActuator implements Actuator {
  readonly kind = 'kubernetes' as const;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly version: VersionApi;
  private readonly selector: string;
  private inPlace: boolean | undefined;

  constructor(private readonly options: KubernetesActuatorOptions) {
    this.apps = apiClientWithDeadline(options.kubeConfig, AppsV1Api, options.requestTimeoutMs);
    this.core = apiClientWithDeadline(options.kubeConfig, CoreV1Api, options.requestTimeoutMs);
    this.version = apiClientWithDeadline(options.kubeConfig, VersionApi, options.requestTimeoutMs);
    this.selector = options.selector ?? `${ActuatorLabel.managed}=true`;
    if (options.resize === 'in-place') this.inPlace = true;
    if (options.resize === 'template') this.inPlace = false;
  }

  async listServices(): Promise<string[]> {
    const list = await this.apps.listNamespacedDeployment({ namespace: this.options.namespace, labelSelector: this.selector });
    return [...new Set(list.items.map((d) => d.metadata?.labels?.[ActuatorLabel.service]).filter((s): s is string => Boolean(s)))].sort();
  }

  async observe(service: string): Promise<ServiceState> {
    const deployment = await this.find(service);
    const pods = await this.pods(deployment);
    const container = this.container(deployment.spec?.template.spec?.containers ?? [], deployment);
    const members: ReplicaState[] = pods.map((pod) => ({
      id: pod.metadata?.uid ?? pod.metadata?.name ?? '',
      name: pod.metadata?.name ?? '',
      createdAt: pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : 0,
      phase: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'ready' : 'starting',
    }));
    // The live pods' limits win over the template's: after an in-place resize they differ.
    const live = pods.map((pod) => this.container(pod.spec?.containers ?? [], deployment)).find((c) => c !== undefined) ?? container;
    const replicas = deployment.spec?.replicas ?? 1;
    const ready = deployment.status?.readyReplicas ?? 0;
    return {
      service,
      replicas,
      readyReplicas: ready,
      cpuLimitCores: limitOf(live?.resources?.limits?.cpu),
      memoryLimitBytes: limitOf(live?.resources?.limits?.memory),
      converging: ready < replicas || (deployment.status?.updatedReplicas ?? replicas) < replicas,
      members,
      labels: { ...(deployment.metadata?.labels ?? {}), ...(deployment.metadata?.annotations ?? {}) },
    };
  }

  async tidy(): Promise<number> {
    return 0; // The Deployment controller replaces and removes pods itself.
  }

  async setReplicas(service: string, replicas: number): Promise<void> {
    const deployment = await this.find(service);
    const name = deployment.metadata?.name as string;
    await this.apps.patchNamespacedDeploymentScale(
      { name, namespace: this.options.namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    this.options.logger.info({ service, deployment: name, replicas }, 'deployment scaled through the scale subresource');
  }

  async setLimits(service: string, limits: ResourceLimits): Promise<void> {
    const deployment = await this.find(service);
    const name = deployment.metadata?.name as string;
    if (await this.supportsInPlaceResize()) {
      const pods = await this.pods(deployment);
      try {
        for (const pod of pods) {
          const container = this.container(pod.spec?.containers ?? [], deployment);
          if (!container) continue;
          await this.core.patchNamespacedPodResize(
            { name: pod.metadata?.name as string, namespace: this.options.namespace, body: { spec: { containers: [{ name: container.name, resources: resourcesPatch(container, limits) }] } } },
            setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
          );
          this.options.logger.info({ service, pod: pod.metadata?.name, limits }, 'pod resized in place');
        }
        return;
      } catch (error) {
        // 404 on the subresource: this server has no in-place resize after all.
        if (!(error instanceof ApiException && (error.code === 404 || error.code === 405))) throw error;
        this.inPlace = false;
        this.options.logger.warn({ service }, 'pod resize subresource not served: falling back to patching the pod template');
      }
    }
    const container = this.container(deployment.spec?.template.spec?.containers ?? [], deployment);
    if (!container) throw new ActuatorError(`${service}: deployment ${name} has no container to resize`);
    await this.apps.patchNamespacedDeployment(
      { name, namespace: this.options.namespace, body: { spec: { template: { spec: { containers: [{ name: container.name, resources: resourcesPatch(container, limits) }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    this.options.logger.info({ service, deployment: name, limits }, 'deployment pod template patched (rolling update)');
  }

  /** In-place resize is served from Kubernetes 1.33 (beta, on by default); asked once. */
  private async supportsInPlaceResize(): Promise<boolean> {
    if (this.inPlace !== undefined) return this.inPlace;
    try {
      const info = await this.version.getCode();
      const major = Number.parseInt(info.major, 10);
      const minor = Number.parseInt(info.minor, 10);
      this.inPlace = major > 1 || (major === 1 && minor >= 33);
    } catch {
      this.inPlace = false;
    }
    return this.inPlace;
  }

  private async find(service: string): Promise<V1Deployment> {
    const list = await this.apps.listNamespacedDeployment({ namespace: this.options.namespace, labelSelector: `${this.selector},${ActuatorLabel.service}=${service}` });
    if (list.items.length !== 1) throw new ActuatorError(`${service}: expected one managed Deployment labelled ${ActuatorLabel.service}=${service} in ${this.options.namespace}, found ${list.items.length}`);
    return list.items[0] as V1Deployment;
  }

  private async pods(deployment: V1Deployment): Promise<V1Pod[]> {
    const match = deployment.spec?.selector.matchLabels ?? {};
    const labelSelector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',');
    const list = await this.core.listNamespacedPod({ namespace: this.options.namespace, labelSelector });
    return list.items.filter((pod) => !pod.metadata?.deletionTimestamp);
  }

  private container(containers: readonly V1Container[], deployment: V1Deployment): V1Container | undefined {
    const wanted = deployment.metadata?.annotations?.[CONTAINER_ANNOTATION];
    return wanted ? containers.find((c) => c.name === wanted) : containers[0];
  }
}

/**
 * The container's new resources: the limits asked for, and requests lowered to the limits where
 * they would exceed them (a request above its limit is invalid).
 */
export function resourcesPatch(container: V1Container, limits: ResourceLimits): { limits: Record<string, string>; requests?: Record<string, string> } {
  const out: { limits: Record<string, string>; requests?: Record<string, string> } = { limits: {} };
  const requests: Record<string, string> = {};
  if (limits.cpuCores !== undefined) {
    out.limits.cpu = cpuQuantity(limits.cpuCores);
    const request = parseQuantity(container.resources?.requests?.cpu);
    if (request !== undefined && request > limits.cpuCores) requests.cpu = out.limits.cpu;
  }
  if (limits.memoryBytes !== undefined) {
    out.limits.memory = memoryQuantity(limits.memoryBytes);
    const request = parseQuantity(container.resources?.requests?.memory);
    if (request !== undefined && request > limits.memoryBytes) requests.memory = out.limits.memory;
  }
  if (Object.keys(requests).length) out.requests = requests;
  return out;
}

/**
 * A container's limit as a number, or undefined for none. A limit of 0 sets nothing on the node (the
 * kubelet gives such a container no CFS quota and no memory cap), as on Docker: read as 0 cores, the
 * scaler "raised" it to its floor, imposing a limit where there was none. A negative one, which the
 * API server refuses, is read the same way.
 */
function limitOf(quantity: string | undefined): number | undefined {
  const value = parseQuantity(quantity);
  return value !== undefined && value > 0 ? value : undefined;
}
