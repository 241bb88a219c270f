import type { ServiceState } from '../actuators/actuator.js';
import type { PolicyConfig } from '../config/policyConfig.js';
import { replicaDecision, resourceDecision, type Decision } from '../decision.js';
import { adaptiveDecide, initialAdaptiveState, type AdaptiveState } from '../policies/adaptive.js';
import { cpuShrinkWithinReplicas } from '../policies/cpuShrinkWithinReplicas.js';
import { arbitrate, limitHeldByBridge } from '../policies/arbitration.js';
import { hpaReconcile, initialHpaState, type HpaPod, type HpaState } from '../policies/hpa.js';
import { recommendCpu, recommendMemory, type VerticalSettings } from '../policies/vertical.js';
import { bridgeBaseWhileAt } from '../policies/verticalBridge.js';
import { lastSpan, type Sample } from '../samples.js';
import { simpleMovingAverage } from '../signals/movingAverage.js';
import { computeSignals } from '../signals/signalSet.js';
import { adaptiveSettingsFromConfig, hpaSettingsFromConfig } from '../simulator/simulate.js';
import type { ServiceWindow } from './serviceWindow.js';
import { bridgeProposal } from './bridgePass.js';
import { demandView } from './demandView.js';
import { podCpu, type PodCpu } from './podCpu.js';

/**
 * One evaluation of one service: pure, from the recent window and the actual state to a decision,
 * the plan that carries it out (a level to set, never a delta), and the numbers to record.
 */
export type DataProblem = 'no_data' | 'stale_data' | 'influx_unreachable';

export type WindowOrProblem = { ok: true; window: ServiceWindow } | { ok: false; problem: 'influx_unreachable'; error: string };

/** What the policies remember between evaluations of one service. */
export interface PolicyMemory {
  readonly adaptive: AdaptiveState;
  readonly hpa: HpaState | undefined;
  readonly lastVerticalChange: { at: number; previousCpuLimitCores: number } | undefined;
  /** The OOM-kill count already answered, so one kill bumps memory once. */
  readonly oomKillsSeen: number | undefined;
  /**
   * While the start-up bridge holds the CPU limit above the service's size: that size (the base,
   * which the horizontal rule counts replicas at and the bridge returns to). Undefined at rest.
   */
  readonly bridgeBaseCpuCores?: number | undefined;
}

export const initialPolicyMemory: PolicyMemory = { adaptive: initialAdaptiveState, hpa: undefined, lastVerticalChange: undefined, oomKillsSeen: undefined, bridgeBaseCpuCores: undefined };

/**
 * A level for the actuator to set. A replica change may carry the bridge's CPU limit, set first
 * (an instant update of the running replicas) so that it carries the load while the new ones start.
 */
export type Plan = { kind: 'none' } | { kind: 'replicas'; replicas: number; cpuCores?: number } | { kind: 'limits'; cpuCores?: number; memoryBytes?: number };

/** The signal the horizontal rule followed, in units a person compares with the target. */
export interface SignalRecord {
  readonly signal: 'requests' | 'cpu';
  /** Requests/s per replica, or CPU as a fraction of the limit. */
  readonly value: number | undefined;
  readonly target: number;
  readonly smoothed: number | undefined;
  readonly forecast: number | undefined;
  /** Adaptive policy: the factor measured latency applies to the capacity per replica; undefined for the HPA rule. */
  readonly capacityFactor?: number;
  /** Adaptive policy, once latency was found not to answer to replicas: until when it corrects nothing, and how long the next finding holds. */
  readonly latencyUnresponsive?: { readonly until: number; readonly forMs: number };
}

export interface Evaluation {
  readonly decision: Decision;
  /** The start-up bridge's CPU change, applied with `plan` alongside `decision` (recorded on its own). */
  readonly bridge?: Decision;
  readonly plan: Plan;
  readonly problem: DataProblem | undefined;
  readonly signal: SignalRecord | undefined;
  readonly memory: PolicyMemory;
}

export interface EvaluationInput {
  readonly now: number;
  readonly data: WindowOrProblem;
  readonly actual: ServiceState;
  readonly config: PolicyConfig;
  readonly memory: PolicyMemory;
  /** Newest sample older than this: stale, no action. */
  readonly staleAfterMs: number;
  /**
   * The platform changes a CPU limit on running replicas at once (Docker's `docker update`; not
   * Swarm, which replaces tasks): the adaptive policy's start-up bridge may then be applied.
   */
  readonly liveCpuLimits?: boolean;
}

/** Working set at or above this share of the limit is memory pressure (the arbitration's rule 1). */
export const MEMORY_PRESSURE_FRACTION = 0.9;
/** Share of CFS periods throttled, over the short window, that counts as CPU-throttled. */
export const THROTTLED_FRACTION = 0.2;
const SHORT_WINDOW_MS = 15_000;

export function evaluate(input: EvaluationInput): Evaluation {
  const { now, actual, config, memory } = input;
  const hold = (problem: DataProblem, reason: string): Evaluation => ({
    decision: replicaDecision('loop', actual.replicas, actual.replicas, reason),
    plan: { kind: 'none' },
    problem,
    signal: undefined,
    memory,
  });
  const read = demandView(input);
  if (!read.ok) return hold(read.problem, read.reason);
  const { window, limitCores, bridgeOn, baseCores, maxCores, referenceCores, requestDriven, demand, capacityPerReplica, inDemandUnits } = read.view;

  const settings = adaptiveSettingsFromConfig(config);
  // The adaptive policy with the replicas counted at a given base size: the decision, and the
  // check of how far the VPA-style recommendation may shrink that size.
  const adaptiveAt = (capacityPerReplicaRps: number, sizeCores: number, state: AdaptiveState = memory.adaptive, replicas = actual.replicas) =>
    adaptiveDecide(
      {
        now,
        currentReplicas: replicas,
        readyReplicas: Math.min(actual.readyReplicas, replicas),
        requestRate: demand,
        queueDepth: window.queueDepthJobs,
        latencyP95: window.latencyP95Seconds,
        capacityPerReplicaRps,
        // The bridge moves the limit every second: the latency correction counts the replicas at
        // the mean raise of each window it judges (as the collector saw it), not the raise of this instant.
        cpuLimitOverBase: bridgeOn ? limitOverBase(window.cpuLimitPerReplicaCores, limitCores, sizeCores, now) : [],
        // What the bridge can add at once: the vertical cap over the base (1 without a bridge).
        bridgeFactor: bridgeOn ? maxCores / sizeCores : 1,
      },
      state,
      settings,
    );
  let nextMemory: PolicyMemory = memory;
  let horizontal: Decision;
  let proposedBridge: Decision | undefined;
  if (config.policy === 'hpa') {
    const hpaState = memory.hpa ?? initialHpaState(actual.replicas, now);
    const result = hpaReconcile({ now, currentReplicas: actual.replicas, pods: hpaPods(actual, window, referenceCores, config, now), settings: hpaSettingsFromConfig(config) }, hpaState);
    horizontal = result.decision;
    nextMemory = { ...nextMemory, hpa: result.state };
  } else {
    const result = adaptiveAt(capacityPerReplica, baseCores);
    if (bridgeOn) {
      proposedBridge = bridgeProposal(read.view, actual.readyReplicas, result.bridgeNow, result.capacityPerReplicaRps, settings.targetUtilisation);
    }
    horizontal = inDemandUnits(result.decision);
    nextMemory = { ...nextMemory, adaptive: result.state };
  }

  const vertical = verticalSettings(config);
  let verticalCpu = actual.cpuLimitCores === undefined
    ? resourceDecision('vertical', 'cpu', limitCores, limitCores, 'no CPU limit set: nothing to right-size')
    : recommendCpu({ container: actual.service, usageCores: window.cpuUsagePerReplicaCores, limitCores: actual.cpuLimitCores }, vertical);
  // While the bridge holds the limit the arbitration holds any recommendation back, so the
  // shrink's search (the adaptive rule asked up to ~10 times) would be spent on nothing.
  const heldByBridge = proposedBridge !== undefined && limitHeldByBridge(proposedBridge, limitCores, baseCores);
  if (!requestDriven && verticalCpu.action === 'scale_down' && !heldByBridge) {
    if (config.policy === 'hpa') {
      // CPU is then the horizontal signal: shrinking the limit would raise utilisation and make the
      // HPA rule add replicas (the HPA+VPA conflict). Only growth is left to the vertical side.
      verticalCpu = { ...verticalCpu, action: 'none', to: verticalCpu.from, reason: `${verticalCpu.reason}; not applied: CPU drives the horizontal rule, so its limit is not shrunk` };
    } else {
      // The adaptive policy counts demand in millicores, so it can say how far the replicas there
      // are still carry it. Asked without the guard against reversing a recent scale-in (which
      // holds back a wanted replica rather than not wanting it).
      const unguarded: AdaptiveState = { ...memory.adaptive, lastScaleInAt: -Infinity };
      const carry = (cores: number, replicas: number) => adaptiveAt(cores * 1000, cores, unguarded, replicas).decision.to <= replicas;
      const fewer = actual.replicas - 1;
      verticalCpu = cpuShrinkWithinReplicas({
        recommendation: verticalCpu,
        replicasCarryAt: (cores) => carry(cores, actual.replicas),
        fewerReplicasWouldCarry: fewer >= config.replicas.min && carry(baseCores, fewer),
        // The horizontal rule's own band: demand within it of the edge is noise, not a change.
        margin: config.tolerance,
        minChangeFraction: vertical.minChangeFraction,
      });
    }
  }
  const oomTotal = window.oomKillsTotal.at(-1)?.value;
  const oomSeen = memory.oomKillsSeen ?? window.oomKillsTotal[0]?.value ?? oomTotal;
  const oomKilled = oomTotal !== undefined && oomSeen !== undefined && oomTotal > oomSeen;
  const memoryLimit = actual.memoryLimitBytes;
  const verticalMemory = memoryLimit === undefined
    ? resourceDecision('vertical', 'memory', 0, 0, 'no memory limit set: nothing to right-size')
    : recommendMemory({ container: actual.service, workingSetBytes: window.memoryWorkingSetPerReplicaBytes, limitBytes: memoryLimit, oomKilled }, vertical);
  const memoryPressure = (window.memoryFractionOfLimitMax.at(-1)?.value ?? 0) >= MEMORY_PRESSURE_FRACTION;
  const throttled = simpleMovingAverage(lastSpan(window.cpuThrottledFraction, SHORT_WINDOW_MS, now)) ?? 0;

  const arbitration = arbitrate({
    now,
    replicas: actual.replicas,
    horizontal,
    verticalCpu,
    verticalMemory,
    memoryPressure: memoryLimit !== undefined && memoryPressure,
    oomKilled: memoryLimit !== undefined && oomKilled,
    cpuThrottled: throttled >= THROTTLED_FRACTION,
    cpuLimitCores: limitCores,
    cpuMaxCores: config.cpu.maxCores,
    memoryLimitBytes: memoryLimit ?? config.memory.maxBytes,
    memoryMaxBytes: config.memory.maxBytes,
    requestDriven,
    ...(memory.lastVerticalChange ? { lastVerticalChange: memory.lastVerticalChange } : {}),
    settleSeconds: config.windows.stableSeconds,
    ...(proposedBridge ? { bridge: proposedBridge, bridgeBaseCpuCores: baseCores } : {}),
  });
  // When the bridge's change is the only one, it is the decision; otherwise it goes alongside.
  const [decision, bridge] = arbitration.bridge && arbitration.decision.action === 'none' ? [arbitration.bridge, undefined] : [arbitration.decision, arbitration.bridge];

  const plan = withBridge(planFor(decision, config), bridge);
  const bridgeChange = arbitration.bridge;
  if (decision.resource === 'cpu' && decision.action !== 'none' && decision !== bridgeChange) {
    // A vertical change of the service's size (not the bridge): the horizontal rule's evidence settles.
    nextMemory = { ...nextMemory, lastVerticalChange: { at: now, previousCpuLimitCores: baseCores } };
  }
  if (bridgeChange) nextMemory = { ...nextMemory, bridgeBaseCpuCores: bridgeBaseWhileAt(bridgeChange.to, baseCores) };
  else if (bridgeOn && Math.abs(limitCores - baseCores) < 1e-9) nextMemory = { ...nextMemory, bridgeBaseCpuCores: undefined };
  nextMemory = { ...nextMemory, oomKillsSeen: oomTotal ?? oomSeen };

  const signalSet = computeSignals(demand, now, {
    stableWindowMs: config.windows.stableSeconds * 1000,
    panicWindowMs: config.windows.panicSeconds * 1000,
    forecastHorizonMs: (config.startupSeconds + config.evaluationSeconds) * 1000,
    emaHalfLifeMs: (config.windows.stableSeconds * 1000) / 2,
  });
  const perReplica = (value: number | undefined) => (value === undefined ? undefined : requestDriven ? value / Math.max(1, actual.replicas) : value / Math.max(1e-9, actual.replicas * referenceCores * 1000));
  const latency = nextMemory.adaptive.latency;
  const signal: SignalRecord = {
    signal: requestDriven ? 'requests' : 'cpu',
    value: perReplica(demand.at(-1)?.value),
    target: requestDriven ? (config.targets.rpsPerReplica as number) : config.targets.cpuUtilisation,
    smoothed: perReplica(signalSet.stableMean),
    forecast: perReplica(signalSet.forecast),
    ...(config.policy === 'adaptive' ? { capacityFactor: latency?.factor ?? 1 } : {}),
    ...(config.policy === 'adaptive' && latency && Number.isFinite(latency.unresponsiveUntil) ? { latencyUnresponsive: { until: latency.unresponsiveUntil, forMs: latency.unresponsiveForMs } } : {}),
  };
  return { decision, ...(bridge ? { bridge } : {}), plan, problem: undefined, signal, memory: nextMemory };
}

/** The per-replica CPU limit the collector saw, over the base; the limit now when it saw none. */
function limitOverBase(limits: readonly Sample[], limitCores: number, baseCores: number, now: number): Sample[] {
  return limits.length > 0 ? limits.map((sample) => ({ time: sample.time, value: sample.value / baseCores })) : [{ time: now, value: limitCores / baseCores }];
}

/** Adds the bridge's CPU limit to the level a decision sets (one plan, applied limits first). */
function withBridge(plan: Plan, bridge: Decision | undefined): Plan {
  if (!bridge) return plan;
  // Within the bridge's own bounds already: the base (whatever it is) up to the vertical cap.
  return plan.kind === 'none' ? { kind: 'limits', cpuCores: bridge.to } : { ...plan, cpuCores: bridge.to };
}

/**
 * Whether the loop reads each container's CPU for a service: the HPA rule reads each replica's
 * own (as Kubernetes reads each pod's), and the adaptive policy, when its demand is CPU (no
 * request-rate target), leaves the replicas' start-up out of it.
 */
export function readsContainerCpu(config: PolicyConfig): boolean {
  return config.policy === 'hpa' || config.targets.rpsPerReplica === undefined;
}

/** The level a decision sets; replica counts stay within the configured bounds whatever a policy says. */
export function planFor(decision: Decision, config: PolicyConfig): Plan {
  if (decision.action === 'none' || decision.from === decision.to) return { kind: 'none' };
  if (decision.resource === 'replicas') return { kind: 'replicas', replicas: Math.min(config.replicas.max, Math.max(config.replicas.min, Math.round(decision.to))) };
  if (decision.resource === 'cpu') return { kind: 'limits', cpuCores: Math.min(config.cpu.maxCores, Math.max(config.cpu.minCores, decision.to)) };
  return { kind: 'limits', memoryBytes: Math.round(Math.min(config.memory.maxBytes, Math.max(config.memory.minBytes, decision.to))) };
}

export function verticalSettings(config: PolicyConfig): VerticalSettings {
  return { ...config.vertical, cpu: config.cpu, memory: config.memory };
}

/**
 * The HPA rule's view of the replicas: CPU per replica against its request (here: its limit). Each
 * replica's own CPU where the per-container series has it (as the metrics API gives each pod's),
 * otherwise the service's mean per replica for every ready one.
 *
 * Kubernetes counts a new pod's CPU once a whole metric window of it lies after the pod turned
 * ready. Docker does not keep the moment a container turned healthy, so the end of its start-up
 * (`startupSeconds` after its creation, as for the adaptive policy's CPU demand, startupCpu.ts)
 * stands for it: a replica still loading its code is not read as load.
 */
function hpaPods(actual: ServiceState, window: ServiceWindow, limitCores: number, config: PolicyConfig, now: number): HpaPod[] {
  const windowMs = config.windows.metricSeconds * 1000;
  const startupMs = config.startupSeconds * 1000;
  const own = podCpu(window.cpuUsageByContainer, actual.members, windowMs, now);
  const shared = simpleMovingAverage(lastSpan(window.cpuUsagePerReplicaCores, windowMs, now));
  const sharedAt = window.cpuUsagePerReplicaCores.at(-1)?.time ?? now;
  const metricOf = (name: string): PodCpu | undefined => (own ? own.get(name) : shared === undefined ? undefined : { usageCores: shared, timestamp: sharedAt });
  return actual.members.map((member) => {
    const metric = member.phase === 'ready' ? metricOf(member.name) : undefined;
    return {
      phase: 'Running' as const,
      ready: member.phase === 'ready',
      startTime: member.createdAt,
      readyTransitionTime: member.createdAt + startupMs,
      requestMilli: limitCores * 1000,
      ...(metric ? { metric: { usageMilli: metric.usageCores * 1000, timestamp: metric.timestamp, windowMs } } : {}),
    };
  });
}
