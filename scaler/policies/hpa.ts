import { replicaDecision, type Decision } from '../decision.js';
import { replicaBoundReason } from './replicaBounds.js';

/**
 * The Kubernetes Horizontal Pod Autoscaler rule, as the baseline our policy must beat. It follows
 * the algorithm described in the Kubernetes documentation ("Horizontal Pod Autoscaling",
 * section "Algorithm details" and "Configurable scaling behavior") and the controller it
 * describes (pkg/controller/podautoscaler: replica_calculator.go GetResourceReplicas, groupPods,
 * horizontal.go stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithBehaviorRate,
 * calculateScaleUp/DownLimit...). Nothing here is tuned: a weaker baseline would be a lie.
 *
 * Pure: the caller passes the pods and the controller's memory (`HpaState`) and gets both back.
 */

export interface HpaPodMetric {
  /** CPU used, in millicores, averaged over `windowMs` ending at `timestamp`. */
  usageMilli: number;
  timestamp: number;
  windowMs: number;
}

/** What the HPA controller knows of one pod. Times are ms since the epoch. */
export interface HpaPod {
  phase: 'Pending' | 'Running' | 'Failed';
  /** Has a deletion timestamp (shutting down): ignored entirely. */
  deleting?: boolean;
  /** Status of the Ready condition; undefined when the pod has no Ready condition yet. */
  ready?: boolean;
  startTime?: number;
  /** When the Ready condition last changed. */
  readyTransitionTime?: number;
  /** CPU request in millicores: utilisation is usage / request. */
  requestMilli: number;
  /** Undefined when metrics-server has no sample for this pod ("missing"). */
  metric?: HpaPodMetric;
}

export interface HpaScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HpaScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: HpaScalingPolicy[];
}

export interface HpaSettings {
  minReplicas: number;
  maxReplicas: number;
  /** averageUtilization of the CPU resource metric, in percent of the request. */
  targetUtilizationPercent: number;
  /** --horizontal-pod-autoscaler-tolerance, 0.1 by default. */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period, 5 min by default. */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay, 30 s by default. */
  initialReadinessDelayMs: number;
  scaleUp: HpaScalingRules;
  scaleDown: HpaScalingRules;
}

/** The documented defaults ("Default behavior"): up 100% or 4 pods per 15 s, down 100% per 15 s after a 300 s window. */
export const DEFAULT_HPA_BEHAVIOR: Pick<HpaSettings, 'scaleUp' | 'scaleDown'> = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  },
};

export function hpaSettings(overrides: Partial<HpaSettings> & Pick<HpaSettings, 'minReplicas' | 'maxReplicas' | 'targetUtilizationPercent'>): HpaSettings {
  return {
    tolerance: 0.1,
    cpuInitializationPeriodMs: 300_000,
    initialReadinessDelayMs: 30_000,
    ...DEFAULT_HPA_BEHAVIOR,
    ...overrides,
  };
}

export type ReplicaCalculation =
  | { ok: true; replicas: number; utilizationPercent: number; readyPodCount: number; ignored: number; missing: number }
  | { ok: false; error: string };

/**
 * GetResourceReplicas: the desired replica count for a CPU utilisation target, with the
 * tolerance, the set-aside of not-yet-ready pods and the conservative filling of missing metrics.
 */
export function resourceReplicas(
  currentReplicas: number,
  pods: readonly HpaPod[],
  targetUtilizationPercent: number,
  tolerance: number,
  now: number,
  settings: Pick<HpaSettings, 'cpuInitializationPeriodMs' | 'initialReadinessDelayMs'> = { cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000 },
): ReplicaCalculation {
  if (pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const { readyPodCount, ignored, missing, metrics } = groupPods(pods, now, settings.cpuInitializationPeriodMs, settings.initialReadinessDelayMs);
  if (metrics.length === 0) return { ok: false, error: 'did not receive metrics for any ready pods' };

  const { ratio: usageRatio, utilizationPercent } = utilizationRatio(metrics, targetUtilizationPercent);
  const rebalanceIgnored = ignored.length > 0 && usageRatio > 1.0;
  if (!rebalanceIgnored && missing.length === 0) {
    if (Math.abs(1.0 - usageRatio) <= tolerance) return { ok: true, replicas: currentReplicas, utilizationPercent, readyPodCount, ignored: ignored.length, missing: 0 };
    return { ok: true, replicas: Math.ceil(usageRatio * readyPodCount), utilizationPercent, readyPodCount, ignored: ignored.length, missing: 0 };
  }

  const adjusted = [...metrics];
  if (missing.length > 0) {
    // Scale-down: a pod we cannot see might be busy, so assume 100% of its request.
    // Scale-up: assume 0%, so an invisible pod never inflates a scale-up.
    if (usageRatio < 1.0) for (const pod of missing) adjusted.push({ usageMilli: pod.requestMilli, requestMilli: pod.requestMilli });
    else if (usageRatio > 1.0) for (const pod of missing) adjusted.push({ usageMilli: 0, requestMilli: pod.requestMilli });
  }
  if (rebalanceIgnored) for (const pod of ignored) adjusted.push({ usageMilli: 0, requestMilli: pod.requestMilli });

  const { ratio: newUsageRatio } = utilizationRatio(adjusted, targetUtilizationPercent);
  const flipped = (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0);
  if (Math.abs(1.0 - newUsageRatio) <= tolerance || flipped) {
    return { ok: true, replicas: currentReplicas, utilizationPercent, readyPodCount, ignored: ignored.length, missing: missing.length };
  }
  const newReplicas = Math.ceil(newUsageRatio * adjusted.length);
  if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
    return { ok: true, replicas: currentReplicas, utilizationPercent, readyPodCount, ignored: ignored.length, missing: missing.length };
  }
  return { ok: true, replicas: newReplicas, utilizationPercent, readyPodCount, ignored: ignored.length, missing: missing.length };
}

interface MetricEntry {
  usageMilli: number;
  requestMilli: number;
}

function groupPods(pods: readonly HpaPod[], now: number, cpuInitializationPeriodMs: number, initialReadinessDelayMs: number) {
  const ignored: HpaPod[] = [];
  const missing: HpaPod[] = [];
  const metrics: MetricEntry[] = [];
  let readyPodCount = 0;
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') continue;
    if (pod.phase === 'Pending') {
      ignored.push(pod);
      continue;
    }
    const metric = pod.metric;
    if (metric === undefined) {
      missing.push(pod);
      continue;
    }
    let ignore: boolean;
    if (pod.ready === undefined || pod.startTime === undefined) {
      ignore = true;
    } else if (pod.startTime + cpuInitializationPeriodMs > now) {
      // Still within the initialisation period: the sample counts only if the pod is ready and
      // the whole sample window was taken after it became ready.
      const transition = pod.readyTransitionTime ?? pod.startTime;
      ignore = pod.ready === false || metric.timestamp < transition + metric.windowMs;
    } else {
      const transition = pod.readyTransitionTime ?? pod.startTime;
      ignore = pod.ready === false && pod.startTime + initialReadinessDelayMs > transition;
    }
    if (ignore) {
      ignored.push(pod);
      continue;
    }
    metrics.push({ usageMilli: metric.usageMilli, requestMilli: pod.requestMilli });
    readyPodCount += 1;
  }
  return { readyPodCount, ignored, missing, metrics };
}

/** GetResourceUtilizationRatio: integer percent of the summed request, then over the target. */
function utilizationRatio(metrics: readonly MetricEntry[], targetUtilizationPercent: number): { ratio: number; utilizationPercent: number } {
  let usage = 0;
  let requests = 0;
  for (const entry of metrics) {
    usage += Math.round(entry.usageMilli);
    requests += Math.round(entry.requestMilli);
  }
  // Kubernetes computes int32(usage*100/requests): the utilisation is truncated to a whole percent.
  const utilizationPercent = Math.trunc((usage * 100) / requests);
  return { ratio: utilizationPercent / targetUtilizationPercent, utilizationPercent };
}

/** The controller's memory between two syncs, per HPA object. */
export interface HpaState {
  /** Unstabilised recommendations with their times (for the stabilisation windows). */
  recommendations: { replicas: number; time: number }[];
  scaleUpEvents: { change: number; time: number }[];
  scaleDownEvents: { change: number; time: number }[];
}

export function initialHpaState(currentReplicas: number, now: number): HpaState {
  // maybeInitScaleDownStabilizationWindow: a new HPA remembers the current size as a
  // recommendation, so it does not scale down in its first window.
  return { recommendations: [{ replicas: currentReplicas, time: now }], scaleUpEvents: [], scaleDownEvents: [] };
}

export interface HpaInput {
  now: number;
  /** spec.replicas of the scale target. */
  currentReplicas: number;
  pods: readonly HpaPod[];
  settings: HpaSettings;
}

export interface HpaResult {
  decision: Decision;
  state: HpaState;
}

/** One reconcile of the HPA controller (every --horizontal-pod-autoscaler-sync-period, 15 s). */
export function hpaReconcile(input: HpaInput, state: HpaState): HpaResult {
  const { now, currentReplicas, settings } = input;
  const thresholds = {
    targetUtilizationPercent: settings.targetUtilizationPercent,
    tolerance: settings.tolerance,
    minReplicas: settings.minReplicas,
    maxReplicas: settings.maxReplicas,
  };
  if (currentReplicas === 0 && settings.minReplicas !== 0) {
    return { decision: replicaDecision('hpa', 0, 0, 'scaling is disabled: the target has 0 replicas', {}, thresholds), state };
  }
  let desired: number;
  let reason: string;
  const signals: Record<string, number | undefined> = {};
  if (currentReplicas > settings.maxReplicas) {
    desired = settings.maxReplicas;
    reason = replicaBoundReason('maximum', settings.maxReplicas);
  } else if (currentReplicas < settings.minReplicas) {
    desired = settings.minReplicas;
    reason = replicaBoundReason('minimum', settings.minReplicas);
  } else {
    const calc = resourceReplicas(currentReplicas, input.pods, settings.targetUtilizationPercent, settings.tolerance, now, settings);
    if (!calc.ok) {
      // No metric, no action: the controller reports the failure and keeps the size.
      return { decision: replicaDecision('hpa', currentReplicas, currentReplicas, `no scaling: ${calc.error}`, {}, thresholds), state };
    }
    signals.cpuUtilizationPercent = calc.utilizationPercent;
    signals.readyPods = calc.readyPodCount;
    signals.ignoredPods = calc.ignored;
    signals.missingPods = calc.missing;
    signals.metricRecommendation = calc.replicas;
    const normalized = normalizeWithBehaviors(now, currentReplicas, calc.replicas, settings, state);
    state = normalized.state;
    desired = normalized.replicas;
    reason = `cpu ${calc.utilizationPercent}% of request vs target ${settings.targetUtilizationPercent}% → ${calc.replicas}${normalized.limit ? ` (${normalized.limit})` : ''}`;
  }
  if (desired !== currentReplicas) state = storeScaleEvent(state, now, currentReplicas, desired, settings);
  return { decision: replicaDecision('hpa', currentReplicas, desired, reason, signals, thresholds), state };
}

function normalizeWithBehaviors(now: number, current: number, prenormalized: number, settings: HpaSettings, state: HpaState) {
  // stabilizeRecommendationWithBehaviors
  const upCutoff = now - settings.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - settings.scaleDown.stabilizationWindowSeconds * 1000;
  let upRecommendation = prenormalized;
  let downRecommendation = prenormalized;
  for (const rec of state.recommendations) {
    if (rec.time > upCutoff) upRecommendation = Math.min(rec.replicas, upRecommendation);
    if (rec.time > downCutoff) downRecommendation = Math.max(rec.replicas, downRecommendation);
  }
  let stabilized = current;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  const keepCutoff = Math.min(upCutoff, downCutoff);
  const recommendations = [...state.recommendations.filter((rec) => rec.time > keepCutoff), { replicas: prenormalized, time: now }];
  const nextState = { ...state, recommendations };

  // convertDesiredReplicasWithBehaviorRate
  let limit = '';
  let replicas = stabilized;
  if (stabilized > current) {
    let scaleUpLimit = scaleUpLimitFor(now, current, nextState, settings.scaleUp);
    if (scaleUpLimit < current) scaleUpLimit = current;
    const maximumAllowed = Math.min(settings.maxReplicas, scaleUpLimit);
    if (stabilized > maximumAllowed) {
      replicas = maximumAllowed;
      limit = maximumAllowed === settings.maxReplicas ? `capped at maxReplicas ${settings.maxReplicas}` : `scale-up rate limit ${scaleUpLimit}`;
    }
  } else if (stabilized < current) {
    let scaleDownLimit = scaleDownLimitFor(now, current, nextState, settings.scaleDown);
    if (scaleDownLimit > current) scaleDownLimit = current;
    const minimumAllowed = Math.max(settings.minReplicas, scaleDownLimit);
    if (stabilized < minimumAllowed) {
      replicas = minimumAllowed;
      limit = minimumAllowed === settings.minReplicas ? `floored at minReplicas ${settings.minReplicas}` : `scale-down rate limit ${scaleDownLimit}`;
    }
  } else if (prenormalized < current) {
    limit = `held by the ${settings.scaleDown.stabilizationWindowSeconds} s scale-down stabilisation window`;
  }
  // A step part of the way to the recommendation: the stabilisation windows set it, not a rate limit.
  if (limit === '' && replicas !== prenormalized && replicas !== current) {
    limit =
      replicas > prenormalized
        ? `${replicas}: the highest recommendation of the last ${settings.scaleDown.stabilizationWindowSeconds} s`
        : `${replicas}: the lowest recommendation of the last ${settings.scaleUp.stabilizationWindowSeconds} s`;
  }
  return { replicas, state: nextState, limit };
}

function changeInPeriod(events: readonly { change: number; time: number }[], now: number, periodSeconds: number): number {
  const cutoff = now - periodSeconds * 1000;
  let total = 0;
  for (const event of events) if (event.time > cutoff) total += event.change;
  return total;
}

/**
 * calculateScaleUpLimitWithScalingRules: each policy allows so many replicas more than there were at
 * the start of its period; for scaling up the smallest change (selectPolicy Min) is the lowest limit.
 */
export function scaleUpLimitFor(now: number, current: number, state: HpaState, rules: HpaScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = policyProposals(now, current, state, rules, (periodStart, policy) =>
    policy.type === 'Pods' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100)));
  return rules.selectPolicy === 'Min' ? Math.min(Number.MAX_SAFE_INTEGER, ...proposals) : Math.max(Number.MIN_SAFE_INTEGER, ...proposals);
}

/**
 * calculateScaleDownLimitWithBehaviors: each policy allows so many replicas fewer than there were at
 * the start of its period; for scaling down the smallest change (selectPolicy Min) is the highest limit.
 */
export function scaleDownLimitFor(now: number, current: number, state: HpaState, rules: HpaScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = policyProposals(now, current, state, rules, (periodStart, policy) =>
    // int32(float64(periodStartReplicas) * (1 - value/100)): truncation, so the removal rounds up.
    policy.type === 'Pods' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100)));
  return rules.selectPolicy === 'Min' ? Math.max(Number.MIN_SAFE_INTEGER, ...proposals) : Math.min(Number.MAX_SAFE_INTEGER, ...proposals);
}

/** Each policy's limit, proposed from the replicas there were when its period began: the scale-ups within it taken off, the scale-downs put back. */
function policyProposals(
  now: number,
  current: number,
  state: HpaState,
  rules: HpaScalingRules,
  propose: (periodStartReplicas: number, policy: HpaScalingPolicy) => number,
): number[] {
  return rules.policies.map((policy) => {
    const added = changeInPeriod(state.scaleUpEvents, now, policy.periodSeconds);
    const deleted = changeInPeriod(state.scaleDownEvents, now, policy.periodSeconds);
    return propose(current - added + deleted, policy);
  });
}

function storeScaleEvent(state: HpaState, now: number, previous: number, next: number, settings: HpaSettings): HpaState {
  if (next > previous) {
    const keep = now - longestPeriodMs(settings.scaleUp);
    return { ...state, scaleUpEvents: [...state.scaleUpEvents.filter((e) => e.time > keep), { change: next - previous, time: now }] };
  }
  const keep = now - longestPeriodMs(settings.scaleDown);
  return { ...state, scaleDownEvents: [...state.scaleDownEvents.filter((e) => e.time > keep), { change: previous - next, time: now }] };
}

function longestPeriodMs(rules: HpaScalingRules): number {
  return Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
}
