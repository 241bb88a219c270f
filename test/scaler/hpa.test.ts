import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HPA_BEHAVIOR,
  hpaReconcile,
  hpaSettings,
  initialHpaState,
  resourceReplicas,
  scaleDownLimitFor,
  scaleUpLimitFor,
  type HpaPod,
  type HpaState,
} from '../../scaler/policies/hpa.js';

/**
 * The HPA rule pinned to the Kubernetes documentation, "Horizontal Pod Autoscaling"
 * (kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/):
 * - Algorithm details: desiredReplicas = ceil(currentReplicas × currentMetricValue / desiredMetricValue);
 *   "200m vs 100m doubles", "50m halves", tolerance 0.1; missing metrics assumed 100% on a scale
 *   down and 0% on a scale up; not-yet-ready pods set aside and assumed 0% on a scale up; the
 *   ratio is recomputed and no action is taken if it reverses direction or falls within tolerance.
 * - Default behavior: scale up by max(100%, 4 pods) per 15 s; scale down 100% per 15 s after a
 *   300 s stabilisation window (highest recommendation of the window).
 * - Scaling policies: 80 replicas with "4 pods or 10% per 60 s" → 72, then 64 ("7.2 rounded up to 8").
 * - Kubernetes blog "v1.33: HPA configurable tolerance": 50 replicas at 90% vs a 75% target → 60.
 */

const NOW = 10_000_000;
const OLD = NOW - 3_600_000; // started an hour ago: past the 5 min CPU initialisation period

function pod(utilisationPercent: number | undefined, extra: Partial<HpaPod> = {}): HpaPod {
  return {
    phase: 'Running',
    ready: true,
    startTime: OLD,
    readyTransitionTime: OLD + 30_000,
    requestMilli: 1000,
    metric: utilisationPercent === undefined ? undefined : { usageMilli: utilisationPercent * 10, timestamp: NOW, windowMs: 15_000 },
    ...extra,
  };
}
const pods = (n: number, utilisationPercent: number) => Array.from({ length: n }, () => pod(utilisationPercent));
const replicas = (current: number, list: HpaPod[], target: number) => {
  const result = resourceReplicas(current, list, target, 0.1, NOW);
  if (!result.ok) throw new Error(result.error);
  return result.replicas;
};

describe('the HPA replica calculation (Algorithm details)', () => {
  it('doubles the replicas when the metric is twice the target (200m vs 100m)', () => {
    expect(replicas(4, pods(4, 100), 50)).toBe(8);
  });
  it('halves them when it is half the target (50m vs 100m)', () => {
    expect(replicas(4, pods(4, 25), 50)).toBe(2);
  });
  it('50 replicas at 90% against a 75% target become ceil(50 × 90/75) = 60', () => {
    expect(replicas(50, pods(50, 90), 75)).toBe(60);
  });
  it('skips any change within the 0.1 tolerance, and acts just outside it', () => {
    expect(replicas(4, pods(4, 54), 50)).toBe(4); // ratio 1.08: within
    expect(replicas(4, pods(4, 56), 50)).toBe(5); // ratio 1.12: ceil(4.48)
    // exactly 1.1 is outside in float64 (|1 - 55/50| = 0.10000000000000009), in Go as here
    expect(replicas(4, pods(4, 55), 50)).toBe(5);
    expect(replicas(10, pods(10, 45), 50)).toBe(10); // ratio 0.90: within
    expect(replicas(10, pods(10, 44), 50)).toBe(9); // ratio 0.88: ceil(8.8)
  });
  it('a missing metric counts as 100% of the request on the way down (3 pods at 20%, 1 missing, target 50%)', () => {
    // without the rule: ceil(0.4 × 3) = 2; with it: (20+20+20+100)/4 = 40% → ratio 0.8 → ceil(3.2) = 4 = no change
    expect(replicas(4, [...pods(3, 20), pod(undefined)], 50)).toBe(4);
  });
  it('a missing metric counts as 0% on the way up (2 pods at 90%, 2 missing, target 50%)', () => {
    // ratio 1.8 on what is seen; with the missing at 0%: 45% → ratio 0.9, within tolerance → no change
    expect(replicas(4, [...pods(2, 90), pod(undefined), pod(undefined)], 50)).toBe(4);
  });
  it('not-yet-ready pods are set aside, and count as 0% when the rest would scale up', () => {
    const starting = pod(0, { ready: false, startTime: NOW - 10_000, readyTransitionTime: NOW - 10_000 });
    // 2 ready at 100%, 2 starting: (100+100+0+0)/4 = 50% → ratio 1.0 → no change (instead of 4 → 4·2)
    expect(replicas(4, [...pods(2, 100), starting, { ...starting }], 50)).toBe(4);
    // 2 ready at 150%, 2 starting: 75% → ratio 1.5 → ceil(1.5 × 4) = 6
    expect(replicas(4, [...pods(2, 150), starting, { ...starting }], 50)).toBe(6);
  });
  it('ignores the CPU sample of a pod that became ready less than one metric window ago (within the initialisation period)', () => {
    const justReady = pod(300, { startTime: NOW - 60_000, readyTransitionTime: NOW - 5_000 });
    // the 300% sample of the warming pod is ignored: 2 pods at 50% → ratio 1 → no change
    expect(replicas(3, [...pods(2, 50), justReady], 50)).toBe(3);
  });
  it('ignores pending and failed pods, and pods being deleted', () => {
    const list = [...pods(2, 100), pod(500, { phase: 'Pending' }), pod(500, { phase: 'Failed' }), pod(500, { deleting: true })];
    expect(replicas(2, list, 50)).toBe(4);
  });
  it('truncates the utilisation to a whole percent, as the controller does (77.9% → 77%)', () => {
    const result = resourceReplicas(1, [pod(77.9)], 70, 0.1, NOW);
    expect(result.ok && result.utilizationPercent).toBe(77);
  });
  it('reports an error, and the reconcile keeps the size, when no ready pod has a metric', () => {
    const noMetrics = resourceReplicas(1, [pod(50, { ready: undefined })], 50, 0.1, NOW);
    expect(noMetrics.ok).toBe(false);
    const settings = hpaSettings({ minReplicas: 1, maxReplicas: 10, targetUtilizationPercent: 50 });
    const { decision } = hpaReconcile({ now: NOW, currentReplicas: 1, pods: [pod(50, { ready: undefined })], settings }, initialHpaState(1, NOW));
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/no scaling/);
  });
});

describe('the HPA behaviour (Default behavior, Scaling policies, Stabilization window)', () => {
  const settings = hpaSettings({ minReplicas: 1, maxReplicas: 100, targetUtilizationPercent: 50 });

  it('the defaults are the documented ones', () => {
    expect(DEFAULT_HPA_BEHAVIOR.scaleUp.policies).toEqual([
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ]);
    expect(DEFAULT_HPA_BEHAVIOR.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(DEFAULT_HPA_BEHAVIOR.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(settings.tolerance).toBe(0.1);
  });

  it('scales up by at most max(+100%, +4 pods) per 15 s', () => {
    const empty: HpaState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
    expect(scaleUpLimitFor(NOW, 1, empty, settings.scaleUp)).toBe(5); // 1 + 4 beats 2 × 1
    expect(scaleUpLimitFor(NOW, 10, empty, settings.scaleUp)).toBe(20); // 2 × 10 beats 10 + 4
    // a scale-up 10 s ago from 10 to 20 counts against the same 15 s period
    const after = { ...empty, scaleUpEvents: [{ change: 10, time: NOW - 10_000 }] };
    expect(scaleUpLimitFor(NOW, 20, after, settings.scaleUp)).toBe(20);
  });

  it('a sudden tenfold load goes 2 → 6 → 12 → 24 in three syncs, not at once', () => {
    let state = initialHpaState(2, NOW - 300_000);
    let current = 2;
    const seen: number[] = [];
    for (let sync = 0; sync < 3; sync += 1) {
      const now = NOW + sync * 15_000;
      const result = hpaReconcile({ now, currentReplicas: current, pods: pods(current, 500), settings }, state);
      state = result.state;
      current = result.decision.to;
      seen.push(current);
    }
    expect(seen).toEqual([6, 12, 24]);
  });

  it('scales down only to the highest recommendation of the last 300 s', () => {
    let state = initialHpaState(8, NOW - 600_000);
    // at NOW the load drops to a quarter: the recommendation is 2, but 8 was recommended at NOW-600 s (outside) ...
    state = { ...state, recommendations: [{ replicas: 8, time: NOW - 200_000 }] };
    const held = hpaReconcile({ now: NOW, currentReplicas: 8, pods: pods(8, 12.5), settings }, state);
    expect(held.decision.to).toBe(8);
    expect(held.decision.reason).toMatch(/stabilisation window/);
    // ... 101 s later the 8 has left the window; the highest remaining is 2
    const dropped = hpaReconcile({ now: NOW + 101_000, currentReplicas: 8, pods: pods(8, 12.5), settings }, held.state);
    expect(dropped.decision.to).toBe(2);
    expect(dropped.decision.action).toBe('scale_in');
  });

  it('a scale-down part of the way, set by the window, says so in its reason', () => {
    // 5 was recommended 100 s ago: from 8, a recommendation of 2 goes to 5, not 2
    const state: HpaState = { ...initialHpaState(8, NOW - 600_000), recommendations: [{ replicas: 5, time: NOW - 100_000 }] };
    const step = hpaReconcile({ now: NOW, currentReplicas: 8, pods: pods(8, 12.5), settings }, state);
    expect(step.decision.to).toBe(5);
    expect(step.decision.reason).toBe('cpu 12% of request vs target 50% → 2 (5: the highest recommendation of the last 300 s)');
  });

  it('the documented scale-down example: 4 pods or 10% per 60 s, from 80: 72, then 64, then by 4 below 40', () => {
    const rules = {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max' as const,
      policies: [
        { type: 'Pods' as const, value: 4, periodSeconds: 60 },
        { type: 'Percent' as const, value: 10, periodSeconds: 60 },
      ],
    };
    const empty: HpaState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
    expect(scaleDownLimitFor(NOW, 80, empty, rules)).toBe(72);
    expect(scaleDownLimitFor(NOW, 72, empty, rules)).toBe(64); // 7.2 "rounded up to 8"
    expect(scaleDownLimitFor(NOW, 36, empty, rules)).toBe(32);
    // within the same minute, the step already taken counts against the period
    expect(scaleDownLimitFor(NOW, 72, { ...empty, scaleDownEvents: [{ change: 8, time: NOW - 30_000 }] }, rules)).toBe(72);
    expect(scaleDownLimitFor(NOW, 80, empty, { ...rules, selectPolicy: 'Min' })).toBe(76);
    expect(scaleDownLimitFor(NOW, 80, empty, { ...rules, selectPolicy: 'Disabled' })).toBe(80);
  });

  it('keeps within min and max replicas', () => {
    const capped = hpaReconcile({ now: NOW, currentReplicas: 8, pods: pods(8, 500), settings: { ...settings, maxReplicas: 10 } }, initialHpaState(8, NOW - 600_000));
    expect(capped.decision.to).toBe(10);
    const over = hpaReconcile({ now: NOW, currentReplicas: 12, pods: pods(12, 50), settings: { ...settings, maxReplicas: 10 } }, initialHpaState(12, NOW));
    expect(over.decision.to).toBe(10);
  });

  it('its decision is plain data that survives JSON', () => {
    const { decision } = hpaReconcile({ now: NOW, currentReplicas: 4, pods: pods(4, 100), settings }, initialHpaState(4, NOW - 600_000));
    expect(decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 4, to: 8, policy: 'hpa' });
    expect(decision.signals.cpuUtilizationPercent).toBe(100);
    expect(decision.thresholds.targetUtilizationPercent).toBe(50);
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});
