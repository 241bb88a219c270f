import type Docker from 'dockerode';
import { cpuLimitCores } from '../scaler/actuators/dockerSpec.js';
import type { Upstream } from './frontProxy.js';

export interface DemoStackOptions {
  runId: string;
  appImage: string;
  redisImage: string;
  influxImage: string;
  /** Use this InfluxDB instead of starting one. */
  influxUrl?: string;
  service: string;
  /** Labels of the app's first replica: the platform's, the policy's and the demo's own. */
  appLabels: Record<string, string>;
  appCpus: number;
  appMemoryBytes: number;
  /** Extra environment of the app (and of the worker started with `startWorker`). */
  appEnv?: string[];
  /**
   * A Docker volume of this run mounted at the image's data root (/var/lib/scalewright: uploads,
   * word-count runs, results) in the app and every worker, so any worker can read an upload the
   * app received, and replicas the scaler clones get it too.
   */
  sharedVolume?: boolean;
}

/** A running container of one service, as the demo shows it. */
export interface ServiceReplica {
  id: string;
  name: string;
  cpuLimitCores: number;
  memoryLimitBytes: number;
  oomKilled: boolean;
  restartCount: number;
}

export interface WorkerSpec {
  /** Labels of the first replica: the platform's and the policy's. */
  labels: Record<string, string>;
  cpus: number;
  memoryBytes: number;
}

export interface ServingReplica extends Upstream {
  cpuLimitCores: number;
  memoryLimitBytes: number;
}

export const DEMO_LABEL = 'scalewright.demo';
const DATA_ROOT = '/var/lib/scalewright';
/** The image's own probe (image/healthcheck.sh: a few ms of CPU even at 0.1 CPU), checked more often than its default. */
const HEALTHCHECK = {
  Test: ['CMD', '/app/healthcheck.sh'],
  Interval: 2_000_000_000,
  Timeout: 3_000_000_000,
  Retries: 3,
  StartPeriod: 20_000_000_000,
};

/**
 * The containers of one demo run, all on a network of their own and labelled with the run id,
 * so that teardown removes exactly them (and the replicas the scaler cloned from them).
 */
export class DemoStack {
  readonly network: string;

  readonly volume: string;

  constructor(private readonly docker: Docker, private readonly options: DemoStackOptions) {
    this.network = `scalewright-demo-${options.runId}`;
    this.volume = `${this.network}-data`;
  }

  private binds(): string[] {
    return this.options.sharedVolume ? [`${this.volume}:${DATA_ROOT}`] : [];
  }

  private labels(extra: Record<string, string> = {}): Record<string, string> {
    return { [DEMO_LABEL]: this.options.runId, ...extra };
  }

  private async run(name: string, config: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    const container = await this.docker.createContainer({
      name: `${this.network}-${name}`,
      ...config,
      Labels: { ...this.labels(), ...(config.Labels ?? {}) },
      HostConfig: { NetworkMode: this.network, ...(config.HostConfig ?? {}) },
      NetworkingConfig: { EndpointsConfig: { [this.network]: { Aliases: [name] } } },
    });
    await container.start();
    return container;
  }

  private async addressOf(container: Docker.Container): Promise<string> {
    const info = await container.inspect();
    return info.NetworkSettings.Networks[this.network]?.IPAddress ?? '';
  }

  /**
   * Starts Redis, InfluxDB (unless one was given) and the app's first replica. `signal` (the demo
   * interrupted) stops it between two of them: nothing more is created for the teardown to miss.
   */
  async up(signal?: AbortSignal): Promise<{ influxUrl: string }> {
    await this.docker.createNetwork({ Name: this.network, Labels: this.labels() });
    signal?.throwIfAborted();
    if (this.options.sharedVolume) await this.docker.createVolume({ Name: this.volume, Labels: this.labels() });
    signal?.throwIfAborted();
    await this.run('redis', { Image: this.options.redisImage, HostConfig: { Memory: 128 * 1024 * 1024 } });
    signal?.throwIfAborted();
    let influxUrl = this.options.influxUrl;
    if (!influxUrl) {
      const influx = await this.run('influxdb', { Image: this.options.influxImage, HostConfig: { Memory: 512 * 1024 * 1024 } });
      influxUrl = `http://${await this.addressOf(influx)}:8086`;
      signal?.throwIfAborted();
    }
    await this.runAppImage('app', { labels: this.options.appLabels, cpus: this.options.appCpus, memoryBytes: this.options.appMemoryBytes });
    return { influxUrl };
  }

  /** Starts the first job worker (the scaler clones more from it); needs `up()` first. */
  async startWorker(spec: WorkerSpec): Promise<void> {
    await this.runAppImage('worker', spec);
  }

  /** The app image running `command` (app or worker) under the given limits, memory without swap. */
  private async runAppImage(command: 'app' | 'worker', spec: WorkerSpec): Promise<void> {
    await this.run(command, {
      Image: this.options.appImage,
      Cmd: [command],
      Env: ['REDIS_URL=redis://redis:6379', 'LOG_LEVEL=warn', ...(this.options.appEnv ?? [])],
      Labels: spec.labels,
      Healthcheck: HEALTHCHECK,
      HostConfig: { NanoCpus: Math.round(spec.cpus * 1e9), Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes, Binds: this.binds() },
    });
  }

  /** Address of the app's first replica on the demo network (reachable from the host on Linux). */
  async appAddress(): Promise<string> {
    return this.addressOf(this.docker.getContainer(`${this.network}-app`));
  }

  /**
   * Every container of a service in this run (running or not: an OOM-killed replica must count),
   * with its limits and whether the kernel killed it for memory.
   */
  async replicasOf(service: string): Promise<ServiceReplica[]> {
    const replicas: ServiceReplica[] = [];
    for (const { info } of await this.inspected(service)) {
      if (info.State.Running || info.State.OOMKilled) replicas.push(replicaFrom(info));
    }
    return replicas;
  }

  /**
   * The app's replicas in one read of the engine: every running one (starting and draining ones
   * too: what the run pays for), and those serving (running, healthy, not being drained), which
   * the front proxy sends to, and those it falls back on when none is (`reachable`: running, not
   * draining, past their start-up, healthy or not).
   */
  async appReplicas(): Promise<{ running: ServiceReplica[]; serving: ServingReplica[]; reachable: ServingReplica[] }> {
    const running: ServiceReplica[] = [];
    const serving: ServingReplica[] = [];
    const reachable: ServingReplica[] = [];
    for (const { summary, info } of await this.inspected(this.options.service)) {
      if (!info.State.Running) continue;
      const replica = replicaFrom(info);
      running.push(replica);
      if (summary.Names.some((name) => name.endsWith('-draining'))) continue;
      const address = summary.NetworkSettings?.Networks?.[this.network]?.IPAddress;
      if (!address) continue;
      const upstream = { id: replica.id, host: address, port: 8080, cpuLimitCores: replica.cpuLimitCores, memoryLimitBytes: replica.memoryLimitBytes };
      if (!/\(health: starting\)/.test(summary.Status)) reachable.push(upstream);
      if (/\(unhealthy\)/.test(summary.Status)) continue;
      // Docker runs the first healthcheck one interval after start; like a load balancer with
      // its own active check, the proxy sends traffic as soon as the replica answers /healthz.
      if (/\(health: starting\)/.test(summary.Status) && !(await answersHealthz(address))) continue;
      serving.push(upstream);
    }
    return { running, serving, reachable };
  }

  /** Every container of a service in this run, with what the engine says of it; one gone meanwhile is left out. */
  private async inspected(service: string): Promise<Array<{ summary: Docker.ContainerInfo; info: Docker.ContainerInspectInfo }>> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${DEMO_LABEL}=${this.options.runId}`, `scalewright.service=${service}`] } });
    const found: Array<{ summary: Docker.ContainerInfo; info: Docker.ContainerInspectInfo }> = [];
    for (const summary of containers) {
      const info = await this.docker.getContainer(summary.Id).inspect().catch(() => undefined);
      if (info) found.push({ summary, info });
    }
    return found;
  }

  /** Removes every container and the network of this run, whoever created them. */
  async down(): Promise<number> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${DEMO_LABEL}=${this.options.runId}`] } });
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await this.docker.getNetwork(this.network).remove().catch(() => undefined);
    if (this.options.sharedVolume) await this.docker.getVolume(this.volume).remove().catch(() => undefined);
    return containers.length;
  }
}

function replicaFrom(info: Docker.ContainerInspectInfo): ServiceReplica {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    cpuLimitCores: cpuLimitCores(info.HostConfig) ?? 0,
    memoryLimitBytes: info.HostConfig.Memory ?? 0,
    oomKilled: info.State.OOMKilled,
    restartCount: info.RestartCount,
  };
}

async function answersHealthz(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}:8080/healthz`, { signal: AbortSignal.timeout(300) });
    return response.ok;
  } catch {
    return false;
  }
}
