/**
 * How far a CPU recommendation may shrink the limit of a service sized on CPU: as far as its
 * replicas still carry the demand. Pure; the horizontal rule is stood for by a threshold.
 */
import { describe, expect, it } from 'vitest';
import { resourceDecision, type Decision } from '../../scaler/decision.js';
import { cpuShrinkWithinReplicas } from '../../scaler/policies/cpuShrinkWithinReplicas.js';

const shrink = (from: number, to: number) => resourceDecision('vertical', 'cpu', from, to, `p90 → ${to} cores`);
/** The replicas carry the demand at any limit of at least `cores`. */
const carryFrom = (cores: number) => (limit: number) => limit >= cores - 1e-9;
const within = (recommendation: Decision, replicasCarryAt: (cores: number) => boolean, fewerReplicasWouldCarry = false, margin = 0) =>
  cpuShrinkWithinReplicas({ recommendation, replicasCarryAt, fewerReplicasWouldCarry, margin, minChangeFraction: 0.1 });

describe('cpuShrinkWithinReplicas', () => {
  it('waits while one replica fewer would carry the demand: replicas are shed first, each has its own fixed cost', () => {
    const decision = within(shrink(0.5, 0.2), carryFrom(0.15), true);
    expect(decision).toMatchObject({ action: 'none', from: 0.5, to: 0.5 });
    expect(decision.reason).toBe('p90 → 0.2 cores; not applied: one replica fewer carries the demand at the limit now, and replicas are shed before the limit shrinks');
  });

  it('takes the recommendation whole when the replicas carry the demand at it', () => {
    const decision = within(shrink(0.5, 0.2), carryFrom(0.15));
    expect(decision).toMatchObject({ action: 'scale_down', from: 0.5, to: 0.2 });
    expect(decision.reason).toBe('p90 → 0.2 cores; the replicas still carry the demand at it, with 0% to spare');
  });

  it('otherwise stops at the smallest limit, in hundredths of a core, at which they do', () => {
    const decision = within(shrink(0.5, 0.2), carryFrom(0.237));
    expect(decision).toMatchObject({ action: 'scale_down', from: 0.5, to: 0.24 });
    expect(decision.signals.carryingFloorCores).toBe(0.24);
    expect(decision.reason).toMatch(/shrunk only to 0\.24 cores: under it the replicas would not carry the demand/);
  });

  it('keeps a margin above the edge: the replicas must carry the demand at a limit that much smaller', () => {
    // Carried from 0.237 cores: with 10% to spare, from 0.237 × 1.1 = 0.2607, so 0.27.
    expect(within(shrink(0.5, 0.2), carryFrom(0.237), false, 0.1)).toMatchObject({ action: 'scale_down', to: 0.27 });
    expect(within(shrink(0.5, 0.2), carryFrom(0.237), false, 0.1).reason).toMatch(/shrunk only to 0\.27 cores: under it the replicas would not carry the demand with 10% to spare/);
    // The recommendation itself must leave it too: 0.2 carried from 0.19, but not with 10% to spare.
    expect(within(shrink(0.5, 0.2), carryFrom(0.19), false, 0.1)).toMatchObject({ action: 'scale_down', to: 0.21 });
    expect(within(shrink(0.5, 0.2), carryFrom(0.18), false, 0.1)).toMatchObject({ action: 'scale_down', to: 0.2 });
  });

  it('asks the horizontal rule a handful of times, not once per hundredth', () => {
    let asked = 0;
    const decision = within(shrink(2, 0.1), (limit) => {
      asked += 1;
      return limit >= 1.234;
    });
    expect(decision.to).toBe(1.24);
    expect(asked).toBeLessThanOrEqual(10);
  });

  it('makes no change when the most it could shrink is under the smallest change worth making', () => {
    const decision = within(shrink(0.5, 0.2), carryFrom(0.47));
    expect(decision).toMatchObject({ action: 'none', from: 0.5, to: 0.5 });
    expect(decision.reason).toMatch(/not applied: under 0\.47 cores the replicas would not carry the demand .* a change under 10%/);
  });

  it('makes no change when the replicas do not carry the demand even at the limit now (the horizontal rule adds replicas)', () => {
    const decision = within(shrink(0.5, 0.2), carryFrom(0.6));
    expect(decision).toMatchObject({ action: 'none', to: 0.5 });
    expect(decision.reason).toMatch(/not applied: the replicas do not carry the demand with 0% to spare even at the limit now/);
  });

  it('leaves growth, memory and no-change decisions as they are', () => {
    const never = () => false;
    const grow = resourceDecision('vertical', 'cpu', 0.2, 0.5, 'p90 high');
    const memory = resourceDecision('vertical', 'memory', 512, 256, 'p90 low');
    const none = resourceDecision('vertical', 'cpu', 0.5, 0.5, 'fits');
    for (const decision of [grow, memory, none]) expect(within(decision, never)).toBe(decision);
  });
});
