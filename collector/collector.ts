import { FailureSpell } from '../common/failureSpell.js';
import { Point } from '@influxdata/influxdb-client';
import type { Logger } from '../common/logger.js';
import { Measurement, ContainerStatsField } from '../common/influx/schema.js';
import { addIntegerField } from '../common/influx/numericFields.js';
import { storableTagValue } from '../common/influx/tagValues.js';
import type { CgroupLocation } from './cgroupPaths.js';
import type { CgroupFileReader } from './cgroupReader.js';
import type { CgroupReadings, CgroupSample } from './cgroupSample.js';
import { type ContainerStats, deriveContainerStats } from './containerStats.js';
import type { ContainerEvent, ContainerSource } from './dockerSource.js';
import { readingsFromDockerStats } from './dockerStatsReadings.js';
import { containerRequestsPoint, containerStatsPoint, containerTags, serviceStatsPoint } from './points.js';
import { parsePromSamples } from './prometheusSamples.js';
import { type RequestMetricNames, type RequestStats, requestStats, sampleNamesUsed, type ScrapeSnapshot, snapshotFromSamples } from './requestMetrics.js';
import type { MetricsScraper } from './scraper.js';
import type { SelfMetrics } from './selfMetrics.js';
import { type ContainerObservation, summariseServices } from './serviceStats.js';
import type { Target } from './target.js';

/** Where points go (the InfluxWriter; anything with `write` in tests). */
export interface PointSink {
  write(points: readonly Point[]): void;
}

export interface CollectorOptions {
  readonly source: ContainerSource;
  readonly cgroups: CgroupFileReader;
  readonly scraper: MetricsScraper;
  readonly sink: PointSink;
  readonly metrics: SelfMetrics;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Full re-listing of containers, in case an event was missed while the stream reconnected. */
  readonly resyncMs: number;
  readonly metricNames: RequestMetricNames;
  /** Use the Docker stats API when a container's cgroup files cannot be seen. */
  readonly dockerStatsFallback: boolean;
}

interface TargetState {
  target: Target;
  location: CgroupLocation | undefined;
  previousCgroup: CgroupSample | undefined;
  previousScrape: ScrapeSnapshot | undefined;
  oomKillsSeenByDocker: number;
  lastStats: ContainerStats | undefined;
}

export interface TickResult {
  readonly targets: number;
  readonly points: number;
}

/**
 * The loop: keeps the set of watched containers in step with Docker (events plus a periodic
 * re-listing), and every interval reads each one's cgroup, scrapes its /metrics, derives the
 * signals and hands points to the sink. A failing container never stops the others.
 */
export class Collector {
  private readonly targets = new Map<string, TargetState>();
  private readonly pending = new Map<string, Promise<void>>();
  /** Containers not watched because a label cannot be stored (warned about once). */
  private readonly refused = new Set<string>();
  private stopWatching: (() => void) | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** The re-listing failing, said once per reason. */
  private readonly listing = new FailureSpell();
  private host = 'unknown';
  private running = false;
  private readonly sampleNames: ReadonlySet<string>;

  constructor(private readonly options: CollectorOptions) {
    this.sampleNames = sampleNamesUsed(options.metricNames);
  }

  async start(): Promise<void> {
    this.running = true;
    this.host = await this.options.source.hostName().catch(() => 'unknown');
    this.stopWatching = this.options.source.watch((event) => void this.onEvent(event));
    await this.resync();
    this.resyncTimer = setInterval(() => void this.resync(), this.options.resyncMs);
    this.scheduleTick();
    this.options.logger.info({ targets: this.targets.size, intervalMs: this.options.intervalMs, host: this.host }, 'collector started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopWatching?.();
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    while (this.ticking) await new Promise((resolve) => setTimeout(resolve, 10));
    this.options.cgroups.close();
  }

  watchedIds(): string[] {
    return [...this.targets.keys()];
  }

  /** Brings the watched set in line with Docker's running, labelled containers. */
  async resync(): Promise<void> {
    try {
      // Only targets known before listing may be dropped: one added by a `start` event while
      // the list was on its way is not in it, and is very much alive.
      const knownBefore = new Set(this.targets.keys());
      const running = await this.options.source.listRunning();
      const ids = new Set(running.map((target) => target.id));
      for (const target of running) {
        const state = this.targets.get(target.id);
        if (state) this.followAddress(state, target);
        else await this.add(target);
      }
      for (const [id, state] of [...this.targets]) if (!ids.has(id) && knownBefore.has(id)) this.remove(id, state);
      this.options.metrics.targets.set(this.targets.size);
      if (this.listing.ended() !== undefined) this.options.logger.info({ targets: this.targets.size }, 'listing containers works again');
    } catch (error) {
      // Said once while it fails for one reason (every COLLECTOR_RESYNC_MS otherwise), as the event stream's failures are.
      const reason = message(error);
      if (this.listing.failed(reason) === 'same') this.options.logger.debug({ error: reason }, 'listing containers still failing');
      else this.options.logger.warn({ error: reason }, 'listing containers failed; keeping the current targets');
    }
  }

  /** One collection pass over every target; the loop calls it each interval (tests call it too). */
  async collectOnce(now: Date = new Date()): Promise<TickResult> {
    const stopTimer = this.options.metrics.tickDuration.startTimer();
    await Promise.all([...this.pending.values()].map((adding) => adding.catch(() => undefined)));
    const states = [...this.targets.values()];
    // One deadline for the pass's scrapes, made only when one is scraped.
    let deadline: AbortSignal | undefined;
    const scrapeDeadline = () => (deadline ??= this.options.scraper.passDeadline());
    const results = await Promise.all(states.map((state) => this.collectTarget(state, now, scrapeDeadline)));
    const points = results.flatMap((result) => result.points);
    for (const service of summariseServices(results.map((result) => result.observation))) points.push(serviceStatsPoint(service, this.host, now));
    this.options.sink.write(points);
    stopTimer();
    return { targets: states.length, points: points.length };
  }

  private scheduleTick(): void {
    if (!this.running) return;
    const interval = this.options.intervalMs;
    // Aligned to wall-clock multiples of the interval, so points of all containers share timestamps.
    const delay = interval - (Date.now() % interval);
    this.tickTimer = setTimeout(() => {
      this.scheduleTick();
      if (this.ticking) {
        this.options.metrics.ticksSkipped.inc();
        return;
      }
      this.ticking = true;
      const now = new Date(Math.round(Date.now() / interval) * interval);
      this.collectOnce(now)
        .catch((error: unknown) => this.options.logger.error({ error: message(error) }, 'collection pass failed'))
        .finally(() => {
          this.ticking = false;
        });
    }, delay);
  }

  private async onEvent(event: ContainerEvent): Promise<void> {
    // A container that dies while it is being added must still be seen to go.
    await this.pending.get(event.id)?.catch(() => undefined);
    const state = this.targets.get(event.id);
    switch (event.action) {
      case 'start': {
        const target = await this.options.source.inspect(event.id).catch(() => undefined);
        if (target && !this.targets.has(target.id)) {
          await this.add(target);
          if (this.targets.has(target.id)) this.options.logger.info({ container: target.name, service: target.labels.service }, 'container started: now watched');
        }
        break;
      }
      case 'oom':
        if (state) state.oomKillsSeenByDocker += 1;
        this.options.logger.warn({ container: state?.target.name ?? event.id.slice(0, 12) }, 'container hit its memory limit: OOM kill');
        break;
      case 'die':
      case 'stop':
      case 'destroy':
        // A refused container is warned about once in its life; once gone its id is not kept.
        if (event.action === 'destroy') this.refused.delete(event.id);
        if (state) {
          this.remove(event.id, state);
          this.writeFinalPoint(state);
          this.options.logger.info({ container: state.target.name, service: state.target.labels.service, action: event.action }, 'container gone: no longer watched');
        }
        break;
    }
  }

  private remove(id: string, state: TargetState): void {
    this.targets.delete(id);
    this.options.cgroups.forget(state.location);
    this.options.metrics.targets.set(this.targets.size);
  }

  /** A container that died keeps its last OOM count on record (a kill of its main process ends it). */
  private writeFinalPoint(state: TargetState): void {
    // Never read: 0, as before any reading. Read garbled (memory.events): unknown, and then only
    // Docker's count can be told, worth a point only when it saw the kill that ended the container.
    const counted = state.lastStats ? state.lastStats.oomKillsTotal : 0;
    const seen = state.oomKillsSeenByDocker;
    const oomKills = counted === undefined ? (seen > 0 ? seen : undefined) : Math.max(counted, seen);
    if (oomKills === undefined) return;
    const point = new Point(Measurement.containerStats).timestamp(new Date());
    for (const [key, value] of Object.entries(containerTags(state.target, this.host))) if (value) point.tag(key, value);
    addIntegerField(point, ContainerStatsField.oomKillsTotal, oomKills);
    this.options.sink.write([point]);
    if (oomKills > (counted ?? 0)) this.options.logger.warn({ container: state.target.name, oomKills }, 'container ended by an OOM kill');
  }

  /** Starts watching: finds the cgroup and takes a first reading, so the very next interval has a rate. */
  private add(target: Target): Promise<void> {
    const existing = this.pending.get(target.id);
    if (existing) return existing;
    // A label InfluxDB cannot store as written (a line end, a tab, a trailing backslash) would be
    // written as another series, or refused with the rest of its batch (a NUL could not be asked
    // for): refused here, once, in words.
    const unstorable = Object.entries(containerTags(target, this.host)).find(([, value]) => !storableTagValue(value));
    if (unstorable) {
      if (!this.refused.has(target.id)) this.options.logger.warn({ container: target.name, tag: unstorable[0], value: unstorable[1] }, `container not watched: its ${unstorable[0]} cannot be stored in InfluxDB as written (no line ends, tabs, NUL or trailing backslash)`);
      this.refused.add(target.id);
      return Promise.resolve();
    }
    const adding = (async () => {
      const location = await this.options.cgroups.locate(target.pid, target.id);
      const state: TargetState = { target, location, previousCgroup: undefined, previousScrape: undefined, oomKillsSeenByDocker: 0, lastStats: undefined };
      // `containerPid`: `pid` is the collector's own, in every line (the logger's base).
      if (!location) {
        const fallback = this.options.dockerStatsFallback ? 'using the Docker stats API (slow)' : 'no CPU or memory readings (COLLECTOR_DOCKER_STATS_FALLBACK=false)';
        this.options.logger.warn({ container: target.name, containerPid: target.pid }, `cgroup files not visible for container; ${fallback}`);
      }
      this.warnIfUnreachable(target);
      state.previousCgroup = await this.readCgroup(state);
      this.targets.set(target.id, state);
      this.options.metrics.targets.set(this.targets.size);
    })().finally(() => this.pending.delete(target.id));
    this.pending.set(target.id, adding);
    return adding;
  }

  /** A container whose /metrics has no address to be reached at, said once when it is watched. */
  private warnIfUnreachable(target: Target): void {
    if (!target.labels.metrics || target.ip) return;
    const { network, networks = [] } = target.unreachable ?? {};
    const on = networks.length > 0 ? networks.join(', ') : 'none';
    if (network !== undefined) this.options.logger.warn({ container: target.name, network, networks }, `container not on network ${network} (--network, COLLECTOR_NETWORK), only on ${on}: its /metrics is not scraped (scrape_up=0) until it is connected to it`);
    else this.options.logger.warn({ container: target.name, networks }, `container has an address on no network (networks: ${on}): its /metrics is not scraped (scrape_up=0)`);
  }

  /**
   * A watched container connected to a network or disconnected from one while it runs (Docker
   * sends no container event for that): its address as the re-listing finds it.
   */
  private followAddress(state: TargetState, listed: Target): void {
    const before = state.target;
    if (listed.ip === before.ip) return;
    state.target = { ...before, ip: listed.ip, unreachable: listed.unreachable };
    if (!before.labels.metrics) return;
    if (listed.ip === undefined) this.warnIfUnreachable(state.target);
    else if (before.ip === undefined) this.options.logger.info({ container: before.name, ip: listed.ip }, 'container now reachable: its /metrics is scraped');
  }

  private async collectTarget(state: TargetState, now: Date, scrapeDeadline: () => AbortSignal): Promise<{ points: Point[]; observation: ContainerObservation }> {
    const tags = containerTags(state.target, this.host);
    const points: Point[] = [];
    const [sample, requests] = await Promise.all([this.readCgroup(state), this.scrape(state, tags, now, points, scrapeDeadline)]);
    let stats: ContainerStats | undefined;
    if (sample) {
      stats = deriveContainerStats(state.previousCgroup, sample, state.oomKillsSeenByDocker);
      state.previousCgroup = sample;
      state.lastStats = stats;
      points.push(containerStatsPoint(tags, stats, sample.source !== 'docker-stats', now));
    } else {
      this.options.metrics.cgroupErrors.inc();
    }
    return { points, observation: { service: state.target.labels.service, stats, requests } };
  }

  private async readCgroup(state: TargetState): Promise<CgroupSample | undefined> {
    let readings: CgroupReadings | undefined;
    try {
      if (state.location) readings = await this.options.cgroups.read(state.location);
      if (!state.location && this.options.dockerStatsFallback) {
        this.options.metrics.statsFallbacks.inc();
        // Without the host's memory the answer is still read (see dockerMemoryLimit).
        const [answer, hostMemoryBytes] = await Promise.all([this.options.source.stats(state.target.id), this.options.source.hostMemoryBytes().catch(() => undefined)]);
        readings = readingsFromDockerStats(answer, state.target.cpuLimitCores, hostMemoryBytes);
      }
    } catch (error) {
      this.options.logger.debug({ container: state.target.name, error: message(error) }, 'reading container resources failed');
    }
    return readings ? { ...readings, monotonicSeconds: performance.now() / 1000 } : undefined;
  }

  private async scrape(state: TargetState, tags: Record<string, string>, now: Date, points: Point[], deadline: () => AbortSignal): Promise<RequestStats | undefined> {
    const metrics = state.target.labels.metrics;
    if (!metrics) return undefined;
    const ip = state.target.ip;
    const started = performance.now();
    let stats: RequestStats | undefined;
    try {
      // Without an address (not on the network asked for): down, like a replica that does not answer.
      if (ip === undefined) throw new Error(state.target.unreachable?.network !== undefined ? `not on network ${state.target.unreachable.network}` : 'no address on any network');
      const text = await this.options.scraper.scrape(ip, metrics.port, metrics.path, deadline());
      const snapshot = snapshotFromSamples(parsePromSamples(text, this.sampleNames), this.options.metricNames, performance.now() / 1000, Date.now() / 1000);
      stats = requestStats(state.previousScrape, snapshot);
      state.previousScrape = snapshot;
    } catch (error) {
      this.options.metrics.scrapeErrors.inc();
      this.options.logger.debug({ container: state.target.name, error: message(error) }, 'scrape failed');
    }
    const seconds = (performance.now() - started) / 1000;
    this.options.metrics.scrapeDuration.observe(seconds);
    points.push(containerRequestsPoint(tags, stats, seconds, now));
    return stats;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
