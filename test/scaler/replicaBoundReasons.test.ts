import { describe, expect, it } from 'vitest';
import { replicaDecision } from '../../scaler/decision.js';
import { adaptiveDecide, initialAdaptiveState, type AdaptiveInput, type AdaptiveSettings } from '../../scaler/policies/adaptive.js';
import { arbitrate, type ArbitrationInput } from '../../scaler/policies/arbitration.js';
import { hpaReconcile, hpaSettings, initialHpaState, type HpaSettings } from '../../scaler/policies/hpa.js';
import { boundDrivingChange, replicaBoundReason } from '../../scaler/policies/replicaBounds.js';
import { adaptiveTestSettings, MiB, steadyArbitrationInput } from './support/policyFixtures.js';

/**
 * A service outside its replica bounds is brought inside whatever its load, and the reason says so
 * first and plainly. Before, the arbitration put its own scale-out reason in front of the
 * policy's: a dry-run of a service with no replica running and a minimum of 1 said `CPU at its
 * vertical cap → scale out: 0 replicas is below the minimum of 1`, as if the cap had asked for it,
 * and `1 replicas is below the minimum of 2` had the wrong number.
 */

const NOW = 1_000_000;
const bounds = (min: number, max: number) => ({ minReplicas: min, maxReplicas: max });
const fromPolicy = (from: number, to: number, reason: string, min = 1, max = 10) => replicaDecision('adaptive', from, to, reason, {}, bounds(min, max));

const base: ArbitrationInput = { ...steadyArbitrationInput(NOW), horizontal: fromPolicy(1, 1, 'steady') };

describe('the reason of a replica bound', () => {
  it('says which bound, how many replicas (one replica, two replicas) and where to', () => {
    expect(replicaBoundReason('minimum', 1)).toBe('below the minimum of 1 replica → scale out to 1');
    expect(replicaBoundReason('minimum', 2)).toBe('below the minimum of 2 replicas → scale out to 2');
    expect(replicaBoundReason('maximum', 1)).toBe('above the maximum of 1 replica → scale in to 1');
    expect(replicaBoundReason('maximum', 5)).toBe('above the maximum of 5 replicas → scale in to 5');
  });

  it('is the bound only when the change does nothing but reach it', () => {
    expect(boundDrivingChange(fromPolicy(0, 1, '', 1))).toBe('minimum');
    expect(boundDrivingChange(fromPolicy(6, 5, '', 1, 5))).toBe('maximum');
    // Inside the bounds, or past the bound (the load asks for more): the policy's own reason.
    expect(boundDrivingChange(fromPolicy(1, 3, 'load', 1))).toBeUndefined();
    expect(boundDrivingChange(fromPolicy(1, 3, 'load', 2))).toBeUndefined();
    expect(boundDrivingChange(fromPolicy(4, 2, 'load fell', 1, 5))).toBeUndefined();
    // A policy that records no bounds.
    expect(boundDrivingChange(replicaDecision('adaptive', 0, 1, 'load'))).toBeUndefined();
  });
});

describe('the policies bring a service inside its bounds, and say so', () => {
  const adaptiveSettings = (min: number, max: number): AdaptiveSettings => ({ ...adaptiveTestSettings, minReplicas: min, maxReplicas: max });

  it('the adaptive policy: no replica running and a minimum of 1', () => {
    const { decision } = adaptiveDecide(adaptiveInput(0), initialAdaptiveState, adaptiveSettings(1, 10));
    expect(decision).toMatchObject({ action: 'scale_out', from: 0, to: 1, reason: 'below the minimum of 1 replica → scale out to 1' });
  });

  it('the adaptive policy: 1 replica and a minimum of 2; 6 and a maximum of 5', () => {
    expect(adaptiveDecide(adaptiveInput(1), initialAdaptiveState, adaptiveSettings(2, 10)).decision.reason).toBe('below the minimum of 2 replicas → scale out to 2');
    expect(adaptiveDecide(adaptiveInput(6), initialAdaptiveState, adaptiveSettings(1, 5)).decision.reason).toBe('above the maximum of 5 replicas → scale in to 5');
  });

  it('the HPA rule: 1 replica and a minimum of 3; 7 and a maximum of 4', () => {
    const hpa = (replicas: number, settings: HpaSettings) => hpaReconcile({ now: NOW, currentReplicas: replicas, pods: [], settings }, initialHpaState(replicas, NOW)).decision;
    expect(hpa(1, { ...hpaDefaults, minReplicas: 3 })).toMatchObject({ action: 'scale_out', to: 3, reason: 'below the minimum of 3 replicas → scale out to 3' });
    expect(hpa(7, { ...hpaDefaults, maxReplicas: 4 })).toMatchObject({ action: 'scale_in', to: 4, reason: 'above the maximum of 4 replicas → scale in to 4' });
  });
});

describe('arbitration: the bound alone drives the change', () => {
  const belowMinimum = fromPolicy(0, 1, 'below the minimum of 1 replica → scale out to 1');

  it('no replica running, a minimum of 1, the CPU limit at its vertical cap: the bound, not the cap', () => {
    const { decision } = arbitrate({ ...base, replicas: 0, cpuLimitCores: 2, horizontal: belowMinimum });
    expect(decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 0, to: 1, policy: 'arbitration/adaptive' });
    expect(decision.reason).toBe('below the minimum of 1 replica → scale out to 1');
  });

  it('whatever the other scale-out reasons would have been: request-driven load, several replicas, not throttled', () => {
    const toThree = fromPolicy(2, 3, 'below the minimum of 3 replicas → scale out to 3', 3);
    for (const input of [{ requestDriven: true }, { replicas: 2 }, { cpuThrottled: false }]) {
      expect(arbitrate({ ...base, replicas: 2, horizontal: toThree, ...input }).decision.reason).toBe('below the minimum of 3 replicas → scale out to 3');
    }
  });

  it('a throttled single replica under its vertical cap below a minimum of 2 gets its second replica, not more CPU', () => {
    const { decision } = arbitrate({ ...base, cpuThrottled: true, horizontal: fromPolicy(1, 2, 'below the minimum of 2 replicas → scale out to 2', 2) });
    expect(decision).toMatchObject({ action: 'scale_out', resource: 'replicas', to: 2 });
    expect(decision.reason).toBe('below the minimum of 2 replicas → scale out to 2');
  });

  it('a memory problem at the memory cap is still named, after the bound', () => {
    const { decision } = arbitrate({ ...base, memoryPressure: true, memoryLimitBytes: 1024 * MiB, horizontal: fromPolicy(1, 2, 'x', 2) });
    expect(decision.reason).toBe(`below the minimum of 2 replicas → scale out to 2; memory pressure but memory is at its cap (${1024 * MiB} bytes), raise memory.max`);
  });

  it('above the maximum: a scale-in to it, even while a vertical change settles (it reads no evidence)', () => {
    const lastVerticalChange = { at: NOW - 10_000, previousCpuLimitCores: 0.5 };
    const { decision } = arbitrate({ ...base, replicas: 6, horizontal: fromPolicy(6, 5, 'x', 1, 5), lastVerticalChange });
    expect(decision).toMatchObject({ action: 'scale_in', to: 5 });
    expect(decision.reason).toBe('above the maximum of 5 replicas → scale in to 5');
  });

  it('a scale-out the load asks for past the minimum keeps the arbitration\'s own reason', () => {
    const { decision } = arbitrate({ ...base, cpuLimitCores: 2, horizontal: fromPolicy(1, 3, 'load', 2) });
    expect(decision.reason).toBe('CPU at its vertical cap → scale out: load');
  });
});

/** With no request-rate samples at all, as a service with no replica running has none. */
function adaptiveInput(replicas: number): AdaptiveInput {
  return { now: NOW, currentReplicas: replicas, readyReplicas: replicas, requestRate: [], queueDepth: [], capacityPerReplicaRps: 50 };
}
const hpaDefaults: HpaSettings = hpaSettings({ minReplicas: 1, maxReplicas: 10, targetUtilizationPercent: 50 });
