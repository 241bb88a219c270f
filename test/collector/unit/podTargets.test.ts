import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../collector/dockerSource.js';
import { type InspectedContainer, podContainersToInspect, targetFromInspect, targetsFromInspected } from '../../../collector/dockerTargets.js';
import { localAddressesFromFibTrie } from '../../../collector/netnsAddress.js';
import { podContainerLabels, type PodSpec, sandboxLabels } from '../support/criDockerdPod.js';

/**
 * On a Kubernetes node running Docker Engine through cri-dockerd, a pod's labels are on its
 * sandbox (the pause container) only; its containers carry the kubelet's `io.kubernetes.*` labels
 * and join the sandbox's network namespace, so Docker gives them no address. The collector
 * measured the sandboxes (a pause process, near-zero CPU) and scraped nothing. Now a pod's
 * container takes its pod's labels and its pod's address, and the sandbox is never a target.
 * The containers here are `docker inspect` answers written as cri-dockerd's source lays them out
 * (test/collector/support/criDockerdPod.ts); criDockerdPods.test.ts runs the same on real Docker.
 */

const pod: PodSpec = {
  name: 'web-7d9f8-x2x9q',
  namespace: 'shop',
  uid: '0f3c9a2e-5b1d-4c8e-9a77-2d1e6b0c4f11',
  labels: { 'app.kubernetes.io/name': 'web', 'scalewright.service': 'web', 'scalewright.metrics.port': '9100', 'scalewright.managed': 'true', 'pod-template-hash': '7d9f8' },
};
const SANDBOX_ID = 'a'.repeat(64);

function sandbox(spec: PodSpec = pod, overrides: Partial<InspectedContainer> = {}): InspectedContainer {
  return {
    Id: SANDBOX_ID,
    Name: `/k8s_POD_${spec.name}_${spec.namespace}_${spec.uid}_0`,
    State: { Running: true, Pid: 100 },
    Config: { Labels: sandboxLabels(spec) },
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.9' } } },
    ...overrides,
  };
}

function container(name: string, id: string, spec: PodSpec = pod, labels: Record<string, string> = podContainerLabels(spec, name, SANDBOX_ID)): InspectedContainer {
  return {
    Id: id,
    Name: `/k8s_${name}_${spec.name}_${spec.namespace}_${spec.uid}_0`,
    State: { Running: true, Pid: 200 },
    Config: { Labels: labels },
    // The kubelet gives a container's CPU limit as a CFS quota.
    HostConfig: { NetworkMode: `container:${SANDBOX_ID}`, CpuQuota: 50_000, CpuPeriod: 100_000 },
    NetworkSettings: { Networks: {} },
  };
}

const options = { network: undefined };

describe('a pod on a cri-dockerd node, as the collector finds it', () => {
  it('its sandbox is no target; its container is, with the pod\'s labels, the sandbox\'s address and its own CPU limit', () => {
    const targets = targetsFromInspected([sandbox(), container('web', 'c1')], options);
    expect(targets).toEqual([
      {
        id: 'c1',
        name: `${pod.name}/web`,
        pid: 200,
        ip: '172.17.0.9',
        labels: { service: 'web', managed: true, metrics: { port: 9100, path: '/metrics' }, replica: `${pod.name}/web` },
        cpuLimitCores: 0.5,
      },
    ]);
    // Alone, as the listing met it before: the sandbox carries the service label, and is still no target.
    expect(targetFromInspect(sandbox(), undefined)).toBeUndefined();
    expect(targetsFromInspected([sandbox()], options)).toEqual([]);
  });

  it('without scalewright.container on the pod, each of its containers is a replica of its own, named <pod>/<container>', () => {
    const targets = targetsFromInspected([sandbox(), container('web', 'c1'), container('envoy', 'c2')], options);
    expect(targets.map((target) => [target.id, target.name, target.labels.replica])).toEqual([
      ['c1', `${pod.name}/web`, `${pod.name}/web`],
      ['c2', `${pod.name}/envoy`, `${pod.name}/envoy`],
    ]);
  });

  it('with scalewright.container, only the container it names is measured, as the pod: one pod, one replica, named as the scaler names pods', () => {
    const named = { ...pod, labels: { ...pod.labels, 'scalewright.container': 'web' } };
    const targets = targetsFromInspected([sandbox(named), container('web', 'c1', named), container('envoy', 'c2', named)], options);
    expect(targets.map((target) => [target.id, target.name, target.labels.replica])).toEqual([['c1', pod.name, pod.name]]);
  });

  it('reads the pod\'s annotations too (a label value cannot hold the / of a metrics path), a label winning over an annotation', () => {
    const annotated = { ...pod, labels: { ...pod.labels, 'scalewright.metrics.port': '9100' }, annotations: { 'scalewright.metrics.path': '/internal/metrics', 'scalewright.container': 'web', 'scalewright.metrics.port': '7777' } };
    const [target] = targetsFromInspected([sandbox(annotated), container('web', 'c1', annotated), container('envoy', 'c2', annotated)], options);
    expect(target).toMatchObject({ id: 'c1', name: pod.name, labels: { metrics: { port: 9100, path: '/internal/metrics' } } });
  });

  it('a CNI pod (sandbox on network none, as cri-dockerd starts it with a network plugin) is reached at the address read from its namespace', () => {
    const cni = sandbox(pod, { HostConfig: { NetworkMode: 'none' }, NetworkSettings: { Networks: { none: { IPAddress: '' } } } });
    expect(targetsFromInspected([cni, container('web', 'c1')], { ...options, podAddresses: new Map([[SANDBOX_ID, '10.244.1.17']]) })[0]?.ip).toBe('10.244.1.17');
    // Not read (no /proc of the host): no address, and why.
    expect(targetsFromInspected([cni, container('web', 'c1')], options)[0]).toMatchObject({ ip: undefined, unreachable: { network: undefined, networks: ['none'] } });
  });

  it('a pod on the host\'s network has no address the collector can tell: written as down, not scraped elsewhere', () => {
    const host = sandbox(pod, { HostConfig: { NetworkMode: 'host' }, NetworkSettings: { Networks: { host: { IPAddress: '' } } } });
    expect(targetsFromInspected([host, container('web', 'c1')], options)[0]).toMatchObject({ ip: undefined, unreachable: { network: undefined, networks: ['host'] } });
  });

  it('--network names the sandbox\'s network, as it names a container\'s', () => {
    const two = sandbox(pod, { NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.9' }, app: { IPAddress: '10.0.0.5' } } } });
    expect(targetsFromInspected([two, container('web', 'c1')], { network: 'app' })[0]?.ip).toBe('10.0.0.5');
    expect(targetsFromInspected([two, container('web', 'c1')], { network: 'other' })[0]).toMatchObject({ ip: undefined, unreachable: { network: 'other', networks: ['bridge', 'app'] } });
  });

  it('finds the sandbox by io.kubernetes.sandbox.id, else by the namespace the container joined, else by the pod\'s uid', () => {
    const { 'io.kubernetes.sandbox.id': _, ...withoutSandboxId } = podContainerLabels(pod, 'web', SANDBOX_ID);
    const joined = container('web', 'c1', pod, withoutSandboxId);
    expect(targetsFromInspected([sandbox(), joined], options).map((target) => target.id)).toEqual(['c1']);
    const samePod = { ...joined, HostConfig: { NetworkMode: 'default' } };
    expect(targetsFromInspected([sandbox(), samePod], options).map((target) => target.id)).toEqual(['c1']);
    // Short ids, as Docker accepts them.
    expect(targetsFromInspected([sandbox(), container('web', 'c1', pod, podContainerLabels(pod, 'web', SANDBOX_ID.slice(0, 12)))], options)).toHaveLength(1);
    // Another pod's sandbox is not this container's.
    const other = sandbox({ ...pod, uid: 'another' }, { Id: 'b'.repeat(64) });
    expect(targetsFromInspected([other, samePod], options)).toEqual([]);
  });

  it('is no target when its sandbox is not at hand, when the pod names no service, when it does not run, or when the pod lacks the required label', () => {
    expect(targetsFromInspected([container('web', 'c1')], options)).toEqual([]);
    const unlabelled = { ...pod, labels: { 'app.kubernetes.io/name': 'web' } };
    expect(targetsFromInspected([sandbox(unlabelled), container('web', 'c1', unlabelled)], options)).toEqual([]);
    expect(targetsFromInspected([sandbox(), { ...container('web', 'c1'), State: { Running: false, Pid: 0 } }], options)).toEqual([]);
    expect(targetsFromInspected([sandbox(), container('web', 'c1')], { ...options, requireLabel: 'scalewright.stack=shop' })).toEqual([]);
    const stacked = { ...pod, labels: { ...pod.labels, 'scalewright.stack': 'shop' } };
    expect(targetsFromInspected([sandbox(stacked), container('web', 'c1', stacked)], { ...options, requireLabel: 'scalewright.stack=shop' })).toHaveLength(1);
  });

  it('leaves containers that carry the platform\'s labels themselves as they were, a pod\'s container with labels of its own included', () => {
    const plain: InspectedContainer = { Id: 'p1', Name: '/web-1', State: { Running: true, Pid: 7 }, Config: { Labels: { 'scalewright.service': 'web', 'com.docker.compose.container-number': '1' } }, HostConfig: { NanoCpus: 1e9 }, NetworkSettings: { Networks: { app: { IPAddress: '10.0.0.7' } } } };
    const own = container('web', 'c1', pod, { ...podContainerLabels(pod, 'web', SANDBOX_ID), 'scalewright.service': 'own' });
    expect(targetsFromInspected([plain, own, sandbox()], options).map((target) => [target.id, target.name, target.labels.service, target.labels.replica])).toEqual([
      ['p1', 'web-1', 'web', '1'],
      ['c1', `k8s_web_${pod.name}_${pod.namespace}_${pod.uid}_0`, 'own', undefined],
    ]);
  });
});

describe('which of a node\'s kubelet containers are inspected', () => {
  it('the sandboxes of pods labelled with a service and their containers, none of the other pods\'', () => {
    const member = (id: string, labels: Record<string, string>, networkMode?: string) => ({ id, labels, networkMode });
    const theirs: PodSpec = { name: 'dns-1', namespace: 'kube-system', uid: 'u-dns', labels: { 'k8s-app': 'kube-dns' } };
    const listing = [
      member('s-ours', sandboxLabels(pod), 'none'),
      member('c-ours', podContainerLabels(pod, 'web', 's-ours'), 'container:s-ours'),
      member('s-theirs', sandboxLabels(theirs), 'none'),
      member('c-theirs', podContainerLabels(theirs, 'coredns', 's-theirs'), 'container:s-theirs'),
    ];
    expect(podContainersToInspect(listing)).toEqual(['s-ours', 'c-ours']);
    const annotated = { ...theirs, labels: {}, annotations: { 'scalewright.service': 'dns' } };
    expect(podContainersToInspect([member('s-ann', sandboxLabels(annotated), 'none'), member('c-ann', podContainerLabels(annotated, 'coredns', 's-ann'))])).toEqual(['s-ann', 'c-ann']);
  });
});

describe('the events followed', () => {
  const event = (attributes: Record<string, string>) => JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'c1', Attributes: { name: 'x', image: 'y', ...attributes } } });

  it('a pod\'s container\'s (its own labels, never its pod\'s), a labelled container\'s; not an unrelated container\'s', () => {
    expect(parseEvent(event(podContainerLabels(pod, 'web', SANDBOX_ID)))).toEqual({ action: 'start', id: 'c1' });
    expect(parseEvent(event({ 'scalewright.service': 'web' }))).toEqual({ action: 'start', id: 'c1' });
    expect(parseEvent(event({ 'com.docker.compose.service': 'db' }))).toBeUndefined();
  });
});

describe('a network namespace\'s own IPv4 addresses, from /proc/<pid>/net/fib_trie', () => {
  // Read from a container on Docker's bridge (Linux 6.18); loopback left out.
  const fibTrie = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 172.17.0.0/16 2 0 2
        +-- 172.17.0.0/30 2 0 2
           |-- 172.17.0.0
              /16 link UNICAST
           |-- 172.17.0.2
              /32 host LOCAL
        |-- 172.17.255.255
           /32 link BROADCAST
Local:
  +-- 0.0.0.0/0 3 0 5
     +-- 172.17.0.0/16 2 0 2
        +-- 172.17.0.0/30 2 0 2
           |-- 172.17.0.2
              /32 host LOCAL
`;

  it('are the leaves marked host LOCAL, once each, loopback left out', () => {
    expect(localAddressesFromFibTrie(fibTrie)).toEqual(['172.17.0.2']);
    expect(localAddressesFromFibTrie('Main:\n  +-- 127.0.0.0/8 2 0 2\n     |-- 127.0.0.1\n        /32 host LOCAL\n')).toEqual([]);
    expect(localAddressesFromFibTrie('')).toEqual([]);
  });
});
