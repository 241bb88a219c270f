import type { Point } from '@influxdata/influxdb-client';
import pLimit, { type LimitFunction } from 'p-limit';
import { storableTagValue } from '../../common/influx/tagValues.js';
import type { Logger } from '../../common/logger.js';
import type { Actuator, ServiceState } from '../actuators/actuator.js';
import { ActuatorLabel } from '../actuators/labels.js';
import type { Decision } from '../decision.js';
import { PolicyConfigError, type PolicyConfig, type PolicyConfigInput } from '../config/policyConfig.js';
import type { Lease } from '../lease/redisLease.js';
import { readsContainerCpu, evaluate, initialPolicyMemory, type Evaluation, type Plan, type PolicyMemory, type WindowOrProblem } from './evaluate.js';
import type { ScalerMetrics } from './metrics.js';
import { policyConfigFor } from './policyLabels.js';
import type { PredecessorRecordsOrProblem } from './influxWindow.js';
import { resumedLatencyCorrection } from '../policies/latencyCorrection.js';
import { actionTag, decisionPoint, signalPoint, type Outcome } from './records.js';
import { bridgePass, bridgeWindowSeconds } from './bridgePass.js';

/**
 * The live loop, level-triggered like a Kubernetes controller: every tick, for every managed
 * service, it reads the actual state from the platform (never from its own memory of what it
 * did), reads the recent window from InfluxDB, decides, and sets the level the decision asks for.
 * A restart, a replica that died or a change made by hand is therefore seen on the next tick and
 * answered from the facts, not replayed. At most one action per service is in flight; only the
 * lease holder acts; in dry-run nothing is applied and every would-be action is logged with its
 * reason.
 */
export interface ScalerLoopOptions {
  readonly actuator: Actuator;
  /** The recent window of one service (an adapter over InfluxDB). */
  /** `containerCpu`: also read each container's CPU (the HPA rule's per-replica CPU, the CPU-driven adaptive policy's demand). */
  /** `signal` aborts when the loop stops: the read should end at once (its answer is not used then). */
  readonly readWindow: (service: string, windowSeconds: number, options?: { containerCpu: boolean; signal?: AbortSignal }) => Promise<WindowOrProblem>;
  /**
   * What a predecessor recorded of a service (cooldowns, bridge base, latency correction), to
   * resume from after a restart or a takeover, or why it could not be read; `signal` as for `readWindow`.
   */
  readonly readPredecessorRecords?: (service: string, signal?: AbortSignal) => Promise<PredecessorRecordsOrProblem>;
  /** Where records go (the buffered InfluxDB writer); never throws. */
  readonly write: (points: Point[]) => void;
  readonly lease: Lease;
  readonly logger: Logger;
  readonly metrics: ScalerMetrics;
  /** The operator's policy (file); container labels override it per service. */
  readonly fileConfig?: PolicyConfigInput;
  readonly dryRun: boolean;
  readonly staleAfterMs: number;
  /** Only these services (all managed ones when empty). */
  readonly services?: readonly string[];
  /**
   * The platform changes CPU limits of running replicas at once, so the adaptive policy's start-up
   * bridge is applied. Default: true for Docker (`docker update`), false for Swarm (it replaces
   * tasks) and Kubernetes (in-place resize only from 1.33; otherwise a rolling update).
   */
  readonly liveCpuLimits?: boolean;
  /**
   * How many services a tick or a bridge pass reads and decides at once (default 8): each waits on
   * the platform and on InfluxDB, so one after another a pass over many services would outlast
   * the second a bridge pass has. Actions are started, not awaited, either way.
   */
  readonly parallelServices?: number;
  readonly now?: () => number;
}

/** Services read and decided at once when `parallelServices` is not given. */
export const DEFAULT_PARALLEL_SERVICES = 8;

export interface TickReport {
  readonly service: string;
  readonly evaluation?: Evaluation;
  /** A bridge pass's change of the CPU limit (between evaluations). */
  readonly bridge?: Decision;
  /** `stopped`: the loop was stopped while this service was read; nothing was decided. */
  /** `not_managed`: named with `--service`, but the platform has no managed service of that name; nothing decided or recorded. */
  readonly outcome: Outcome | 'hold' | 'busy' | 'config_error' | 'observe_failed' | 'stopped' | 'not_managed';
  /**
   * Why the service could not be evaluated (`observe_failed`, `influx_unreachable`, `failed`,
   * `config_error`: the policy's own complaint), or
   * why the lease could not be confirmed before acting (`no_lease`, Redis not answering): the
   * dependency's own one line.
   */
  readonly error?: string;
}

export class ScalerLoop {
  private readonly memory = new Map<string, PolicyMemory>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Services whose action in flight has only replicas left to change (its CPU step, if any, done):
   * a scale-out waits until its new replicas are healthy (the start-up, 30 s or more), and the
   * bridge must go on following the load meanwhile, as it does in the simulator.
   */
  private readonly onlyReplicasInFlight = new Set<string>();
  /** A bridge pass's own CPU update, kept apart from the evaluation's action it may overlap. */
  private readonly bridgeInFlight = new Map<string, Promise<void>>();
  private readonly lastProblem = new Map<string, string>();
  /** Why each service's policy is invalid, as last logged: said again only when it changes. */
  private readonly lastConfigError = new Map<string, string>();
  /**
   * How each service's last evaluation action ended when it failed (its error's one line); none
   * while it is in flight or when it was applied. An evaluation reports `applied` when it starts
   * its action (the work goes on in the background): `--once` reads this after `settle`.
   */
  private readonly failedActions = new Map<string, string>();
  /** `--dry-run`: the last bridge change recorded per service, so that the same one proposed every second is recorded once. */
  private readonly lastDryRunBridge = new Map<string, string>();
  /** Services named with `--service` already warned about as not on the platform (the warning is said once, and again if one comes and goes). */
  private readonly warnedUnknown = new Set<string>();
  /** Of the named services, those the platform did not list at this tick's start. */
  private notManaged: ReadonlySet<string> = new Set();
  /** What the platform listed at this tick's start. */
  private managedAtTick: readonly string[] = [];
  /** Service names already warned about as not askable in InfluxDB (`askableInInflux`). */
  private readonly unaskable = new Set<string>();
  /** Services whose start-up bridge is re-sized between evaluations, with their policy (from the last full tick that could read their window). */
  private readonly bridged = new Map<string, PolicyConfig>();
  private readonly lastBridgeAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /**
   * Aborted by `stop`: the InfluxDB reads of the tick in flight end at once (against a silent
   * InfluxDB they would hold the stop for their timeout), nothing is decided from them, and no
   * action is started after it. Actions already in flight are not touched.
   */
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  /** Shared by ticks and bridge passes (which never overlap): at most this many services at once. */
  private readonly limit: LimitFunction;
  /**
   * Why the last full tick evaluated no service at all: this instance did not hold the lease, or
   * the platform could not list the managed services. Undefined when it got as far as the services
   * (`--once` exits 1 on either).
   */
  lastTickSkipped: 'no_lease' | 'platform_unreachable' | undefined;
  /** With `platform_unreachable`: why the platform could not list the services. */
  lastTickProblem: string | undefined;
  /**
   * Services named with `services` (`--service`) that the platform, at the last full tick, had no
   * managed object for (a typo, or not deployed yet): not evaluated and nothing recorded for them.
   * `managed` is what the platform listed.
   */
  lastTickUnknown: { readonly services: readonly string[]; readonly managed: readonly string[] } | undefined;

  constructor(private readonly options: ScalerLoopOptions) {
    this.now = options.now ?? Date.now;
    this.limit = pLimit(options.parallelServices ?? DEFAULT_PARALLEL_SERVICES);
  }

  /**
   * One pass over every service, up to `parallelServices` at once; the reports come in the
   * services' order. Actions are started, not awaited (see `settle`).
   */
  async tick(): Promise<TickReport[]> {
    const { lease, metrics, logger } = this.options;
    const held = lease.isHeld();
    metrics.leaseHeld.set(held ? 1 : 0);
    this.lastTickSkipped = held ? undefined : 'no_lease';
    this.lastTickProblem = undefined;
    this.lastTickUnknown = undefined;
    this.notManaged = new Set();
    if (!held) {
      logger.debug({ holder: lease.holderId }, 'not the lease holder: watching only');
      return [];
    }
    let managed: string[];
    try {
      // Listed even when the services are named: a name the platform has no managed object for
      // (a typo) was read as a service without data, "is the collector running?", and recorded.
      managed = await this.options.actuator.listServices();
    } catch (error) {
      logger.error({ error: String(error) }, `cannot list managed services from the platform: ${errorText(error)}`);
      this.lastTickSkipped = 'platform_unreachable';
      this.lastTickProblem = errorText(error);
      return [];
    }
    const listed = this.options.services?.length ? this.notingUnmanaged(this.options.services, managed) : managed;
    const services = listed.filter((service) => this.askableInInflux(service));
    for (const service of this.bridged.keys()) if (!services.includes(service)) this.stopBridging(service);
    const reports = await this.limit.map(services, (service) => this.isolated(service, 'evaluation', () => this.tickService(service, this.stopping.signal)));
    metrics.lastTick.set(this.now() / 1000);
    return reports;
  }

  /**
   * Notes which named services the platform does not manage, kept in `lastTickUnknown` for
   * `--once` to fail on. They stay in the pass's reports but are set aside before anything is
   * asked of the platform or InfluxDB for them (a typo was observed and read from InfluxDB every
   * tick, for nothing), with a warning once per name (it may be deployed later: the loop keeps
   * looking).
   */
  private notingUnmanaged(named: readonly string[], managed: readonly string[]): string[] {
    const onPlatform = new Set(managed);
    const unknown = named.filter((service) => !onPlatform.has(service));
    for (const service of named) if (onPlatform.has(service)) this.warnedUnknown.delete(service);
    this.notManaged = new Set(unknown);
    this.managedAtTick = [...managed];
    if (unknown.length > 0) this.lastTickUnknown = { services: unknown, managed: [...managed] };
    return [...named];
  }

  /** A named service the platform does not manage, set aside: a warning the first time (until it appears). */
  private setAsideNotManaged(service: string): TickReport {
    if (!this.warnedUnknown.has(service)) {
      this.warnedUnknown.add(service);
      this.options.logger.warn({ service, managed: this.managedAtTick }, unknownServicesText([service], this.managedAtTick));
    }
    return { service, outcome: 'not_managed' };
  }

  /** Why the last action started for `service` by an evaluation failed; undefined when it was applied, is still in flight, or none was started. */
  actionFailure(service: string): string | undefined {
    return this.failedActions.get(service);
  }

  /** Resolves when every action started so far has ended (for tests and shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size + this.bridgeInFlight.size > 0) await Promise.allSettled([...this.inFlight.values(), ...this.bridgeInFlight.values()]);
  }

  /**
   * A service whose name the collector cannot store (a line end, tab, NUL or trailing backslash)
   * never has data, and a CR or NUL cannot even be quoted in InfluxQL: its every read would fail
   * and be reported as InfluxDB unreachable. Left out, with one warning per name for the process.
   */
  private askableInInflux(service: string): boolean {
    if (storableTagValue(service)) return true;
    if (!this.unaskable.has(service)) {
      this.unaskable.add(service);
      this.options.logger.warn(
        { service, label: ActuatorLabel.service },
        `service not scaled: its name (label ${ActuatorLabel.service}) cannot be stored in InfluxDB or asked for there as written (no line ends, tabs, NUL or trailing backslash), so the collector keeps no data for it`,
      );
    }
    return false;
  }

  private stopBridging(service: string): void {
    this.bridged.delete(service);
    this.lastBridgeAt.delete(service);
    this.lastDryRunBridge.delete(service);
  }

  /** Whether bridge passes re-size this service between evaluations: its last evaluation read its window, and no pass since has failed to. */
  isBridging(service: string): boolean {
    return this.bridged.has(service);
  }

  /**
   * One bridge pass: each service with a live start-up bridge whose `bridgeSeconds` have passed
   * since its last evaluation or pass has its bridge re-sized on the newest seconds
   * (`bridgePass.ts`), unless a CPU change of its own is in flight (an evaluation's, or the last
   * pass's): a replica change in flight does not stop it. The platform's `setLimits` updates every
   * replica there is, the new ones included; one created from a copy taken just before the change
   * keeps the old limit until the next evaluation aligns it (`tidy`).
   */
  async bridgeTick(): Promise<TickReport[]> {
    if (!this.options.lease.isHeld()) return [];
    const due = [...this.bridged].filter(([service, config]) => {
      const since = this.now() - (this.lastBridgeAt.get(service) ?? -Infinity);
      // Timers fire a little late or early; a pass due within the slack is due now.
      return since >= config.bridgeSeconds * 1000 - BRIDGE_SLACK_MS && !this.cpuChangeInFlight(service);
    });
    return this.limit.map(due, ([service, config]) => this.isolated(service, 'bridge pass', () => this.bridgeService(service, config, this.stopping.signal)));
  }

  /**
   * Runs the loop: a full tick every `intervalMs` (measured from the end of the previous one) and,
   * while any service has a live bridge, bridge passes every second in between. One thing runs at
   * a time, so a pass never races an evaluation over a service's memory.
   */
  start(intervalMs: number): this {
    let nextFullAt = 0;
    const loop = async () => {
      if (this.stopping.signal.aborted) return;
      const full = Date.now() >= nextFullAt;
      this.running = (full ? this.tick() : this.bridgeTick()).catch((error: unknown) => this.options.logger.error({ error: String(error) }, full ? 'tick failed' : 'bridge pass failed'));
      await this.running;
      // Stopped meanwhile: no next tick (stop cleared a timer that was not set yet).
      if (this.stopping.signal.aborted) return;
      if (full) nextFullAt = Date.now() + intervalMs;
      const untilFull = Math.max(0, nextFullAt - Date.now());
      this.timer = setTimeout(() => void loop(), this.bridged.size > 0 ? Math.min(BRIDGE_TICK_MS, untilFull) : untilFull);
    };
    void loop();
    return this;
  }

  /**
   * Stops the loop promptly without leaving anything half-done: the tick in flight has its
   * InfluxDB reads cut short and decides nothing more, while the actions in flight (a `docker
   * update`, a replica being added or drained) are waited for to their end.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const acting = [...new Set([...this.inFlight.keys(), ...this.bridgeInFlight.keys()])];
    if (acting.length > 0) this.options.logger.info({ services: acting }, 'stopping: waiting for the actions in flight to end');
    await this.running;
    await this.settle();
  }

  /** What a service's evaluation or bridge pass reports when the loop was stopped before it could decide. */
  private stoppedBeforeDeciding(service: string): TickReport | undefined {
    return this.stopping.signal.aborted ? { service, outcome: 'stopped' } : undefined;
  }

  /**
   * One service's evaluation or bridge pass, kept from the others': an error nobody expected
   * (the adapters turn the expected ones into outcomes) fails that service for this tick, logged
   * and counted, and the others go on.
   */
  private async isolated(service: string, what: 'evaluation' | 'bridge pass', run: () => Promise<TickReport>): Promise<TickReport> {
    let report: TickReport;
    try {
      report = await run();
    } catch (error) {
      this.options.logger.error({ service, error: String(error) }, `${what} failed: the next tick starts again from the actual state`);
      report = { service, outcome: 'failed', error: errorText(error) };
    }
    // Every evaluation is counted once, by how it ended: those that did not decide (the platform
    // not read, an action still in flight, a stop) as well, for an operator's alert to see them.
    if (what === 'evaluation') this.options.metrics.evaluations.inc({ service, outcome: report.outcome });
    return report;
  }

  private cpuChangeInFlight(service: string): boolean {
    return this.bridgeInFlight.has(service) || (this.inFlight.has(service) && !this.onlyReplicasInFlight.has(service));
  }

  /** `reads`: aborted by `stop`, for this tick's InfluxDB reads. */
  private async tickService(service: string, reads: AbortSignal): Promise<TickReport> {
    const { actuator, logger, metrics, dryRun } = this.options;
    const stopped = this.stoppedBeforeDeciding(service);
    if (stopped) return stopped;
    // Named with --service, and not on the platform: a typo, or not deployed yet. Nothing asked,
    // decided or recorded (its `no_data` decision had `report` list it among the services it has).
    if (this.notManaged.has(service)) return this.setAsideNotManaged(service);
    if (this.inFlight.has(service) || this.bridgeInFlight.has(service)) {
      logger.debug({ service }, 'action in flight: not deciding again until it ends');
      return { service, outcome: 'busy' };
    }
    let actual: ServiceState;
    try {
      if (!dryRun) {
        const cleaned = await actuator.tidy(service);
        if (cleaned > 0) logger.warn({ service, cleaned }, 'finished or removed what an interrupted action left');
      }
      actual = await actuator.observe(service);
    } catch (error) {
      logger.error({ service, error: String(error) }, `cannot read the actual state of the service: no action: ${errorText(error)}`);
      return { service, outcome: 'observe_failed', error: errorText(error) };
    }
    metrics.replicas.set({ service }, actual.replicas);

    let config: PolicyConfig;
    try {
      config = policyConfigFor(this.options.fileConfig, actual.labels);
    } catch (error) {
      if (!(error instanceof PolicyConfigError)) throw error;
      // Said when it starts or its reason changes, like a data problem: a label wrong for an hour
      // was an error line every tick. Counted every tick still (`evaluations_total{outcome="config_error"}`).
      if (this.lastConfigError.get(service) !== error.message) {
        logger.error({ service, error: error.message }, 'invalid policy for this service: no action');
        this.lastConfigError.set(service, error.message);
      }
      return { service, outcome: 'config_error', error: error.message };
    }
    if (this.lastConfigError.delete(service)) logger.info({ service }, `${service}: its policy is valid again, deciding again`);

    if (!this.memory.has(service)) {
      const initial = await this.initialMemory(service, config, reads);
      // Records cut short by a stop say nothing: a later loop reads them again.
      const stoppedReading = this.stoppedBeforeDeciding(service);
      if (stoppedReading) return stoppedReading;
      this.memory.set(service, initial);
    }
    const windowSeconds = windowSecondsFor(config);
    const data = await this.options.readWindow(service, windowSeconds, { containerCpu: readsContainerCpu(config), signal: reads });
    // A read cut short by a stop is not "InfluxDB unreachable": nothing is decided or recorded from it.
    const stoppedReading = this.stoppedBeforeDeciding(service);
    if (stoppedReading) return stoppedReading;
    const now = this.now();
    const liveCpuLimits = this.options.liveCpuLimits ?? actuator.kind === 'docker';
    const evaluation = evaluate({ now, data, actual, config, memory: this.memory.get(service) ?? initialPolicyMemory, staleAfterMs: this.options.staleAfterMs, liveCpuLimits });
    this.memory.set(service, evaluation.memory);
    // A window InfluxDB did not give leaves the service out of bridge passes until an evaluation
    // reads one: a pass cannot size the bridge without it, and would only wait the read's timeout.
    if (config.policy === 'adaptive' && liveCpuLimits && data.ok) {
      this.bridged.set(service, config);
      this.lastBridgeAt.set(service, now);
    } else this.stopBridging(service);
    if (evaluation.signal) this.options.write([signalPoint(service, now, evaluation.signal, actual)]);

    if (evaluation.problem) {
      metrics.dataProblems.inc({ service, problem: evaluation.problem });
      // One warning (and one record) when the problem starts or changes, not one per tick.
      if (this.lastProblem.get(service) !== evaluation.problem) {
        logger.warn({ service, problem: evaluation.problem, reason: evaluation.decision.reason }, `${service}: ${evaluation.decision.reason}`);
        this.options.write([decisionPoint({ service, time: now, decision: evaluation.decision, actual, outcome: evaluation.problem, dryRun })]);
        this.lastProblem.set(service, evaluation.problem);
      }
      return { service, evaluation, outcome: evaluation.problem, ...(data.ok ? {} : { error: data.error }) };
    }
    if (this.lastProblem.delete(service)) logger.info({ service }, `${service}: data is back, deciding again`);

    if (evaluation.plan.kind === 'none') {
      logger.debug({ service, reason: evaluation.decision.reason }, 'hold');
      return { service, evaluation, outcome: 'hold' };
    }

    const action = actionTag(evaluation.decision);
    const { decision } = evaluation;
    // The decision, and the bridge's CPU change when it goes alongside: each logged and recorded.
    const decisions = evaluation.bridge ? [decision, evaluation.bridge] : [decision];
    if (dryRun) {
      for (const d of decisions) {
        const tag = actionTag(d);
        metrics.actions.inc({ service, action: tag, result: 'dry_run' });
        this.logDecision(service, d, { dryRun: true });
      }
      this.options.write(decisions.map((d) => decisionPoint({ service, time: now, decision: d, actual, outcome: 'dry_run', dryRun: true })));
      return { service, evaluation, outcome: 'dry_run' };
    }

    const unconfirmed = await this.leaseNotConfirmed(service, action);
    if (unconfirmed) {
      return { service, evaluation, ...unconfirmed };
    }
    // Stopped while the lease was confirmed: a stopping scaler starts no action it would then have to wait for.
    if (this.stopping.signal.aborted) return { service, evaluation, outcome: 'stopped' };
    const fencingToken = this.options.lease.status().token;
    for (const d of decisions) this.logDecision(service, d, { fencingToken });
    const fenced = fencingToken !== undefined ? { fencingToken } : {};
    // Steps, each recorded as soon as it is done: the bridge's limit update (instant) is recorded
    // before the new replicas are healthy, so a scaler killed meanwhile leaves its record (and the
    // base it returns to) for its successor.
    const { plan } = evaluation;
    const steps: { decisions: Decision[]; onlyReplicas: boolean; run: () => Promise<void> }[] =
      plan.kind === 'replicas' && plan.cpuCores !== undefined && evaluation.bridge
        ? [
            { decisions: [evaluation.bridge], onlyReplicas: false, run: () => this.options.actuator.setLimits(service, { cpuCores: plan.cpuCores as number }) },
            { decisions: [decision], onlyReplicas: true, run: () => this.options.actuator.setReplicas(service, plan.replicas) },
          ]
        : [{ decisions, onlyReplicas: plan.kind === 'replicas', run: () => this.apply(service, plan) }];
    const work = (async () => {
      for (const [index, step] of steps.entries()) {
        if (step.onlyReplicas) this.onlyReplicasInFlight.add(service);
        try {
          await step.run();
        } catch (error) {
          this.failedActions.set(service, errorText(error));
          const failed = steps.slice(index).flatMap((s) => s.decisions);
          for (const d of failed) metrics.actions.inc({ service, action: actionTag(d), result: 'failed' });
          logger.error({ service, action, error: String(error) }, `action failed: ${errorText(error)}; the next tick starts again from the actual state`);
          this.options.write(failed.map((d) => decisionPoint({ service, time: now, decision: d, actual, outcome: 'failed', dryRun: false, error: String(error), ...fenced })));
          return;
        }
        for (const d of step.decisions) metrics.actions.inc({ service, action: actionTag(d), result: 'applied' });
        this.options.write(step.decisions.map((d) => decisionPoint({ service, time: now, decision: d, actual, outcome: 'applied', dryRun: false, ...fenced })));
      }
      logger.info({ service, action, to: decision.to, ...(evaluation.bridge ? { bridgeCpuCores: evaluation.bridge.to } : {}) }, 'action applied');
    })()
      .finally(() => {
        this.inFlight.delete(service);
        this.onlyReplicasInFlight.delete(service);
      });
    this.failedActions.delete(service);
    this.inFlight.set(service, work);
    // `applied`: the action was started; how it ended is in `actionFailure` once it has.
    return { service, evaluation, outcome: 'applied' };
  }

  private async bridgeService(service: string, config: PolicyConfig, reads: AbortSignal): Promise<TickReport> {
    const { actuator, logger, metrics, dryRun } = this.options;
    let actual: ServiceState;
    try {
      actual = await actuator.observe(service);
    } catch (error) {
      logger.debug({ service, error: String(error) }, 'bridge pass: cannot read the actual state; the next evaluation will say more');
      return { service, outcome: 'observe_failed' };
    }
    const data = await this.options.readWindow(service, bridgeWindowSeconds(config), { containerCpu: readsContainerCpu(config), signal: reads });
    const stopped = this.stoppedBeforeDeciding(service);
    if (stopped) return stopped;
    if (!data.ok) {
      // Asked again every second, an InfluxDB that does not answer would hold every pass for the
      // read's timeout (and the evaluation due after it). The next evaluation reads, reports the
      // problem, and resumes the passes once InfluxDB answers.
      this.stopBridging(service);
      logger.debug({ service, error: data.error }, 'bridge pass: InfluxDB did not give the window; no more passes until an evaluation reads it');
      return { service, outcome: data.problem };
    }
    const now = this.now();
    this.lastBridgeAt.set(service, now);
    const memory = this.memory.get(service) ?? initialPolicyMemory;
    const pass = bridgePass({ now, data, actual, config, memory, staleAfterMs: this.options.staleAfterMs, liveCpuLimits: true });
    const change = pass.change;
    if (change === undefined) {
      this.lastDryRunBridge.delete(service);
      return { service, outcome: 'hold' };
    }
    const tag = actionTag(change);
    if (dryRun) {
      // Nothing changes, so the next pass would propose the same again: the memory stays too. The
      // same would-be change, every second, is logged, counted and recorded once (99 would-be
      // actions in ten minutes of one burst swelled the report's counts); a different one is new.
      const same = `${tag} ${change.resource} ${change.from} → ${change.to}`;
      if (this.lastDryRunBridge.get(service) === same) return { service, bridge: change, outcome: 'dry_run' };
      this.lastDryRunBridge.set(service, same);
      metrics.actions.inc({ service, action: tag, result: 'dry_run' });
      this.logDecision(service, change, { dryRun: true });
      this.options.write([decisionPoint({ service, time: now, decision: change, actual, outcome: 'dry_run', dryRun: true })]);
      return { service, bridge: change, outcome: 'dry_run' };
    }
    const unconfirmed = await this.leaseNotConfirmed(service, tag);
    if (unconfirmed) return { service, bridge: change, ...unconfirmed };
    if (this.stopping.signal.aborted) return { service, bridge: change, outcome: 'stopped' };
    this.memory.set(service, pass.memory);
    const fencingToken = this.options.lease.status().token;
    const fenced = fencingToken !== undefined ? { fencingToken } : {};
    this.logDecision(service, change, { fencingToken });
    const work = actuator
      .setLimits(service, { cpuCores: change.to })
      .then(
        () => {
          metrics.actions.inc({ service, action: tag, result: 'applied' });
          this.options.write([decisionPoint({ service, time: now, decision: change, actual, outcome: 'applied', dryRun: false, ...fenced })]);
        },
        (error: unknown) => {
          // The memory goes back too: the base is what the platform still has.
          this.memory.set(service, memory);
          metrics.actions.inc({ service, action: tag, result: 'failed' });
          logger.error({ service, action: tag, error: String(error) }, `bridge change failed: ${errorText(error)}; the next pass starts again from the actual state`);
          this.options.write([decisionPoint({ service, time: now, decision: change, actual, outcome: 'failed', dryRun: false, error: String(error), ...fenced })]);
        },
      )
      .finally(() => this.bridgeInFlight.delete(service));
    this.bridgeInFlight.set(service, work);
    return { service, bridge: change, outcome: 'applied' };
  }

  /**
   * Checks in the lease store, right before an action, that the lease is still ours; when it is
   * not, or that is not known, says which and returns the report's outcome. A Redis that did not
   * answer is not a lease lost (no other instance is known to act): said as one, it sent the
   * operator looking for a second scaler instead of at Redis. Both are `no_lease` (not acting
   * without a confirmed lease); the unconfirmed one carries Redis's reason as `error`.
   */
  private async leaseNotConfirmed(service: string, action: string): Promise<{ outcome: 'no_lease'; error?: string } | undefined> {
    const confirmation = await this.options.lease.confirm();
    if (confirmation.status === 'ours') return undefined;
    if (confirmation.status === 'lost') {
      this.options.logger.warn({ service, action }, 'lease lost just before acting: not acting');
      return { outcome: 'no_lease' };
    }
    this.options.logger.warn({ service, action, error: confirmation.reason }, `lease not confirmed just before acting (${confirmation.reason}): not acting`);
    return { outcome: 'no_lease', error: confirmation.reason };
  }

  /** One line per decision, dry-run or applied, in the same words for evaluations and bridge passes. */
  private logDecision(service: string, d: Decision, how: { dryRun: true } | { fencingToken: number | undefined }): void {
    const tag = actionTag(d);
    const what = `${tag} ${service} ${d.resource} ${d.from} → ${d.to}: ${d.reason}`;
    this.options.logger.info({ service, action: tag, resource: d.resource, from: d.from, to: d.to, reason: d.reason, policy: d.policy, ...how }, 'dryRun' in how ? `dry-run: would ${what}` : `applying ${what}`);
  }

  /** A fresh process (or a new lease holder) resumes from what its predecessor recorded: cooldowns, the bridge's base, the latency correction. */
  private async initialMemory(service: string, config: PolicyConfig, reads: AbortSignal): Promise<PolicyMemory> {
    if (!this.options.readPredecessorRecords) return initialPolicyMemory;
    const read = await this.options.readPredecessorRecords(service, reads);
    const { logger } = this.options;
    if (!read.ok) {
      // Starting fresh is all that can be done, but unsaid it looked like a service with no past:
      // a scale-in right after its predecessor's scale-out, a bridge base forgotten. A read a stop
      // cut short says nothing (the caller decides nothing from it).
      if (!reads.aborted) {
        logger.warn(
          { service, error: read.error },
          `${service}: its recorded decisions and signals could not be read, so the cooldowns, bridge base and latency correction a predecessor left are not carried over and start fresh: ${read.error}`,
        );
      }
      return initialPolicyMemory;
    }
    const recorded = read.records;
    if (recorded.lastScaleOutAt !== undefined || recorded.lastScaleInAt !== undefined || recorded.bridgeBaseCpuCores !== undefined) {
      logger.info({ service, lastScaleOutAt: recorded.lastScaleOutAt, lastScaleInAt: recorded.lastScaleInAt, bridgeBaseCpuCores: recorded.bridgeBaseCpuCores }, 'cooldowns carried over from the recorded decisions');
    }
    const latency = resumedLatencyCorrection(recorded.capacityFactor, config.targets.latencyCorrectionFloor, recorded.latencyUnresponsive);
    if (latency.factor < 1) logger.info({ service, capacityFactor: latency.factor, recordedAt: recorded.capacityFactor?.at }, 'latency correction carried over from the recorded signals');
    if (latency.unresponsiveUntil > this.now()) logger.info({ service, latencyUnresponsiveUntil: new Date(latency.unresponsiveUntil).toISOString() }, 'latency found not to answer to replicas: carried over from the recorded signals');
    return {
      ...initialPolicyMemory,
      adaptive: { ...initialPolicyMemory.adaptive, lastScaleOutAt: recorded.lastScaleOutAt ?? -Infinity, lastScaleInAt: recorded.lastScaleInAt ?? -Infinity, latency },
      // A predecessor that left the bridge raised: its base, so that the limit returns to it.
      bridgeBaseCpuCores: recorded.bridgeBaseCpuCores,
    };
  }

  private async apply(service: string, plan: Plan): Promise<void> {
    // A replica change that carries the bridge's limit is split into steps by the caller.
    if (plan.kind === 'replicas') return this.options.actuator.setReplicas(service, plan.replicas);
    if (plan.kind === 'limits') {
      return this.options.actuator.setLimits(service, {
        ...(plan.cpuCores !== undefined ? { cpuCores: plan.cpuCores } : {}),
        ...(plan.memoryBytes !== undefined ? { memoryBytes: plan.memoryBytes } : {}),
      });
    }
  }
}

/** `--service nosuch: no managed service of that name on the platform (managed: a, b)`. */
export function unknownServicesText(unknown: readonly string[], managed: readonly string[]): string {
  const names = unknown.join(', ');
  const what = unknown.length === 1 ? 'no managed service of that name' : 'no managed services of those names';
  return `--service ${names}: ${what} on the platform (managed: ${managed.length > 0 ? managed.join(', ') : 'none'})`;
}

/** An error's own one line, without the class name `String(error)` puts before it. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Bridge passes run every second (the shortest `bridgeSeconds`); one within this of being due runs. */
const BRIDGE_TICK_MS = 1000;
const BRIDGE_SLACK_MS = 100;

/** How far back one evaluation reads: the longest window any rule of the policy looks at. */
export function windowSecondsFor(config: PolicyConfig): number {
  const { windows } = config;
  return Math.min(900, Math.ceil(Math.max(windows.stableSeconds, windows.scaleDownStabilisationSeconds, windows.metricSeconds, 3 * (config.startupSeconds + config.evaluationSeconds))));
}
