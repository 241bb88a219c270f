import Docker from 'dockerode';
import { anySignal } from '../common/anySignal.js';
import { FailureSpell } from '../common/failureSpell.js';
import { backoffDelayMs } from '../common/influx/backoff.js';
import type { Logger } from '../common/logger.js';
import { namedSandboxId, PodContainerType, PodLabel, type PodMember, podRole } from './criDockerd.js';
import type { DockerStatsAnswer } from './dockerStatsReadings.js';
import { type InspectedContainer, podContainersToInspect, podMember, takesItsPodsLabels, targetsFromInspected } from './dockerTargets.js';
import { Label } from './labels.js';
import { netnsAddress } from './netnsAddress.js';
import type { Target } from './target.js';

export { scrapeAddress, targetFromInspect } from './dockerTargets.js';

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
  /** Follows the events of labelled containers and of Kubernetes pods' containers until the returned function is called. */
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
  /** An extra `key=value` label a container must carry too (one collector per project or stack); a pod's container, its pod. */
  readonly requireLabel?: string | undefined;
  /**
   * Where the host's /proc is (COLLECTOR_PROC_ROOT): a Kubernetes pod's address is read from its
   * sandbox's network namespace there when Docker does not know it (a CNI pod: criDockerd.ts).
   * Undefined: such a pod has no address, and its /metrics is not scraped.
   */
  readonly procRoot?: string | undefined;
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

  /**
   * The running containers that are targets: those carrying `scalewright.service`, and the
   * containers of Kubernetes pods whose sandbox carries it (the kubelet's containers, listed by
   * their `io.kubernetes.docker.type`: the listing's labels say which to inspect).
   */
  async listRunning(): Promise<Target[]> {
    const labelled = await this.listing('the container listing', [Label.service, ...(this.options.requireLabel ? [this.options.requireLabel] : [])]);
    const kubelets = await this.listing('the listing of Kubernetes pods\' containers', [PodLabel.type]);
    const ids = new Set([...labelled.map((summary) => summary.Id), ...podContainersToInspect(kubelets.map(summaryMember))]);
    const inspected = (await Promise.all([...ids].map((id) => this.inspectContainer(id)))).filter((info): info is InspectedContainer => info !== undefined);
    return targetsFromInspected(inspected, { network: this.options.network, requireLabel: this.options.requireLabel, podAddresses: await this.podAddresses(inspected) });
  }

  private listing(what: string, label: string[]): Promise<Docker.ContainerInfo[]> {
    return this.withinDeadline(what, (abortSignal) => this.options.docker.listContainers({ filters: { label, status: ['running'] }, abortSignal }));
  }

  /** The container as a target; a Kubernetes pod's container is inspected with its pod's sandbox. */
  async inspect(id: string): Promise<Target | undefined> {
    const info = await this.inspectContainer(id);
    if (!info) return undefined;
    const members = [info];
    if (takesItsPodsLabels(info.Config.Labels ?? {})) {
      const sandbox = await this.sandboxOf(info);
      if (!sandbox) return undefined;
      members.push(sandbox);
    }
    const podAddresses = await this.podAddresses(members);
    return targetsFromInspected(members, { network: this.options.network, requireLabel: this.options.requireLabel, podAddresses }).find((target) => target.id === info.Id);
  }

  private async inspectContainer(id: string): Promise<InspectedContainer | undefined> {
    try {
      return (await this.withinDeadline(`the inspect of container ${id.slice(0, 12)}`, (abortSignal) => this.options.docker.getContainer(id).inspect({ abortSignal }))) as unknown as InspectedContainer;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A pod's sandbox: the one its container names, else the running sandbox of the same pod. */
  private async sandboxOf(container: InspectedContainer): Promise<InspectedContainer | undefined> {
    const named = namedSandboxId(podMember(container));
    if (named) return this.inspectContainer(named);
    const uid = container.Config.Labels?.[PodLabel.podUid];
    if (!uid) return undefined;
    const [sandbox] = await this.listing(`the listing of the sandbox of pod ${uid}`, [`${PodLabel.type}=${PodContainerType.sandbox}`, `${PodLabel.podUid}=${uid}`]);
    return sandbox ? this.inspectContainer(sandbox.Id) : undefined;
  }

  /** The addresses of the pods among `inspected` that Docker gave no network (a CNI made theirs), by sandbox id. */
  private async podAddresses(inspected: readonly InspectedContainer[]): Promise<Map<string, string>> {
    const { procRoot, logger } = this.options;
    const addresses = new Map<string, string>();
    if (procRoot === undefined) return addresses;
    const sandboxes = inspected.filter((info) => podRole(info.Config.Labels ?? {}) === 'sandbox' && info.HostConfig.NetworkMode === 'none' && info.State.Running);
    await Promise.all(
      sandboxes.map(async (sandbox) => {
        const ip = await netnsAddress(procRoot, sandbox.State.Pid);
        if (ip) addresses.set(sandbox.Id, ip);
        else logger.debug({ sandbox: sandbox.Id.slice(0, 12), file: `${procRoot}/${sandbox.State.Pid}/net/fib_trie` }, 'no address found in the network namespace of a pod\'s sandbox');
      }),
    );
    return addresses;
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
            // No label filter: Docker ANDs the labels it is given, and the events of a Kubernetes
            // pod's containers carry only theirs, not their pod's: they are told apart here.
            this.options.docker.getEvents({
              filters: { type: ['container'], event: [...followed] },
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

/** Ends an event stream (dockerode gives the modem's response, a Node stream, behind a wider type). */
function destroy(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy?: () => void }).destroy?.();
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

/**
 * A followed event of a container the collector may watch. The stream is not filtered by label
 * (see watch), so the event's own labels (its Actor's attributes) are looked at: a container
 * carrying `scalewright.service`, or a Kubernetes pod's container, whose labels never say its
 * pod's (the inspect asks its sandbox). An event that gives no attributes is kept: the inspect decides.
 */
export function parseEvent(line: string): ContainerEvent | undefined {
  try {
    const raw = JSON.parse(line) as { Type?: string; Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    const action = (raw.Action ?? raw.status ?? '') as ContainerAction;
    const id = raw.Actor?.ID ?? raw.id;
    if (raw.Type !== undefined && raw.Type !== 'container') return undefined;
    const attributes = raw.Actor?.Attributes;
    if (attributes && !(Label.service in attributes) && podRole(attributes) !== 'container') return undefined;
    return followed.includes(action) && id ? { action, id } : undefined;
  } catch {
    return undefined;
  }
}

function summaryMember(summary: Docker.ContainerInfo): PodMember {
  return { id: summary.Id, labels: summary.Labels ?? {}, networkMode: summary.HostConfig?.NetworkMode };
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

/** `docker info`; dockerode takes an abortSignal here as for every call (lib/docker.js), which @types/dockerode leaves out. */
function engineInfo(docker: Docker, abortSignal: AbortSignal): Promise<EngineInfoLike> {
  const info = docker.info.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<EngineInfoLike>;
  return info({ abortSignal });
}
