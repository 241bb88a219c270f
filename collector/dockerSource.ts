import Docker from 'dockerode';
import { anySignal } from '../common/anySignal.js';
import { FailureSpell } from '../common/failureSpell.js';
import { backoffDelayMs } from '../common/influx/backoff.js';
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
  /**
   * The network whose address /metrics is scraped at (`--network`); a container not on it is not
   * scraped over another. Undefined: the first network with an address.
   */
  readonly network: string | undefined;
  /** An extra `key=value` label a container must carry too (one collector per project or stack). */
  readonly requireLabel?: string | undefined;
  readonly logger: Logger;
  /** How long one answer may take; DOCKER_REQUEST_TIMEOUT_MS unless given (tests shorten it). */
  readonly requestTimeoutMs?: number;
  /** The event stream's reconnection backoff: from `minMs` doubling to `maxMs` (EVENT_STREAM_BACKOFF unless given). */
  readonly eventStreamBackoff?: { readonly minMs: number; readonly maxMs: number };
}

/**
 * How soon a failed event stream is asked for again: 1 s doubling to 30 s, with jitter (the
 * backoff of the collector's writes to InfluxDB, common/influx/backoff.ts). At a fixed second, a
 * collector without its socket logged a warning every second for as long as it ran.
 */
export const EVENT_STREAM_BACKOFF = { minMs: 1_000, maxMs: 30_000 } as const;

/**
 * The deadline of one request to dockerd (a listing, an inspect, `docker info`, a stats answer).
 * Without one, a dockerd that accepted a request and never answered held the collector's start,
 * each re-listing (a new one every COLLECTOR_RESYNC_MS, piling up), and, through the stats
 * fallback, every collection pass, all containers', with it. Docker takes a second or two to give
 * a stats answer (it waits for its own next sample: 1.0–2.0 s measured on Docker 20.10, also with
 * `one-shot`), so the deadline leaves room for that. The event stream's request has it too, up to
 * dockerd's answer (its headers): asked of a dockerd that never answered, the stream waited for
 * good and never reconnected. The stream itself has none: it is meant to be silent for as long as
 * nothing happens, and reconnects when it fails.
 */
export const DOCKER_REQUEST_TIMEOUT_MS = 5_000;

interface InspectLike {
  Id: string;
  Name: string;
  State: { Running: boolean; Pid: number };
  Config: { Labels: Record<string, string> | null };
  HostConfig: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number };
  NetworkSettings: { IPAddress?: string | undefined; Networks?: Record<string, { IPAddress?: string | undefined }> | undefined };
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

  /**
   * Follows the event stream, and asks for it again when it fails or ends, with backoff. A failing
   * stream is reported as the writer reports InfluxDB away: one warning when it starts failing
   * (naming the socket and how to set it), debug lines while it fails for the same reason, a
   * warning when the reason changes, and one line when it is back.
   */
  watch(onEvent: (event: ContainerEvent) => void): () => void {
    const { logger } = this.options;
    const backoff = this.options.eventStreamBackoff ?? EVENT_STREAM_BACKOFF;
    const socket = this.socket();
    let stopped = false;
    const stopping = new AbortController();
    let stream: NodeJS.ReadableStream | undefined;
    let wake: (() => void) | undefined;
    let attempt = 0;
    const failing = new FailureSpell();
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    const connect = async () => {
      while (!stopped) {
        let reason: string | undefined;
        try {
          stream = await this.withinDeadline('the event stream', (abortSignal) =>
            this.options.docker.getEvents({
              filters: { type: ['container'], event: [...followed], label: this.labelFilters() },
              abortSignal: anySignal([abortSignal, stopping.signal]),
            }) as Promise<NodeJS.ReadableStream>,
          );
          if (stopped) return destroy(stream);
          attempt = 0;
          const outageMs = failing.ended();
          if (outageMs !== undefined) logger.info({ socket, outageSeconds: outageMs / 1000 }, 'docker event stream back: following container events again');
          else logger.debug('following docker events');
          await consumeEvents(stream, onEvent);
          // dockerd closed it (a restart): asked for again at once; a failure to get it is reported then.
          if (!stopped) logger.debug('docker event stream ended; reconnecting');
        } catch (error) {
          reason = error instanceof Error ? error.message : String(error);
        }
        if (stopped) return;
        attempt += 1;
        const retryInMs = backoffDelayMs(attempt, backoff.minMs, backoff.maxMs);
        if (reason !== undefined) {
          const previousError = failing.reason;
          const spell = failing.failed(reason);
          if (spell === 'started') logger.warn({ socket, error: reason, retryInMs }, `docker event stream failed on the Docker socket ${socket} (set by --docker-socket or DOCKER_SOCKET): reconnecting with backoff`);
          else if (spell === 'changed') logger.warn({ socket, error: reason, previousError, attempt, retryInMs }, 'docker event stream still failing, for another reason');
          else logger.debug({ error: reason, attempt, retryInMs }, 'docker event stream still failing');
        }
        await pause(retryInMs);
      }
    };
    void connect();
    return () => {
      stopped = true;
      stopping.abort();
      wake?.();
      if (stream) destroy(stream);
    };
  }

  /** The Docker socket, as the failures name it. */
  private socket(): string {
    return (this.options.docker.modem as { socketPath?: string }).socketPath ?? 'unknown';
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

  /**
   * Runs one request to dockerd under its deadline (DOCKER_REQUEST_TIMEOUT_MS); one that passes it
   * fails, naming `what`. The deadline ends with the answer: a stream (the events) lives on once
   * its headers have come.
   */
  private async withinDeadline<T>(what: string, request: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const deadlineMs = this.options.requestTimeoutMs ?? DOCKER_REQUEST_TIMEOUT_MS;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    try {
      return await request(deadline.signal);
    } catch (error) {
      throw error instanceof Error && error.name === 'AbortError' && deadline.signal.aborted ? new Error(`Docker did not answer ${what} within ${deadlineMs} ms`) : error;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function targetFromInspect(info: InspectLike, preferredNetwork: string | undefined): Target | undefined {
  const labels = parseTargetLabels(info.Config.Labels ?? {});
  if (!labels || !info.State.Running) return undefined;
  const { NanoCpus, CpuQuota, CpuPeriod } = info.HostConfig;
  const address = scrapeAddress(info.NetworkSettings, preferredNetwork);
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    pid: info.State.Pid,
    ...address,
    labels,
    cpuLimitCores: NanoCpus ? NanoCpus / 1e9 : CpuQuota && CpuQuota > 0 ? CpuQuota / (CpuPeriod || 100_000) : undefined,
  };
}

/**
 * Where /metrics is reached: the address on the network asked for (`--network`), else, when none
 * is asked for, the first network's with an address. A container not on the network asked for
 * has no address to scrape: scraped over another network, it answered (`scrape_up=1`) as if the
 * flag had been heeded, when the network the flag names is the one the operator knows is routed.
 */
export function scrapeAddress(settings: InspectLike['NetworkSettings'], network: string | undefined): Pick<Target, 'ip' | 'unreachable'> {
  const networks = settings.Networks ?? {};
  const names = Object.keys(networks);
  if (network !== undefined) {
    const ip = networks[network]?.IPAddress || undefined;
    return ip ? { ip } : { ip: undefined, unreachable: { network, networks: names } };
  }
  const ip = Object.values(networks).map((entry) => entry.IPAddress).find((address) => address) || settings.IPAddress || undefined;
  return ip ? { ip } : { ip: undefined, unreachable: { network: undefined, networks: names } };
}

/** Docker sends one JSON object per line; a chunk may end mid-line. */
/** Ends an event stream (dockerode gives the modem's response, a Node stream, behind a wider type). */
function destroy(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy?: () => void }).destroy?.();
}

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
