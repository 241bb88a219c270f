/**
 * How a Kubernetes pod looks from the Docker Engine API on a node whose kubelet runs its pods on
 * Docker Engine through cri-dockerd (the kubelet's dockershim before Kubernetes 1.24 did the
 * same). Published in cri-dockerd's source (core/docker_service.go, core/helpers.go,
 * core/sandbox_helpers.go, core/container_create.go, core/security_context.go) and in the
 * kubelet's (pkg/kubelet/kuberuntime/labels.go):
 *
 * - a pod is one **sandbox** container (the "pause" container, `io.kubernetes.docker.type=podsandbox`)
 *   that holds the pod's network namespace, plus one Docker container per container of the pod
 *   (`io.kubernetes.docker.type=container`);
 * - the pod's **labels** are copied verbatim onto the sandbox only, its **annotations** too, each
 *   as a label `annotation.<key>` (Docker has no annotations); the kubelet adds
 *   `io.kubernetes.pod.name`, `.namespace` and `.uid`;
 * - a pod's container carries none of the pod's labels: only `io.kubernetes.container.name`,
 *   `io.kubernetes.pod.name`, `.namespace`, `.uid`, its sandbox's id (`io.kubernetes.sandbox.id`)
 *   and the kubelet's own annotations (`annotation.io.kubernetes.container.hash`, ...);
 * - a pod's container joins its sandbox's network namespace (`NetworkMode: container:<sandbox id>`),
 *   so Docker gives it no address of its own. The sandbox runs with `NetworkMode: none` (the CNI
 *   plugin, or kubenet, sets up its interface; cri-dockerd supports no other network plugin), or
 *   `host` for a pod on the host's network: either way Docker does not know the pod's IP, which
 *   cri-dockerd asks its network plugin for. Only without a network plugin does the sandbox sit on
 *   Docker's own bridge with an address Docker knows.
 */

/** The labels cri-dockerd and the kubelet put on a pod's Docker containers. */
export const PodLabel = {
  /** `podsandbox` or `container`. */
  type: 'io.kubernetes.docker.type',
  /** On a pod's container: the id of its pod's sandbox. */
  sandboxId: 'io.kubernetes.sandbox.id',
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  /** The container's name in the pod spec (`POD` on the sandbox). */
  containerName: 'io.kubernetes.container.name',
} as const;

export const PodContainerType = { sandbox: 'podsandbox', container: 'container' } as const;

/** cri-dockerd stores a pod annotation `<key>` as the sandbox label `annotation.<key>`. */
export const annotationPrefix = 'annotation.';

/** What is read of a Docker container to place it in a pod: from a listing or an inspect. */
export interface PodMember {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** HostConfig.NetworkMode: `container:<id>` for a pod's container. */
  readonly networkMode: string | undefined;
}

export type PodRole = 'sandbox' | 'container';

/** A pod's sandbox, one of its containers, or undefined: a container no kubelet made. */
export function podRole(labels: Readonly<Record<string, string>>): PodRole | undefined {
  const type = labels[PodLabel.type];
  if (type === PodContainerType.sandbox) return 'sandbox';
  if (type === PodContainerType.container) return 'container';
  return undefined;
}

/**
 * The pod's own labels as its sandbox carries them, and its annotations under the keys the pod
 * gave them, a label winning over an annotation of the same key. `scalewright.metrics.path` is
 * read from an annotation, as a Kubernetes label value cannot hold a `/`.
 */
export function podLabels(sandboxLabels: Readonly<Record<string, string>>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(sandboxLabels)) if (key.startsWith(annotationPrefix)) merged[key.slice(annotationPrefix.length)] = value;
  for (const [key, value] of Object.entries(sandboxLabels)) if (!key.startsWith(annotationPrefix)) merged[key] = value;
  return merged;
}

/**
 * The sandbox of a pod's container among `sandboxes`: the one its `io.kubernetes.sandbox.id`
 * names, else the one whose network namespace it joined (`container:<id>`), else the one of the
 * same pod (`io.kubernetes.pod.uid`). An id may be given short, as Docker accepts it.
 */
export function sandboxOf<T extends PodMember>(container: PodMember, sandboxes: readonly T[]): T | undefined {
  const byId = (ref: string | undefined) => (ref ? sandboxes.find((sandbox) => sandbox.id === ref || (ref.length >= 12 && sandbox.id.startsWith(ref))) : undefined);
  const uid = container.labels[PodLabel.podUid];
  return byId(container.labels[PodLabel.sandboxId]) ?? byId(joinedNamespace(container)) ?? (uid ? sandboxes.find((sandbox) => sandbox.labels[PodLabel.podUid] === uid) : undefined);
}

/** The sandbox a pod's container names outright (its label, else the namespace it joined); undefined when only its pod's uid can tell. */
export function namedSandboxId(container: PodMember): string | undefined {
  return container.labels[PodLabel.sandboxId] || joinedNamespace(container);
}

function joinedNamespace(container: PodMember): string | undefined {
  const mode = container.networkMode ?? '';
  return mode.startsWith('container:') && mode.length > 'container:'.length ? mode.slice('container:'.length) : undefined;
}
