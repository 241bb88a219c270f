import type Docker from 'dockerode';
import { ActuatorLabel, DRAINING_SUFFIX } from './labels.js';
import type { ResourceLimits } from './actuator.js';

/**
 * Pure translations between `docker inspect` data and Engine API request bodies, kept apart from
 * the I/O so they can be read and tested on their own.
 */

/** Labels that name one particular container and must not be copied to a clone. */
const PER_CONTAINER_LABELS = ['com.docker.compose.container-number', 'com.docker.compose.oneoff', ActuatorLabel.replica, ActuatorLabel.cloneOf];

/** HostConfig fields a clone keeps: limits, restart policy, mounts, security. Host port bindings are left out (they would collide). */
const HOST_CONFIG_KEYS = [
  'NanoCpus', 'CpuQuota', 'CpuPeriod', 'CpuShares', 'CpusetCpus', 'Memory', 'MemorySwap', 'MemoryReservation', 'PidsLimit',
  'RestartPolicy', 'Binds', 'Mounts', 'Tmpfs', 'ShmSize', 'Ulimits', 'Init', 'CapAdd', 'CapDrop', 'SecurityOpt', 'ReadonlyRootfs',
  'LogConfig', 'ExtraHosts', 'Dns', 'DnsSearch', 'DnsOptions', 'NetworkMode', 'Privileged', 'GroupAdd', 'OomKillDisable',
] as const;

export interface CloneSpec {
  /** Body of POST /containers/create (the first network is joined at creation). */
  readonly create: Docker.ContainerCreateOptions;
  /** Further networks to connect before start, each with its aliases (the API joins one at creation). */
  readonly extraNetworks: ReadonlyArray<{ readonly network: string; readonly aliases: string[] }>;
}

/**
 * The create request for a new replica copied from `template`: same image, env, command,
 * entrypoint, labels, healthcheck, limits, mounts and networks with their service aliases (not the
 * aliases naming the template itself, which Docker adds per container).
 */
export function cloneSpec(template: Docker.ContainerInspectInfo, name: string): CloneSpec {
  const templateName = template.Name.replace(/^\//, '');
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(template.Config.Labels ?? {})) if (!PER_CONTAINER_LABELS.includes(key)) labels[key] = value;
  labels[ActuatorLabel.createdByScaler] = 'true';
  labels[ActuatorLabel.cloneOf] = templateName;
  labels[ActuatorLabel.replica] = name;

  const hostConfig: Record<string, unknown> = {};
  const source = template.HostConfig as unknown as Record<string, unknown>;
  for (const key of HOST_CONFIG_KEYS) if (source[key] !== undefined && source[key] !== null) hostConfig[key] = source[key];

  const ownAliases = new Set([templateName, template.Id, template.Id.slice(0, 12), template.Config.Hostname]);
  const networks = Object.entries(template.NetworkSettings.Networks ?? {}).map(([network, endpoint]) => ({
    network,
    // The default bridge has no DNS: aliases are refused there.
    aliases: network === 'bridge' ? [] : ((endpoint.Aliases ?? []) as string[]).filter((alias) => !ownAliases.has(alias)),
  }));
  const mode = String(template.HostConfig.NetworkMode ?? '');
  const sharesNamespace = mode === 'host' || mode === 'none' || mode.startsWith('container:');
  const first = sharesNamespace ? undefined : (networks.find((n) => n.network === mode) ?? networks[0]);

  const config = template.Config as Docker.ContainerInspectInfo['Config'] & { Healthcheck?: unknown; StopTimeout?: number; StopSignal?: string };
  const create: Docker.ContainerCreateOptions = {
    name,
    Image: config.Image,
    Env: config.Env ?? [],
    Cmd: config.Cmd ?? undefined,
    Entrypoint: config.Entrypoint ?? undefined,
    WorkingDir: config.WorkingDir || undefined,
    User: config.User || undefined,
    Labels: labels,
    ExposedPorts: config.ExposedPorts ?? undefined,
    StopSignal: config.StopSignal || undefined,
    StopTimeout: config.StopTimeout ?? undefined,
    Healthcheck: (config.Healthcheck ?? undefined) as Docker.ContainerCreateOptions['Healthcheck'],
    HostConfig: { ...(hostConfig as Docker.HostConfig), ...(first && !sharesNamespace ? { NetworkMode: first.network } : {}) },
    ...(first ? { NetworkingConfig: { EndpointsConfig: { [first.network]: first.aliases.length ? { Aliases: first.aliases } : {} } } } : {}),
  };
  return { create, extraNetworks: sharesNamespace ? [] : networks.filter((n) => n !== first) };
}

/** CPU limit of a container in cores (NanoCpus, or quota over period); undefined = unlimited. */
export function cpuLimitCores(host: Pick<Docker.HostConfig, 'NanoCpus' | 'CpuQuota' | 'CpuPeriod'>): number | undefined {
  if (host.NanoCpus && host.NanoCpus > 0) return host.NanoCpus / 1e9;
  if (host.CpuQuota && host.CpuQuota > 0) return host.CpuQuota / (host.CpuPeriod && host.CpuPeriod > 0 ? host.CpuPeriod : 100_000);
  return undefined;
}

export function memoryLimitBytes(host: Pick<Docker.HostConfig, 'Memory'>): number | undefined {
  return host.Memory && host.Memory > 0 ? host.Memory : undefined;
}

/**
 * The body of POST /containers/{id}/update that sets `limits` on a running container without a
 * restart. CPU keeps the form the container was created with (Docker refuses to mix NanoCpus with
 * a quota/period); memory moves with its swap allowance, which must never be below memory.
 */
export function limitsUpdateBody(current: Docker.HostConfig, limits: ResourceLimits): Record<string, number> {
  const body: Record<string, number> = {};
  if (limits.cpuCores !== undefined) {
    if ((current.CpuQuota ?? 0) > 0 && !((current.NanoCpus ?? 0) > 0)) {
      const period = (current.CpuPeriod ?? 0) > 0 ? (current.CpuPeriod as number) : 100_000;
      body.CpuPeriod = period;
      body.CpuQuota = Math.max(1000, Math.round(limits.cpuCores * period));
    } else {
      body.NanoCpus = Math.max(1e7, Math.round(limits.cpuCores * 1e9));
    }
  }
  if (limits.memoryBytes !== undefined) {
    const memory = Math.max(6 * 2 ** 20, Math.round(limits.memoryBytes));
    const oldMemory = current.Memory ?? 0;
    const oldSwap = current.MemorySwap ?? 0;
    body.Memory = memory;
    // -1: unlimited swap stays unlimited; a set allowance keeps its size above memory; unset (0)
    // means Docker's default of swap = memory, i.e. memory+swap = 2 × memory.
    body.MemorySwap = oldSwap === -1 ? -1 : oldSwap > 0 && oldMemory > 0 ? memory + Math.max(0, oldSwap - oldMemory) : memory * 2;
  }
  return body;
}

export type MemberPhase = 'ready' | 'starting' | 'leftover' | 'draining' | 'stopped';

/**
 * Where one labelled container stands. `leftover`: a clone of ours that never got running (the
 * scaler died between create and start) or that exited: removed on sight. `draining`: a replica
 * being removed (renamed with the draining suffix). `stopped`: someone else's stopped container:
 * neither counted nor touched.
 */
export function memberPhase(info: { name: string; state: string; health: string | undefined; labels: Record<string, string>; hasHealthcheck: boolean; runningForMs: number }, settleMs: number): MemberPhase {
  const ours = info.labels[ActuatorLabel.createdByScaler] === 'true';
  if (info.name.endsWith(DRAINING_SUFFIX)) return 'draining';
  if (info.state === 'running' || info.state === 'restarting') {
    if (info.state === 'restarting') return 'starting';
    if (info.hasHealthcheck) return info.health === 'healthy' ? 'ready' : 'starting';
    return info.runningForMs >= settleMs ? 'ready' : 'starting';
  }
  if (info.state === 'paused') return 'starting';
  return ours ? 'leftover' : 'stopped';
}

export function hasHealthcheck(config: { Healthcheck?: { Test?: string[] } }): boolean {
  const test = config.Healthcheck?.Test;
  return Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
}
