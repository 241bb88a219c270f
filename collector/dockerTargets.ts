import { type PodMember, PodLabel, podLabels, podRole, sandboxOf } from './criDockerd.js';
import { Label, parseTargetLabels } from './labels.js';
import type { Target } from './target.js';

/** The parts of `docker inspect` the collector reads. */
export interface InspectedContainer {
  Id: string;
  Name: string;
  State: { Running: boolean; Pid: number };
  Config: { Labels: Record<string, string> | null };
  HostConfig: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number; NetworkMode?: string };
  NetworkSettings: { IPAddress?: string | undefined; Networks?: Record<string, { IPAddress?: string | undefined }> | undefined };
}

export interface TargetOptions {
  /** The network whose address /metrics is scraped at (`--network`); undefined: the first with one. */
  readonly network: string | undefined;
  /** An extra `key=value` (or `key`) label a container must carry too; a pod's container, its pod. */
  readonly requireLabel?: string | undefined;
  /**
   * Pods' addresses Docker does not know, by sandbox id: read from the sandbox's network namespace
   * (netnsAddress.ts) for a sandbox with `NetworkMode: none`, whose interface a CNI plugin made.
   */
  readonly podAddresses?: ReadonlyMap<string, string>;
}

/**
 * The targets among inspected containers (plain data in, targets out; the Docker calls are the
 * adapter's). A container carrying `scalewright.service` itself is a target as it always was. On a
 * Kubernetes node running Docker Engine through cri-dockerd, the pod's labels are on its sandbox
 * only (criDockerd.ts), so:
 *
 * - a pod's sandbox is never a target: the pause process is not the workload;
 * - a pod's container without platform labels of its own takes its pod's (the sandbox's labels,
 *   and its annotations), and is a target when they name a service. With `scalewright.container`
 *   on the pod only the container it names is, named after the pod (one pod, one replica, as the
 *   scaler counts pods); without it each of the pod's containers is, as `<pod>/<container>`;
 * - its /metrics is at the pod's address: the sandbox's on the network asked for, as for any
 *   container, or, for a sandbox Docker gave no network (`none`, a CNI pod), the one read from its
 *   namespace (`podAddresses`).
 *
 * The sandbox of a pod's container must be among `containers`; without it there is no target.
 */
export function targetsFromInspected(containers: readonly InspectedContainer[], options: TargetOptions): Target[] {
  const sandboxes = containers.filter((container) => podRole(labelsOf(container)) === 'sandbox').map(podMember);
  const targets: Target[] = [];
  for (const container of containers) {
    const labels = labelsOf(container);
    const target = takesItsPodsLabels(labels)
      ? podContainerTarget(container, sandboxOf(podMember(container), sandboxes)?.inspected, options)
      : hasLabel(labels, options.requireLabel)
        ? targetFromInspect(container, options.network)
        : undefined;
    if (target) targets.push(target);
  }
  return targets;
}

/** A Kubernetes pod's container without platform labels of its own: its pod's are its own. */
export function takesItsPodsLabels(labels: Readonly<Record<string, string>>): boolean {
  return podRole(labels) === 'container' && parseTargetLabels(labels) === undefined;
}

/**
 * The containers of a Kubernetes node's listing (the kubelet's, sandboxes and all) worth an
 * inspect: the sandboxes of pods labelled (or annotated) with `scalewright.service`, and their
 * pods' containers. The rest of the node's pods are not looked at further.
 */
export function podContainersToInspect(members: readonly PodMember[]): string[] {
  const ours = members.filter((member) => podRole(member.labels) === 'sandbox' && parseTargetLabels(podLabels(member.labels)) !== undefined);
  if (ours.length === 0) return [];
  const containers = members.filter((member) => podRole(member.labels) === 'container' && sandboxOf(member, ours) !== undefined);
  return [...ours, ...containers].map((member) => member.id);
}

/** A container that carries the platform's labels itself, as a target (a pod's sandbox never is). */
export function targetFromInspect(info: InspectedContainer, preferredNetwork: string | undefined): Target | undefined {
  const labels = parseTargetLabels(labelsOf(info));
  if (!labels || !info.State.Running || podRole(labelsOf(info)) === 'sandbox') return undefined;
  return { id: info.Id, name: info.Name.replace(/^\//, ''), pid: info.State.Pid, ...scrapeAddress(info.NetworkSettings, preferredNetwork), labels, cpuLimitCores: cpuLimitCores(info) };
}

function podContainerTarget(container: InspectedContainer, sandbox: InspectedContainer | undefined, options: TargetOptions): Target | undefined {
  if (!sandbox || !container.State.Running) return undefined;
  const pod = podLabels(labelsOf(sandbox));
  const parsed = parseTargetLabels(pod);
  if (!parsed || !hasLabel(pod, options.requireLabel)) return undefined;
  const own = labelsOf(container);
  const containerName = own[PodLabel.containerName] ?? container.Name.replace(/^\//, '');
  const podName = own[PodLabel.podName] ?? pod[PodLabel.podName] ?? sandbox.Name.replace(/^\//, '');
  const measured = pod[Label.container]?.trim();
  if (measured && measured !== containerName) return undefined;
  const name = measured ? podName : `${podName}/${containerName}`;
  return { id: container.Id, name, pid: container.State.Pid, ...podAddress(sandbox, options), labels: { ...parsed, replica: name }, cpuLimitCores: cpuLimitCores(container) };
}

/** Where a pod's /metrics is reached: see targetsFromInspected. */
function podAddress(sandbox: InspectedContainer, options: TargetOptions): Pick<Target, 'ip' | 'unreachable'> {
  if (sandbox.HostConfig.NetworkMode !== 'none') return scrapeAddress(sandbox.NetworkSettings, options.network);
  const ip = options.podAddresses?.get(sandbox.Id);
  return ip ? { ip } : { ip: undefined, unreachable: { network: options.network, networks: ['none'] } };
}

/**
 * Where /metrics is reached: the address on the network asked for (`--network`), else, when none
 * is asked for, the first network's with an address. A container not on the network asked for
 * has no address to scrape: scraped over another network, it answered (`scrape_up=1`) as if the
 * flag had been heeded, when the network the flag names is the one the operator knows is routed.
 */
export function scrapeAddress(settings: InspectedContainer['NetworkSettings'], network: string | undefined): Pick<Target, 'ip' | 'unreachable'> {
  const networks = settings.Networks ?? {};
  const names = Object.keys(networks);
  if (network !== undefined) {
    const ip = networks[network]?.IPAddress || undefined;
    return ip ? { ip } : { ip: undefined, unreachable: { network, networks: names } };
  }
  const ip = Object.values(networks).map((entry) => entry.IPAddress).find((address) => address) || settings.IPAddress || undefined;
  return ip ? { ip } : { ip: undefined, unreachable: { network: undefined, networks: names } };
}

/** `key=value`: carries it with that value; `key`: carries it; undefined: no requirement. */
export function hasLabel(labels: Readonly<Record<string, string>>, requirement: string | undefined): boolean {
  if (!requirement) return true;
  const [key = '', ...rest] = requirement.split('=');
  return rest.length === 0 ? key in labels : labels[key] === rest.join('=');
}

export function podMember(container: InspectedContainer): PodMember & { readonly inspected: InspectedContainer } {
  return { id: container.Id, labels: labelsOf(container), networkMode: container.HostConfig.NetworkMode, inspected: container };
}

function labelsOf(container: InspectedContainer): Record<string, string> {
  return container.Config.Labels ?? {};
}

function cpuLimitCores(info: InspectedContainer): number | undefined {
  const { NanoCpus, CpuQuota, CpuPeriod } = info.HostConfig;
  return NanoCpus ? NanoCpus / 1e9 : CpuQuota && CpuQuota > 0 ? CpuQuota / (CpuPeriod || 100_000) : undefined;
}
