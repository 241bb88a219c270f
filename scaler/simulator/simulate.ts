import type { PolicyConfig } from '../config/policyConfig.js';
import type { Decision } from '../decision.js';
import { bridgeCpuLimit, type BridgeSizing } from '../policies/verticalBridge.js';
import { bridgeDemand, bridgeDemandSpanSeconds } from '../policies/bridgeDemand.js';
import { adaptiveDecide, initialAdaptiveState, plannedCapacityPerReplica, type AdaptiveSettings, type AdaptiveState } from '../policies/adaptive.js';
import { hpaReconcile, hpaSettings, initialHpaState, type HpaPod, type HpaSettings, type HpaState } from '../policies/hpa.js';
import type { Sample } from '../samples.js';
import { capacityPerReplica, serveSecond, type ServiceModel } from './serviceModel.js';

export type PolicyName = 'hpa' | 'adaptive';

export interface PolicyOutcome {
  policy: PolicyName;
  /** Simulated seconds with p95 latency above the objective or with dropped requests. */
  sloViolationSeconds: number;
  /**
   * Cost: sum over simulated seconds of the replicas in existence (starting ones cost too), each
   * weighted by its CPU limit over the model's base limit — base-size replica-seconds, so that a
   * replica bridged to twice the cores costs twice.
   */
  replicaSeconds: number;
  /** CPU-limit changes (the adaptive policy's start-up bridge; the HPA rule makes none). */
  verticalUpdates: number;
  peakCpuLimitCores: number;
  /** Decisions that changed the replica count. */
  scaleActions: number;
  /** Scale actions that reversed the previous action within the flap window. */
  flaps: number;
  droppedRequests: number;
  peakReplicas: number;
  simulatedSeconds: number;
  /** Every decision that changed the replica count, with its reason (only when asked for: `--decisions`). */
  decisions?: TimedDecision[];
}

/** A decision and the simulated second it was taken at. */
export interface TimedDecision {
  second: number;
  decision: Decision;
}

export interface SimulationSetup {
  model: ServiceModel;
  config: PolicyConfig;
  /** HPA sync period (--horizontal-pod-autoscaler-sync-period), 15 s. */
  hpaSyncSeconds: number;
  onProgress?: (fraction: number) => void;
  /** The adaptive policy's vertical start-up bridge (default on; off to measure its share). */
  bridge?: boolean;
  /**
   * The capacity per replica the adaptive policy is told, as a multiple of the model's (default 1):
   * 1.5 is an operator's requests-per-second target 50% too high. The HPA rule measures CPU, so it
   * is told nothing.
   */
  capacityError?: number;
  /** Called with every decision that changes the replica count (for debugging and reports). */
  onAction?: (second: number, decision: Decision) => void;
  /** Called every simulated second (for debugging: where do violations happen, what does the bridge cost?). */
  onSecond?: (second: number, ready: number, replicas: number, violated: boolean, cpuLimitCores: number) => void;
}

const HPA_METRIC_WINDOW_S = 15;

/** The HPA rule as configured from the service config, with Kubernetes' documented defaults otherwise. */
export function hpaSettingsFromConfig(config: PolicyConfig): HpaSettings {
  const defaults = hpaSettings({ minReplicas: 1, maxReplicas: 1, targetUtilizationPercent: 1 });
  return hpaSettings({
    minReplicas: config.replicas.min,
    maxReplicas: config.replicas.max,
    targetUtilizationPercent: Math.round(config.targets.cpuUtilisation * 100),
    tolerance: config.tolerance,
    scaleDown: { ...defaults.scaleDown, stabilizationWindowSeconds: config.windows.scaleDownStabilisationSeconds },
  });
}

export function adaptiveSettingsFromConfig(config: PolicyConfig): AdaptiveSettings {
  return {
    minReplicas: config.replicas.min,
    maxReplicas: config.replicas.max,
    targetUtilisation: config.targets.adaptiveUtilisation,
    metricWindowSeconds: config.windows.metricSeconds,
    bridgeHeadroom: config.targets.bridgeHeadroom,
    burstHeadroom: config.targets.burstHeadroom,
    startupSeconds: config.startupSeconds,
    evaluationSeconds: config.evaluationSeconds,
    stableWindowSeconds: config.windows.stableSeconds,
    panicWindowSeconds: config.windows.panicSeconds,
    panicThreshold: 2,
    tolerance: config.tolerance,
    afterScaleOutSeconds: config.cooldowns.afterScaleOutSeconds,
    betweenScaleInSeconds: config.cooldowns.betweenScaleInSeconds,
    maxScaleInFraction: 0.5,
    flapWindowSeconds: config.windows.scaleDownStabilisationSeconds,
    queueDepthPerReplica: config.targets.queueDepthPerReplica,
    latencyTargetSeconds: config.targets.p95LatencyMs / 1000,
    latencyCorrectionFloor: config.targets.latencyCorrectionFloor,
  };
}

interface Pod {
  createdAt: number;
  readyAt: number;
}

/**
 * Replays per-second arrivals through the service model under one policy. Both policies see the
 * same model, trace, start state and cost accounting; each is evaluated at its own period (the
 * HPA rule at its 15 s sync, ours at the config's evaluation period) and its decision applies at
 * once (a new replica then takes the model's start-up delay to serve).
 */
export function simulatePolicy(rates: Float64Array, policy: PolicyName, setup: SimulationSetup): PolicyOutcome {
  const { model, config } = setup;
  const mu = capacityPerReplica(model);
  const seconds = rates.length;
  const startup = model.startupSeconds;
  const flapWindow = config.windows.scaleDownStabilisationSeconds;

  // Both start sized for the first minute of the trace at the target utilisation, all ready.
  let firstMinute = 0;
  for (let t = 0; t < Math.min(60, seconds); t += 1) firstMinute = Math.max(firstMinute, rates[t] as number);
  const initial = Math.min(config.replicas.max, Math.max(config.replicas.min, Math.ceil(firstMinute / (mu * config.targets.cpuUtilisation))));
  const pods: Pod[] = [];
  for (let i = 0; i < initial; i += 1) pods.push({ createdAt: -3600, readyAt: -3600 + startup });
  let ready = initial;

  const hpa = hpaSettingsFromConfig(config);
  let hpaState: HpaState = initialHpaState(initial, 0);
  const adaptive = adaptiveSettingsFromConfig(config);
  let adaptiveState: AdaptiveState = initialAdaptiveState;
  const period = policy === 'hpa' ? setup.hpaSyncSeconds : config.evaluationSeconds;

  // Ring buffers of what the collector would have written, reused to keep the loop allocation-free.
  const rateSpan = Math.max(flapWindow, config.windows.stableSeconds, config.windows.panicSeconds) + 1;
  const rateRing: Sample[] = Array.from({ length: rateSpan }, () => ({ time: 0, value: 0 }));
  // What the collector reports of latency: the p95 of each second (the adaptive policy's feedback).
  const latencySpan = Math.max(config.windows.metricSeconds, flapWindow, 1);
  const latencyRing: Sample[] = Array.from({ length: latencySpan }, () => ({ time: 0, value: 0 }));
  const toldCapacity = mu * (setup.capacityError ?? 1);
  // The windows handed to the policy, refilled at each evaluation (it reads them and keeps nothing).
  const rateWindow: Sample[] = [];
  const latencyWindow: Sample[] = [];
  const usageRing = new Float64Array(HPA_METRIC_WINDOW_S);
  // The CPU limit over the base, each second: the latency correction judges windows in which the
  // bridge moved it (as the collector's cpu_limit_cores shows the live loop).
  const limitRing: Sample[] = Array.from({ length: rateSpan }, () => ({ time: 0, value: 1 }));
  const limitWindow: Sample[] = [];

  let queue = 0;
  let violations = 0;
  let replicaSeconds = 0;
  let dropped = 0;
  let peakReplicas = initial;
  const baseLimit = model.cpuLimitCores;
  let cpuLimit = baseLimit;
  let peakCpuLimit = baseLimit;
  let verticalUpdates = 0;
  let capacityPerPod = mu;
  const actions: { time: number; direction: 1 | -1 }[] = [];
  const bridgeOn = policy === 'adaptive' && setup.bridge !== false;
  const maxCpuLimit = Math.max(baseLimit, config.cpu.maxCores);
  const bridgeSpan = bridgeDemandSpanSeconds(adaptive);
  const bridgeWindow: Sample[] = [];
  const resizeBridge = ({ demandRps, typicalSecondRps }: BridgeSizing, baseCapacityPerReplicaRps: number): void => {
    const bridge = bridgeCpuLimit({ demandRps, typicalSecondRps, readyReplicas: ready, baseCapacityPerReplicaRps, targetUtilisation: adaptive.targetUtilisation, baseCpuLimitCores: baseLimit, currentCpuLimitCores: cpuLimit, maxCpuLimitCores: maxCpuLimit, minStepCores: config.cpu.bridgeStepCores });
    if (bridge.to === cpuLimit) return;
    cpuLimit = bridge.to;
    capacityPerPod = capacityPerReplica(model, cpuLimit);
    peakCpuLimit = Math.max(peakCpuLimit, cpuLimit);
    verticalUpdates += 1;
  };
  const progressEvery = 1 << 18;

  for (let t = 0; t < seconds; t += 1) {
    if (ready < pods.length) {
      ready = 0;
      for (const pod of pods) if (pod.readyAt <= t) ready += 1;
    }
    const arrivals = rates[t] as number;
    const second = serveSecond(model, ready, ready * capacityPerPod, cpuLimit, queue, arrivals);
    const { served, violated } = second;
    const p95 = second.p95Seconds;
    queue = second.backlog;
    dropped += second.dropped;
    if (violated) violations += 1;
    setup.onSecond?.(t, ready, pods.length, violated, cpuLimit);
    replicaSeconds += (pods.length * cpuLimit) / baseLimit;

    const slot = rateRing[t % rateSpan] as Sample;
    slot.time = t * 1000;
    slot.value = arrivals;
    const latencySlot = latencyRing[t % latencySpan] as Sample;
    latencySlot.time = t * 1000;
    // No replica ready: nothing is served, and the collector has no histogram to report.
    latencySlot.value = Number.isFinite(p95) ? p95 : model.sloP95Seconds * 10;
    usageRing[t % HPA_METRIC_WINDOW_S] = ready > 0 ? (served * model.cpuSecondsPerRequest) / ready : 0;
    const limitSlot = limitRing[t % rateSpan] as Sample;
    limitSlot.time = t * 1000;
    limitSlot.value = cpuLimit / baseLimit;

    if (bridgeOn && t > 0 && t % period !== 0 && t % config.bridgeSeconds === 0) {
      // Between evaluations only the bridge is re-sized, on the newest seconds, at the capacity the
      // last evaluation planned with.
      const planned = plannedCapacityPerReplica(toldCapacity, adaptiveState);
      resizeBridge(bridgeDemand(ringWindow(rateRing, t, bridgeWindow, bridgeSpan), queue, t * 1000, planned, adaptive), planned);
    }
    if (t > 0 && t % period === 0) {
      const now = t * 1000;
      let decision: Decision;
      if (policy === 'hpa') {
        if (t < HPA_METRIC_WINDOW_S) continue;
        let usage = 0;
        for (const value of usageRing) usage += value;
        const usageMilli = (usage / HPA_METRIC_WINDOW_S) * 1000;
        const hpaPods: HpaPod[] = pods.map((pod) => {
          const isReady = pod.readyAt <= t;
          return {
            phase: 'Running',
            ready: isReady,
            startTime: pod.createdAt * 1000,
            readyTransitionTime: (isReady ? pod.readyAt : pod.createdAt) * 1000,
            requestMilli: model.cpuLimitCores * 1000,
            metric: { usageMilli: isReady ? usageMilli : 0, timestamp: now, windowMs: HPA_METRIC_WINDOW_S * 1000 },
          };
        });
        const result = hpaReconcile({ now, currentReplicas: pods.length, pods: hpaPods, settings: hpa }, hpaState);
        hpaState = result.state;
        decision = result.decision;
      } else {
        const result = adaptiveDecide(
          { now, currentReplicas: pods.length, readyReplicas: ready, requestRate: ringWindow(rateRing, t, rateWindow), queueDepth: [{ time: now, value: queue }], latencyP95: ringWindow(latencyRing, t, latencyWindow), capacityPerReplicaRps: toldCapacity, cpuLimitOverBase: ringWindow(limitRing, t, limitWindow), bridgeFactor: bridgeOn ? capacityPerReplica(model, maxCpuLimit) / mu : 1 },
          adaptiveState,
          adaptive,
        );
        adaptiveState = result.state;
        decision = result.decision;
        if (bridgeOn) resizeBridge(result.bridgeNow, result.capacityPerReplicaRps);
      }
      if (decision.to !== pods.length) {
        actions.push({ time: t, direction: decision.to > pods.length ? 1 : -1 });
        setup.onAction?.(t, decision);
        applyReplicas(pods, decision.to, t, startup);
        ready = 0;
        for (const pod of pods) if (pod.readyAt <= t) ready += 1;
        peakReplicas = Math.max(peakReplicas, pods.length);
      }
    }
    if (setup.onProgress && t % progressEvery === 0 && t > 0) setup.onProgress(t / seconds);
  }

  let flaps = 0;
  for (let i = 1; i < actions.length; i += 1) {
    const previous = actions[i - 1]!;
    const current = actions[i]!;
    if (current.direction !== previous.direction && current.time - previous.time < flapWindow) flaps += 1;
  }
  return {
    policy,
    sloViolationSeconds: violations,
    replicaSeconds: Math.round(replicaSeconds),
    scaleActions: actions.length,
    flaps,
    verticalUpdates,
    peakCpuLimitCores: peakCpuLimit,
    droppedRequests: Math.round(dropped),
    peakReplicas,
    simulatedSeconds: seconds,
  };
}

/** Fills `window` with the samples of a per-second ring buffer up to second `t`, oldest first. */
function ringWindow(ring: readonly Sample[], t: number, window: Sample[], span = ring.length): Sample[] {
  const count = Math.min(t + 1, ring.length, span);
  window.length = count;
  for (let k = 0; k < count; k += 1) window[k] = ring[(t - count + 1 + k) % ring.length] as Sample;
  return window;
}

/** Adds pods (starting now) or removes them, the ones not yet serving and then the newest first. */
function applyReplicas(pods: Pod[], target: number, now: number, startup: number): void {
  while (pods.length < target) pods.push({ createdAt: now, readyAt: now + startup });
  if (pods.length > target) {
    pods.sort((a, b) => a.readyAt - b.readyAt);
    pods.length = target;
  }
}
