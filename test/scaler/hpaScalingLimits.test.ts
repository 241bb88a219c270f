import { describe, expect, it } from 'vitest';
import { scaleDownLimitFor, scaleUpLimitFor, type HpaScalingRules, type HpaState } from '../../scaler/policies/hpa.js';

/**
 * The scaling limits of the HPA rule, as Kubernetes' calculateScaleUpLimitWithScalingRules and
 * calculateScaleDownLimitWithBehaviors compute them: every policy proposes a limit from the replicas
 * there were when its period began; selectPolicy Max takes the proposal that allows the largest
 * change, Min the smallest, in either direction.
 */

const NOW = 10_000_000;
const empty: HpaState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
const rules = (selectPolicy: HpaScalingRules['selectPolicy'], policies: HpaScalingRules['policies']): HpaScalingRules => ({ stabilizationWindowSeconds: 0, selectPolicy, policies });
const upPolicies: HpaScalingRules['policies'] = [
  { type: 'Percent', value: 100, periodSeconds: 15 },
  { type: 'Pods', value: 4, periodSeconds: 60 },
];

describe('HPA scaling limits', () => {
  it('up: Max takes the highest proposal, Min the lowest', () => {
    expect(scaleUpLimitFor(NOW, 10, empty, rules('Max', upPolicies))).toBe(20); // 100% of 10 beats 10 + 4
    expect(scaleUpLimitFor(NOW, 10, empty, rules('Min', upPolicies))).toBe(14);
  });

  it('up: each policy counts from the start of its own period', () => {
    // 10 → 14 twenty seconds ago: outside the 15 s period, inside the 60 s one.
    const state: HpaState = { ...empty, scaleUpEvents: [{ change: 4, time: NOW - 20_000 }] };
    expect(scaleUpLimitFor(NOW, 14, state, rules('Max', upPolicies))).toBe(28); // 100% of 14
    expect(scaleUpLimitFor(NOW, 14, state, rules('Min', upPolicies))).toBe(14); // 10 + 4: nothing more this minute
  });

  it('down: Max takes the lowest proposal, Min the highest; a Percent proposal is truncated, so the removal rounds up', () => {
    const downPolicies: HpaScalingRules['policies'] = [
      { type: 'Percent', value: 25, periodSeconds: 60 },
      { type: 'Pods', value: 1, periodSeconds: 60 },
    ];
    expect(scaleDownLimitFor(NOW, 7, empty, rules('Max', downPolicies))).toBe(5); // int32(7 × 0.75) = 5: 2 removed, not 1.75
    expect(scaleDownLimitFor(NOW, 7, empty, rules('Min', downPolicies))).toBe(6);
  });

  it('with no policy, Max allows no change and Min sets no limit, from the same seeds as Kubernetes\' MinInt32 and MaxInt32', () => {
    expect(scaleUpLimitFor(NOW, 10, empty, rules('Max', []))).toBe(Number.MIN_SAFE_INTEGER);
    expect(scaleUpLimitFor(NOW, 10, empty, rules('Min', []))).toBe(Number.MAX_SAFE_INTEGER);
    expect(scaleDownLimitFor(NOW, 10, empty, rules('Max', []))).toBe(Number.MAX_SAFE_INTEGER);
    expect(scaleDownLimitFor(NOW, 10, empty, rules('Min', []))).toBe(Number.MIN_SAFE_INTEGER);
  });
});
