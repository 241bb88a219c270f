import Docker from 'dockerode';
import type { Logger } from '../common/logger.js';
import type { DockerStatsAnswer } from './dockerStatsReadings.js';
import { Label, parseTargetLabels } from './labels.js';
import type { Target } from './target.js';

export type ContainerAction = 'start' | 'die' | 'stop' | 'destroy' | 'oom';

export interface ContainerEvent {
  readonly action: ContainerAction;
  readonly id: string;
}

/** What the collector needs from Docker, behind an interface so the loop can be driven in tests. */
export interface ContainerSource {
  listRunning(): Promise<Target[]>;
  /** The container as a target if it is running and carries our labels. */
  inspect(id: string): Promise<Target | undefined>;
  /** Follows container events of labelled containers until the returned function is called. */
  watch(onEvent: (event: ContainerEvent) => void): () => void;
  stats(id: string): Promise<DockerStatsAnswer>;
  hostName(): Promise<string>;
  /**
   * The engine's memory (`docker info` MemTotal), which its stats API gives as the memory limit
   * of a container that has none; undefined when Docker does not say. Rejects when Docker cannot
   * be asked.
   */
  hostMemoryBytes(): Promise<number | undefined>;
}

const followed: readonly ContainerAction[] = ['start', 'die', 'stop', 'destroy', 'oom'];

export interface DockerSourceOptions {
  readonly docker: Docker;
  /** Prefer this network's address for /metrics (when a container is on several). */
  readonly network: string | undefined;
  /** An extra `key=value` label a container must carry too (one collector per project or stack). */
  readonly requireLabel?: string | undefined;
  readonly logger: Logger;
  /** How long one answer may take; DOCKER_REQUEST_TIMEOUT_MS unless given (tests shorten it). */
  readonly requestTimeoutMs?: number;
}

/**
 * The deadline of one request to dockerd (a listing, an inspect, `docker info`, a stats answer).
 * Without one, a dockerd that accepted a request and never answered held the collector's start,
 * each re-listing (a new one every COLLECTOR_RESYNC_MS, piling up), and, through the stats
 * fallback, every collection pass, all containers', with it. Docker takes a second or two to give
 * a stats answer (it waits for its own next sample: 1.0–2.0 s measured on Docker 20.10, also with
 * `one-shot`), so the deadline leaves room for that. The event stream has none: it is meant to be
 * silent for as long as nothing happens, and reconnects when it fails.
 */
export const DOCKER_REQUEST_TIMEOUT_MS = 5_000;

interface InspectLike {
  Id: string;
  Name: string;
  State: { Running: boolean; Pid: number };
  Config: { Labels: Record<string, string> | null };
  HostConfig: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number };
  NetworkSettings: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> };
}

/** The parts of `docker info` used here. */
interface EngineInfoLike {
  Name?: string;
  MemTotal?: number;
}

/** Docker Engine API adapter (dockerode). */
export class DockerSource implements ContainerSource {
  /** `docker info`: what it says here does not change while the engine runs, so it is asked once (again after a failure). */
  private engineInfo: Promise<EngineInfoLike> | undefined;

  constructor(private readonly options: DockerSourceOptions) {}

  async listRunning(): Promise<Target[]> {
    const summaries = await this.withinDeadline('the container listing', (abortSignal) => this.options.docker.listContainers({ filters: { label: this.labelFilters(), status: ['running'] }, abortSignal }));
    const targets = await Promise.all(summaries.map((summary) => this.inspect(summary.Id)));
    return targets.filter((target): target is Target => target !== undefined);
  }

  private labelFilters(): string[] {
    return [Label.service, ...(this.options.requireLabel ? [this.options.requireLabel] : [])];
  }

  async inspect(id: string): Promise<Target | undefined> {
    try {
      const info = (await this.withinDeadline(`the inspect of container ${id.slice(0, 12)}`, (abortSignal) => this.options.docker.getContainer(id).inspect({ abortSignal }))) as unknown as InspectLike;
      if (!hasLabel(info.Config.Labels ?? {}, this.options.requireLabel)) return undefined;
      return targetFromInspect(info, this.options.network);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  watch(onEvent: (event: ContainerEvent) => void): () => void {
    let stopped = false;
    let stream: NodeJS.ReadableStream | undefined;
    const connect = async () => {
      while (!stopped) {
        try {
          stream = (await this.options.docker.getEvents({
            filters: { type: ['container'], event: [...followed], label: this.labelFilters() },
          })) as NodeJS.ReadableStream;
          this.options.logger.debug('following docker events');
          await consumeEvents(stream, onEvent);
        } catch (error) {
          if (!stopped) this.options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'docker event stream failed; reconnecting');
        }
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    void connect();
    return () => {
      stopped = true;
      const destroyable = stream as unknown as { destroy?: () => void } | undefined;
      destroyable?.destroy?.();
    };
  }

  async stats(id: string): Promise<DockerStatsAnswer> {
    return (await this.withinDeadline(`the stats of container ${id.slice(0, 12)}`, (abortSignal) => {
      // dockerode hands abortSignal to its modem for every call (lib/container.js); @types/dockerode
      // leaves it out of stats' options, so they are not written as a literal there.
      const options = { stream: false as const, abortSignal };
      return this.options.docker.getContainer(id).stats(options);
    })) as DockerStatsAnswer;
  }

  async hostName(): Promise<string> {
    return (await this.info()).Name ?? 'unknown';
  }

  async hostMemoryBytes(): Promise<number | undefined> {
    const memory = (await this.info()).MemTotal;
    return typeof memory === 'number' && Number.isInteger(memory) && memory > 0 ? memory : undefined;
  }

  private info(): Promise<EngineInfoLike> {
    this.engineInfo ??= (this.withinDeadline('docker info', (abortSignal) => engineInfo(this.options.docker, abortSignal))).catch((error: unknown) => {
      this.engineInfo = undefined;
      throw error;
    });
    return this.engineInfo;
  }

  /** Runs one request to dockerd under its deadline (DOCKER_REQUEST_TIMEOUT_MS); one that passes it fails, naming `what`. */
  private async withinDeadline<T>(what: string, request: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const deadlineMs = this.options.requestTimeoutMs ?? DOCKER_REQUEST_TIMEOUT_MS;
    try {
      return await request(AbortSignal.timeout(deadlineMs));
    } catch (error) {
      throw error instanceof Error && error.name === 'AbortError' ? new Error(`Docker did not answer ${what} within ${deadlineMs} ms`) : error;
    }
  }
}

export function targetFromInspect(info: InspectLike, preferredNetwork: string | undefined): Target | undefined {
  const labels = parseTargetLabels(info.Config.Labels ?? {});
  if (!labels || !info.State.Running) return undefined;
  const networks = info.NetworkSettings.Networks ?? {};
  const preferred = preferredNetwork ? networks[preferredNetwork]?.IPAddress : undefined;
  const anyAddress = Object.values(networks).map((network) => network.IPAddress).find((address) => address);
  const { NanoCpus, CpuQuota, CpuPeriod } = info.HostConfig;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    pid: info.State.Pid,
    ip: preferred || anyAddress || info.NetworkSettings.IPAddress || undefined,
    labels,
    cpuLimitCores: NanoCpus ? NanoCpus / 1e9 : CpuQuota && CpuQuota > 0 ? CpuQuota / (CpuPeriod || 100_000) : undefined,
  };
}

/** Docker sends one JSON object per line; a chunk may end mid-line. */
async function consumeEvents(stream: NodeJS.ReadableStream, onEvent: (event: ContainerEvent) => void): Promise<void> {
  let carry = '';
  for await (const chunk of stream) {
    carry += chunk.toString();
    let newline = carry.indexOf('\n');
    while (newline >= 0) {
      const line = carry.slice(0, newline).trim();
      carry = carry.slice(newline + 1);
      newline = carry.indexOf('\n');
      if (!line) continue;
      const event = parseEvent(line);
      if (event) onEvent(event);
    }
  }
}

export function parseEvent(line: string): ContainerEvent | undefined {
  try {
    const raw = JSON.parse(line) as { Type?: string; Action?: string; status?: string; id?: string; Actor?: { ID?: string } };
    const action = (raw.Action ?? raw.status ?? '') as ContainerAction;
    const id = raw.Actor?.ID ?? raw.id;
    if (raw.Type !== undefined && raw.Type !== 'container') return undefined;
    return followed.includes(action) && id ? { action, id } : undefined;
  } catch {
    return undefined;
  }
}

function hasLabel(labels: Record<string, string>, requirement: string | undefined): boolean {
  if (!requirement) return true;
  const [key = '', ...rest] = requirement.split('=');
  return rest.length === 0 ? key in labels : labels[key] === rest.join('=');
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

/** `docker info`; dockerode takes an abortSignal here as for every call (lib/docker.js), which @types/dockerode leaves out. */
function engineInfo(docker: Docker, abortSignal: AbortSignal): Promise<EngineInfoLike> {
  const info = docker.info.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<EngineInfoLike>;
  return info({ abortSignal });
}
