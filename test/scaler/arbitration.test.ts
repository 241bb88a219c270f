import { describe, expect, it } from 'vitest';
import { replicaDecision, resourceDecision } from '../../scaler/decision.js';
import { arbitrate, type ArbitrationInput } from '../../scaler/policies/arbitration.js';
import { MiB, steadyArbitrationInput } from './support/policyFixtures.js';

const NOW = 1_000_000;
const none = replicaDecision('adaptive', 1, 1, 'steady');
const base: ArbitrationInput = steadyArbitrationInput(NOW);

describe('up or out: arbitration', () => {
  it('memory pressure → more memory, even when the horizontal rule wants replicas', () => {
    const { decision } = arbitrate({ ...base, memoryPressure: true, horizontal: replicaDecision('adaptive', 1, 3, 'load') });
    expect(decision).toMatchObject({ action: 'scale_up', resource: 'memory', from: 256 * MiB });
    expect(decision.to).toBe(356 * MiB); // ×1.2 = 307 MiB < +100 MiB
    expect(decision.reason).toMatch(/memory pressure → more memory, not more replicas/);
  });
  it('an OOM kill → the vertical recommender’s memory bump', () => {
    const bump = resourceDecision('vertical', 'memory', 256 * MiB, 356 * MiB, 'OOM bump');
    const { decision } = arbitrate({ ...base, oomKilled: true, verticalMemory: bump });
    expect(decision).toMatchObject({ action: 'scale_up', resource: 'memory', to: 356 * MiB });
    expect(decision.reason).toMatch(/^OOM kill/);
  });
  it('memory pressure at the memory cap → nothing to give, and it says so', () => {
    const { decision } = arbitrate({ ...base, memoryPressure: true, memoryLimitBytes: 1024 * MiB });
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/memory is at its cap/);
  });
  it('memory pressure at the memory cap while the horizontal rule scales out: the scale-out is its own, and the reason still names the memory cap', () => {
    const { decision } = arbitrate({ ...base, memoryPressure: true, memoryLimitBytes: 1024 * MiB, requestDriven: true, horizontal: replicaDecision('adaptive', 1, 3, 'rps') });
    expect(decision).toMatchObject({ action: 'scale_out', resource: 'replicas', to: 3 });
    expect(decision.reason).toBe(`memory pressure but memory is at its cap (${1024 * MiB} bytes), raise memory.max; request-rate-driven load → scale out: rps`);
  });
  it('a CPU-throttled single replica under its vertical cap grows before it multiplies', () => {
    const { decision } = arbitrate({ ...base, cpuThrottled: true, horizontal: replicaDecision('adaptive', 1, 2, 'cpu busy') });
    expect(decision).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.5, to: 1 });
    expect(decision.reason).toMatch(/grows before it multiplies/);
  });
  it('the same service at its vertical cap scales out', () => {
    const { decision } = arbitrate({ ...base, cpuThrottled: true, cpuLimitCores: 2, horizontal: replicaDecision('adaptive', 1, 2, 'cpu busy') });
    expect(decision).toMatchObject({ action: 'scale_out', resource: 'replicas', to: 2 });
    expect(decision.reason).toMatch(/vertical cap → scale out/);
  });
  it('request-rate-driven load scales out even with one throttled replica', () => {
    const { decision } = arbitrate({ ...base, cpuThrottled: true, requestDriven: true, horizontal: replicaDecision('adaptive', 1, 3, 'rps') });
    expect(decision).toMatchObject({ action: 'scale_out', to: 3 });
    expect(decision.reason).toMatch(/request-rate-driven load → scale out/);
  });
  it('several replicas scale out', () => {
    const { decision } = arbitrate({ ...base, replicas: 3, cpuThrottled: true, horizontal: replicaDecision('adaptive', 3, 5, 'load') });
    expect(decision.action).toBe('scale_out');
  });
  it('a vertical change never moves the denominator: no scale-in while it settles, the reference limit stays the old one', () => {
    const lastVerticalChange = { at: NOW - 10_000, previousCpuLimitCores: 0.5 };
    const scaleIn = replicaDecision('adaptive', 3, 2, 'usage per replica fell');
    const settling = arbitrate({ ...base, replicas: 3, cpuLimitCores: 1, horizontal: scaleIn, lastVerticalChange });
    expect(settling.decision.action).toBe('none');
    expect(settling.decision.reason).toMatch(/vertical change settling/);
    expect(settling.horizontalReferenceCpuCores).toBe(0.5);
    const settled = arbitrate({ ...base, replicas: 3, cpuLimitCores: 1, horizontal: scaleIn, lastVerticalChange: { ...lastVerticalChange, at: NOW - 120_000 } });
    expect(settled.decision.action).toBe('scale_in');
    expect(settled.horizontalReferenceCpuCores).toBe(1);
  });
  it('with replicas steady, a vertical CPU right-sizing goes through', () => {
    const { decision } = arbitrate({ ...base, verticalCpu: resourceDecision('vertical', 'cpu', 0.5, 0.3, 'p90 low') });
    expect(decision).toMatchObject({ action: 'scale_down', resource: 'cpu', to: 0.3 });
  });
  it('nothing to do says so, with the horizontal rule\'s own reason for keeping the replicas', () => {
    const { decision } = arbitrate({ ...base, horizontal: replicaDecision('adaptive', 2, 2, 'no scale-in: cooling down after a scale-out') });
    expect(decision.action).toBe('none');
    expect(decision.reason).toBe('nothing to do: replicas and limits fit the load (no scale-in: cooling down after a scale-out)');
  });
});

describe('up or out with the start-up bridge (rule 5)', () => {
  const raise = resourceDecision('bridge', 'cpu', 0.5, 1.2, '120 rps exceeds what 1 ready replicas carry at 0.5 cores: bridge at 1.2 cores until it passes or replicas serve');
  const keep = (at: number) => resourceDecision('bridge', 'cpu', at, at, `CPU limit ${at} cores fits 60 rps on 2 ready replicas`);

  it('a scale-out and the bridge go together: the replicas are the decision, the bridge goes alongside', () => {
    const result = arbitrate({ ...base, horizontal: replicaDecision('adaptive', 1, 3, 'load'), bridge: raise, bridgeBaseCpuCores: 0.5 });
    expect(result.decision).toMatchObject({ action: 'scale_out', to: 3 });
    expect(result.bridge).toMatchObject({ action: 'scale_up', to: 1.2, policy: 'arbitration/bridge' });
    expect(result.horizontalReferenceCpuCores).toBe(0.5);
  });
  it('a throttled single replica is bridged, not grown for good: the grow-first rule gives way to the bridge', () => {
    const result = arbitrate({ ...base, cpuThrottled: true, horizontal: replicaDecision('adaptive', 1, 3, 'load'), bridge: raise, bridgeBaseCpuCores: 0.5 });
    expect(result.decision).toMatchObject({ action: 'scale_out', resource: 'replicas' });
    expect(result.bridge?.to).toBe(1.2);
  });
  it('while raised, the VPA-style CPU recommendation is held, and the one reason says why', () => {
    const shrink = resourceDecision('vertical', 'cpu', 1.2, 0.4, 'p90 0.3 cores + 15% → 0.4 cores');
    const result = arbitrate({ ...base, cpuLimitCores: 1.2, verticalCpu: shrink, bridge: keep(1.2), bridgeBaseCpuCores: 0.5 });
    expect(result.decision.action).toBe('none');
    expect(result.bridge).toBeUndefined();
    expect(result.decision.reason).toBe('start-up bridge holds the CPU limit at 1.2 cores (base 0.5): CPU limit 1.2 cores fits 60 rps on 2 ready replicas; VPA-style recommendation held: p90 0.3 cores + 15% → 0.4 cores');
  });
  it('at rest, the VPA-style recommendation right-sizes the base as without a bridge', () => {
    const shrink = resourceDecision('vertical', 'cpu', 0.5, 0.4, 'p90 0.3 cores + 15% → 0.4 cores');
    const result = arbitrate({ ...base, verticalCpu: shrink, bridge: keep(0.5) });
    expect(result.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', to: 0.4, policy: 'arbitration/vertical' });
    expect(result.bridge).toBeUndefined();
  });
});
