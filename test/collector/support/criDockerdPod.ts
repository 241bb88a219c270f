/**
 * A Kubernetes pod laid out in Docker Engine as cri-dockerd lays it out (collector/criDockerd.ts
 * names the sources): a sandbox container carrying the pod's labels verbatim, its annotations as
 * `annotation.<key>` labels and the kubelet's `io.kubernetes.pod.*`, typed `podsandbox`; and one
 * container per container of the pod carrying only the kubelet's `io.kubernetes.*` labels and
 * annotations, typed `container`, naming its sandbox, in the sandbox's network and IPC namespaces.
 *
 * This is the published contract reproduced with real containers, not a kubelet: no kubelet, no
 * cri-dockerd and no CNI plugin run here. The only label added is `scalewright.test=<run id>`, on
 * every container, so that a suite (or CI after a crash) removes exactly its own; on a pod's
 * container the collector reads none but the kubelet's (the pod's labels are its sandbox's).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { baseImage, docker, testLabel } from '../../support/docker.js';

export interface PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** The pod template's labels. */
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface PodContainerSpec {
  readonly name: string;
  readonly script: string;
  /** The CPU limit, as the kubelet gives it to Docker (CFS quota over a 100 ms period). */
  readonly cpuLimitCores?: number;
}

/** The labels cri-dockerd puts on a pod's sandbox (makeSandboxDockerConfig, makeLabels). */
export function sandboxLabels(pod: PodSpec): Record<string, string> {
  return {
    ...pod.labels,
    ...Object.fromEntries(Object.entries({ 'kubernetes.io/config.source': 'api', ...pod.annotations }).map(([key, value]) => [`annotation.${key}`, value])),
    'io.kubernetes.pod.name': pod.name,
    'io.kubernetes.pod.namespace': pod.namespace,
    'io.kubernetes.pod.uid': pod.uid,
    'io.kubernetes.docker.type': 'podsandbox',
    'io.kubernetes.container.name': 'POD',
  };
}

/** The labels cri-dockerd puts on a pod's container (CreateContainer; the kubelet's newContainerLabels and annotations). */
export function podContainerLabels(pod: PodSpec, container: string, sandboxId: string): Record<string, string> {
  return {
    'io.kubernetes.container.name': container,
    'io.kubernetes.pod.name': pod.name,
    'io.kubernetes.pod.namespace': pod.namespace,
    'io.kubernetes.pod.uid': pod.uid,
    'annotation.io.kubernetes.container.hash': '5d3a8f0e',
    'annotation.io.kubernetes.container.restartCount': '0',
    'annotation.io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
    'annotation.io.kubernetes.container.terminationMessagePolicy': 'File',
    'annotation.io.kubernetes.pod.terminationGracePeriod': '30',
    'io.kubernetes.docker.type': 'container',
    'io.kubernetes.container.logpath': `/var/log/pods/${pod.namespace}_${pod.name}_${pod.uid}/${container}/0.log`,
    'io.kubernetes.sandbox.id': sandboxId,
  };
}

/**
 * Starts the pod's sandbox (an idle node process standing in for `pause`), with Docker's default
 * network as cri-dockerd gives it without a network plugin, or `none` as it does with a CNI
 * plugin (whose part `emulateCni` plays). Named as cri-dockerd names it.
 */
export async function startSandbox(runId: string, pod: PodSpec, network: 'default' | 'none'): Promise<Docker.Container> {
  const sandbox = await docker.createContainer({
    Image: baseImage,
    name: `k8s_POD_${pod.name}_${pod.namespace}_${pod.uid}_0`,
    Cmd: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
    Labels: { ...sandboxLabels(pod), [testLabel]: runId },
    HostConfig: { NetworkMode: network, IpcMode: 'shareable', CpuShares: 2 },
  });
  await sandbox.start();
  return sandbox;
}

/** Starts one of the pod's containers in its sandbox's namespaces, as cri-dockerd does. */
export async function startPodContainer(runId: string, pod: PodSpec, sandboxId: string, spec: PodContainerSpec): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: baseImage,
    name: `k8s_${spec.name}_${pod.name}_${pod.namespace}_${pod.uid}_0`,
    Cmd: ['node', '-e', spec.script],
    Labels: { ...podContainerLabels(pod, spec.name, sandboxId), [testLabel]: runId },
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      RestartPolicy: { Name: 'no' },
      ...(spec.cpuLimitCores !== undefined ? { CpuPeriod: 100_000, CpuQuota: Math.round(spec.cpuLimitCores * 100_000) } : {}),
    },
  });
  await container.start();
  return container;
}

export function newPod(runId: string, name: string, labels: Record<string, string>, annotations?: Record<string, string>): PodSpec {
  return { name: `${runId}-${name}-${randomBytes(3).toString('hex')}`, namespace: runId, uid: randomBytes(16).toString('hex'), labels, ...(annotations ? { annotations } : {}) };
}

const run = promisify(execFile);

/** Whether this machine lets a test make a network interface (root, `ip` and `nsenter` at hand). */
export async function canEmulateCni(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return run('ip', ['link', 'show']).then(() => run('nsenter', ['--version'])).then(() => true, () => false);
}

/**
 * Plays a CNI plugin's part (as the `ptp` plugin does): a veth pair, one end moved into the
 * sandbox's network namespace with an address from 198.18.0.0/15 (set aside for tests, RFC 2544)
 * that Docker never hears of, the other on the host with the /30's other address, so that the
 * host reaches the pod. Returns the pod's address and the clean-up (the pair goes with either end).
 */
export async function emulateCni(sandboxPid: number): Promise<{ podIp: string; remove: () => Promise<void> }> {
  const suffix = randomBytes(3).toString('hex');
  const [hostEnd, podEnd] = [`swh${suffix}`, `swp${suffix}`];
  const third = randomBytes(1)[0] ?? 0;
  const base = 4 * ((randomBytes(1)[0] ?? 0) % 64);
  const [hostIp, podIp] = [`198.18.${third}.${base + 1}`, `198.18.${third}.${base + 2}`];
  const inPod = (...args: string[]) => run('nsenter', ['-t', String(sandboxPid), '-n', 'ip', ...args]);
  await run('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', podEnd]);
  try {
    await run('ip', ['link', 'set', podEnd, 'netns', String(sandboxPid)]);
    await inPod('addr', 'add', `${podIp}/30`, 'dev', podEnd);
    await inPod('link', 'set', podEnd, 'up');
    await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
    await run('ip', ['link', 'set', hostEnd, 'up']);
  } catch (error) {
    await run('ip', ['link', 'del', hostEnd]).catch(() => undefined);
    throw error;
  }
  return { podIp, remove: () => run('ip', ['link', 'del', hostEnd]).then(() => undefined, () => undefined) };
}
