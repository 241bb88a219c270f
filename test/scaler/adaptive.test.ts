import { describe, expect, it } from 'vitest';
import { adaptiveDecide, initialAdaptiveState, type AdaptiveInput, type AdaptiveSettings, type AdaptiveState } from '../../scaler/policies/adaptive.js';
import { bridgeCpuLimit } from '../../scaler/policies/verticalBridge.js';
import { statedBridgeChange } from '../../scaler/policies/arbitration.js';
import { bridgeDemand } from '../../scaler/policies/bridgeDemand.js';
import { initialLatencyCorrection } from '../../scaler/policies/latencyCorrection.js';
import type { Sample } from '../../scaler/samples.js';
import { syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { adaptiveTestSettings } from './support/policyFixtures.js';

const settings: AdaptiveSettings = adaptiveTestSettings;
const NOW = 999_990_000; // a multiple of 15 s, so scale-in is weighed at this evaluation
/** One sample per second for `seconds`, ending at NOW, valued by `rate(secondsAgo)`. */
function rates(seconds: number, rate: (secondsAgo: number) => number): Sample[] {
  return Array.from({ length: seconds }, (_, i) => ({ time: NOW - (seconds - 1 - i) * 1000, value: rate(seconds - 1 - i) }));
}
const input = (overrides: Partial<AdaptiveInput>): AdaptiveInput => ({
  now: NOW,
  currentReplicas: 4,
  readyReplicas: 4,
  requestRate: rates(600, () => 100),
  queueDepth: [],
  capacityPerReplicaRps: 50, // 40 rps per replica at the 80% target
  ...overrides,
});
/** Alternating ±6 rps: enough per-second noise for a line to be tested, none for a level to drift. */
const jitter = (secondsAgo: number) => (secondsAgo % 2 === 0 ? 6 : -6);
/** The last 301 s up to `second` of the held-out square wave (bursts of 120 s every 6 min), as the simulator plays it. */
function squareWaveUntil(second: number): Sample[] {
  const trace = syntheticTrace('square-120s');
  return Array.from({ length: 301 }, (_, i) => ({ time: (second - 300 + i) * 1000, value: (trace.values[second - 300 + i] as number) * 1.27 }));
}
const decide = (overrides: Partial<AdaptiveInput>, state: AdaptiveState = initialAdaptiveState) => adaptiveDecide(input(overrides), state, settings);

describe('the adaptive policy', () => {
  it('holds when it cannot see: the newest sample is older than three evaluations', () => {
    const { decision } = decide({ requestRate: rates(600, () => 100).map((s) => ({ ...s, time: s.time - 60_000 })) });
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/newest request-rate sample is 60 s old/);
  });
  it('brings a service inside its bounds first, whatever the load and even with no data (as the HPA does)', () => {
    const below = adaptiveDecide(input({ currentReplicas: 1, readyReplicas: 1, requestRate: [] }), initialAdaptiveState, { ...settings, minReplicas: 2 });
    expect(below.decision).toMatchObject({ action: 'scale_out', from: 1, to: 2, reason: 'below the minimum of 2 replicas → scale out to 2' });
    expect(below.state.lastScaleOutAt).toBe(NOW);
    const above = adaptiveDecide(input({ currentReplicas: 6, readyReplicas: 6 }), initialAdaptiveState, { ...settings, maxReplicas: 5 });
    expect(above.decision).toMatchObject({ action: 'scale_in', from: 6, to: 5, reason: 'above the maximum of 5 replicas → scale in to 5' });
  });
  it('steady load that fits: nothing to do', () => {
    const { decision } = decide({ requestRate: rates(600, () => 130) });
    expect(decision.action).toBe('none');
  });
  it('sizes on arrivals, so one step reaches the right size past saturation (3× the capacity → 12 replicas)', () => {
    // 4 replicas carry 200 rps at 100%; 480 rps arrive: CPU would read 100%, arrivals say 480
    const { decision } = decide({ requestRate: rates(600, (ago) => (ago < 120 ? 480 : 100)) });
    expect(decision).toMatchObject({ action: 'scale_out', from: 4, to: 12 });
  });
  it('goes into panic when the 6 s demand is ≥ 200% of what the ready replicas carry, and blocks scale-in', () => {
    const spike = rates(600, (ago) => (ago < 6 ? 400 : 100));
    const first = adaptiveDecide(input({ requestRate: spike, bridgeFactor: 1 }), initialAdaptiveState, settings);
    expect(first.decision.action).toBe('scale_out');
    expect(first.decision.reason).toMatch(/^panic: /);
    expect(first.state.panicUntil).toBe(NOW + 60_000);
  });
  it('with a vertical bridge, a burst the bridge can carry does not add replicas at once', () => {
    const spike = rates(600, (ago) => (ago < 2 ? 300 : 100));
    const { decision } = decide({ requestRate: spike, bridgeFactor: 4 });
    expect(decision.action).toBe('none');
  });
  describe('with a bridge, replicas are bought for demand that has held (a replica is paid for a flap window at least)', () => {
    // 4 ready replicas carry 160 rps at the 80% target, 640 bridged to 4×; 300 rps needs 8 at 40.
    const burstFor = (seconds: number) => rates(600, (ago) => (ago < seconds ? 300 : 100));
    it('rents a burst of a minute from the bridge: no replica, the bridge sized for it', () => {
      const result = decide({ requestRate: burstFor(60), bridgeFactor: 4 });
      expect(result.decision.action).toBe('none');
      expect(result.decision.signals).toMatchObject({ busySecond: 300, heldBusySecond: 100, heldLevel: 100 });
      expect(result.bridgeNow.demandRps).toBeGreaterThan(160);
    });
    it('buys the replicas once the burst has lasted every minute of the flap window', () => {
      const { decision } = decide({ requestRate: burstFor(300), bridgeFactor: 4 });
      expect(decision).toMatchObject({ action: 'scale_out', from: 4, to: 8 });
      expect(decision.reason).toBe('300.0 rps held over 300 s needs 8 replicas at 40.0 rps each');
      expect(decide({ requestRate: burstFor(240), bridgeFactor: 4 }).decision.action).toBe('none');
    });
    it('buys none for a spell that held every minute of the flap window but has just ended: they would serve nothing for a flap window', () => {
      const ended = decide({ requestRate: rates(600, (ago) => (ago >= 20 && ago < 300 ? 300 : 100)), bridgeFactor: 4 });
      expect(ended.decision.action).toBe('none');
      expect(ended.decision.signals).toMatchObject({ heldBusySecond: 300 });
      // What the bridge sizes for now (100 rps in the last 15 s, with headroom) fits the 4 replicas.
      expect(ended.decision.signals.demandNow).toBeLessThan(4 * 40);
    });
    it('buys for a held spell only as far as it is still here, and says so', () => {
      // 300 rps for 300 s, the last 15 of them at 200: 200 rps needs 5 replicas at 40, not 8.
      const easing = decide({ requestRate: rates(600, (ago) => (ago < 15 ? 200 : ago < 300 ? 300 : 100)), bridgeFactor: 4 });
      expect(easing.decision).toMatchObject({ action: 'scale_out', from: 4, to: 5 });
      expect(easing.decision.reason).toBe('275.0 rps held over 300 s, as far as the 200.0 rps here now needs 5 replicas at 40.0 rps each');
    });
    it('without a bridge (a factor of 1) buys them at once, as the demand now says', () => {
      const { decision } = decide({ requestRate: burstFor(60), bridgeFactor: 1 });
      expect(decision).toMatchObject({ action: 'scale_out', from: 4, to: 8 });
    });
    it('buys at once what the bridge could not carry even at its cap', () => {
      // 800 rps for a minute: 20 replicas' worth at the target, a quarter of it (the bridge's 4×) 5
      const steady = decide({ requestRate: rates(600, (ago) => (ago < 60 ? 800 : 100)), bridgeFactor: 4 });
      expect(steady.decision).toMatchObject({ action: 'scale_out', from: 4, to: 5 });
      expect(steady.decision.reason).toMatch(/^panic: 800.0 rps now is beyond what 4 ready replicas carry even bridged needs 5/);
      // every tenth second of the last minute at 1000 rps (a mean of 190): the busy second is 20
      // replicas' capacity, 20 + 0.3 × √20 = 21.3 → 854 rps at the target, a quarter of it 6 replicas
      const bursts = decide({ requestRate: rates(600, (ago) => (ago < 60 && ago % 10 === 5 ? 1000 : 100)), bridgeFactor: 4 });
      expect(bursts.decision).toMatchObject({ action: 'scale_out', from: 4, to: 6 });
      expect(bursts.decision.reason).toBe('busy second 1000.0 rps, beyond what the bridge carries at 4.0× needs 6 replicas at 40.0 rps each');
    });
  });
  it('adds the backlog to drain to the demand (queue-aware)', () => {
    const calm = decide({ requestRate: rates(600, () => 150) });
    expect(calm.decision.action).toBe('none');
    const backlog = decide({ requestRate: rates(600, () => 150), queueDepth: [{ time: NOW, value: 3500 }] });
    // 150 + 3500 / 35 s = 250 rps → 7 replicas at 40 rps
    expect(backlog.decision).toMatchObject({ action: 'scale_out', to: 7 });
  });
  it('sizes queue workers on jobs waiting per worker', () => {
    const { decision } = adaptiveDecide(input({ requestRate: rates(600, () => 0), queueDepth: [{ time: NOW, value: 90 }] }), initialAdaptiveState, { ...settings, queueDepthPerReplica: 10 });
    expect(decision).toMatchObject({ action: 'scale_out', to: 9 });
  });
  it('extrapolates a significant rising trend over the start-up horizon', () => {
    // +1 rps per second for 2 minutes, now at 140: in 35 s ≈ 175 → 5 replicas (3 carry 120)
    const ramp = rates(600, (ago) => Math.max(20, 140 - ago));
    const { decision } = decide({ currentReplicas: 3, readyReplicas: 3, requestRate: ramp, bridgeFactor: 1 });
    expect(decision.to).toBe(5);
    expect(decision.action).toBe('scale_out');
    expect(decision.signals.forecast).toBeCloseTo(175, 6);
  });
  it('with a bridge, buys for a forecast only what the bridge will not carry at its cap when a replica would serve', () => {
    // the ramp 10 rps higher on 1 ready replica bridged up to 4×: it carries 160 rps at the target,
    // and 185 are forecast in 35 s (a quarter of it, 46.25, is past one replica's 40 by more than
    // the 10% tolerance) → 2
    const ramp = rates(600, (ago) => Math.max(20, 150 - ago));
    const { decision } = decide({ currentReplicas: 1, readyReplicas: 1, requestRate: ramp, bridgeFactor: 4 });
    expect(decision).toMatchObject({ action: 'scale_out', from: 1, to: 2 });
    expect(decision.reason).toBe('panic: forecast 185.0 rps in 35 s, beyond what the bridge carries at 4.0× needs 2 replicas at 40.0 rps each');
    // 3 ready replicas carry 480 rps bridged: the forecast is rented, not bought
    expect(decide({ currentReplicas: 3, readyReplicas: 3, requestRate: ramp, bridgeFactor: 4 }).decision.action).toBe('none');
  });
  it('does not read a single step of a minute-sampled source as a trend', () => {
    const steps = rates(600, (ago) => (ago < 30 ? 130 : 100));
    const { decision } = decide({ requestRate: steps });
    expect(decision.signals.forecast).toBe(decision.signals.metricMean);
  });
  it('reads a burst that began inside the trend span as a new level, not a slope to extrapolate', () => {
    // The square wave the simulator replays (127 ↔ 508 rps), 50 s into a burst: a line through
    // the last 105 s rises significantly (it used to forecast 781 rps and ask for 20); the load does not
    const { decision } = decide({ now: 2_210_000, currentReplicas: 14, readyReplicas: 14, requestRate: squareWaveUntil(2210), bridgeFactor: 4 });
    expect(decision.signals.forecast).toBe(decision.signals.metricMean);
    expect(decision.action).toBe('none');
  });
  it('does not take a burst that ended for a falling load: the whole flap window stays the evidence (bursts come back)', () => {
    // 180 s after a 120 s burst of the square wave: a line through the flap window falls beyond
    // doubt (it used to step down to 7 on the last minute, and the next burst met 7 replicas)
    const { decision } = decide({ now: 660_000, currentReplicas: 13, readyReplicas: 13, requestRate: squareWaveUntil(660) });
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/^steady: peak \d+\.\d rps over 300 s fits 13 replicas/);
  });
  it('steps down on the last minute while the load declines steadily over the flap window', () => {
    // 400 → 100 rps over the last 300 s, a line: the last minute (≤ 160 rps) is the evidence
    const declining = rates(600, (ago) => 100 + Math.min(ago, 300) + jitter(ago));
    const { decision } = decide({ currentReplicas: 10, readyReplicas: 10, requestRate: declining });
    expect(decision).toMatchObject({ action: 'scale_in', from: 10, to: 5 });
    expect(decision.reason).toMatch(/over 60 s \(load falling\)/);
  });
  it('does not scale in before it has a whole flap window of history', () => {
    const { decision } = decide({ requestRate: rates(120, () => 20) });
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/119 s of history, 300 s needed before removing a replica/);
  });
  it('scales in stepwise (at most half the replicas a step) on the busiest stretch of the last 300 s', () => {
    const { decision } = decide({ currentReplicas: 12, readyReplicas: 12, requestRate: rates(600, () => 40) });
    expect(decision).toMatchObject({ action: 'scale_in', from: 12, to: 6 });
  });
  it('with a bridge, scales in once the replicas left carry the busy seconds as scale-out weighs them: the busiest of 300 s bridged, the one that held every minute at the base', () => {
    // 100 rps, with every fifth second at 400 until a minute ago: the busy second of 300 s is 400
    // (8 replicas' capacity, 8 + 0.3 × √8 = 8.85 → 354 rps at the target), a quarter of it (the
    // bridge's 4×) 88.5; the busy second that held in every minute is the last minute's 100 (2.42
    // → 97 rps); the busiest 15 s, 3 bursts in 15, 160 rps: 4 replicas, half of the 8 in one step
    const burstsUntilAMinuteAgo = rates(600, (ago) => (ago >= 60 && ago % 5 === 0 ? 400 : 100));
    const bridged = decide({ currentReplicas: 8, readyReplicas: 8, requestRate: burstsUntilAMinuteAgo, bridgeFactor: 4 });
    expect(bridged.decision).toMatchObject({ action: 'scale_in', from: 8, to: 4 });
    expect(bridged.decision.signals).toMatchObject({ recentBusySecond: 400, heldBusySecond: 100 });
    // ...and the next evaluation does not undo it
    expect(decide({ currentReplicas: 4, readyReplicas: 4, requestRate: burstsUntilAMinuteAgo, bridgeFactor: 4 }, bridged.state).decision.action).toBe('none');
    // Without a bridge the busy second of 300 s still needs 9 replicas at the base: 8 stay.
    const unbridged = decide({ currentReplicas: 8, readyReplicas: 8, requestRate: burstsUntilAMinuteAgo, bridgeFactor: 1 }).decision;
    expect(unbridged.action).toBe('none');
    expect(unbridged.reason).toBe('steady: busy second 400.0 rps over 300 s fits 8 replicas');
    // With a bridge, a load alternating 70 and 130 rps keeps 4 replicas by the busy second that held
    // in every minute: 130 rps is 2.6 + 0.3 × √2.6 = 3.08 replicas' worth at the base, 123 rps at the target
    const alternating = decide({ currentReplicas: 4, readyReplicas: 4, requestRate: rates(600, (ago) => (ago % 2 === 0 ? 130 : 70)), bridgeFactor: 4 }).decision;
    expect(alternating.reason).toBe('steady: busy second 130.0 rps held over 300 s fits 4 replicas');
  });
  it('keeps replicas a peak of the last 300 s still needs', () => {
    const { decision } = decide({ currentReplicas: 4, readyReplicas: 4, requestRate: rates(600, (ago) => (ago > 200 && ago < 260 ? 150 : 40)) });
    expect(decision.action).toBe('none');
  });
  it('waits out its cooldown after a scale-out before removing anything', () => {
    const state = { ...initialAdaptiveState, lastScaleOutAt: NOW - 100_000 };
    const { decision } = decide({ currentReplicas: 12, readyReplicas: 12, requestRate: rates(600, () => 40) }, state);
    expect(decision.reason).toMatch(/cooling down after a scale-out/);
  });
  it('never scales in on a forecast alone: a falling trend with a level that still needs the replicas holds', () => {
    // falling from 200 to 150 over 5 minutes: the trend says less, the present says 150 (4 × 40 = 160 → 4)
    const falling = rates(600, (ago) => 150 + Math.min(ago, 300) / 6);
    const { decision } = decide({ currentReplicas: 4, readyReplicas: 4, requestRate: falling });
    expect(decision.action).toBe('none');
  });
  it('covers a rise after a recent scale-in with the bridge rather than reversing it (no flap)', () => {
    const state = { ...initialAdaptiveState, lastScaleInAt: NOW - 60_000 };
    const { decision } = decide({ currentReplicas: 3, readyReplicas: 3, requestRate: rates(600, () => 140), bridgeFactor: 4 }, state);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/^bridging: /);
  });
  it('names the term that set the size: the busy second, when per-second bursts need more than the mean', () => {
    // a mean of 100 rps (3 replicas at 40) with every tenth second at 400: the busy second (p95) sizes
    // it: 8 replicas' capacity, 8 + 0.3 × √8 = 8.85 → 9
    const bursty = rates(600, (ago) => (ago % 10 === 0 ? 400 : 67));
    const { decision } = decide({ currentReplicas: 3, readyReplicas: 3, requestRate: bursty, bridgeFactor: 4 });
    expect(decision.action).toBe('scale_out');
    expect(decision.reason).toMatch(/^busy second 400.0 rps held over 300 s needs 9 replicas at 40.0 rps each$/);
  });
  it('gives the busy second no tolerance band: 2 replicas whose busiest second needs 2.09 of them get a third', () => {
    // every tenth second at 85 rps over 66 (mean 67.9, inside 2 × 40 × 1.1 = 88): the busy second is
    // 1.7 replicas' capacity, 1.7 + 0.3 × √1.7 = 2.09 replicas (83.6 rps at the target): over the 2
    // there are, under the 2.2 that a 10% band would have waited for
    const noisy = rates(600, (ago) => (ago % 10 === 0 ? 85 : 66));
    const { decision } = decide({ currentReplicas: 2, readyReplicas: 2, requestRate: noisy, bridgeFactor: 4 });
    expect(decision).toMatchObject({ action: 'scale_out', from: 2, to: 3 });
    expect(decision.reason).toBe('busy second 85.0 rps held over 300 s needs 3 replicas at 40.0 rps each');
  });
  it('sizes the busy second by square-root staffing: a small service gets more headroom than 90%…', () => {
    // every tenth second at 40 rps over 30 (mean 31, fits 1 replica's 40 within the tolerance): the
    // busy second is 0.8 of a replica's capacity, and 0.8 + 0.3 × √0.8 = 1.07 replicas → 2 (at 90%: 1)
    const { decision } = decide({ currentReplicas: 1, readyReplicas: 1, requestRate: rates(600, (ago) => (ago % 10 === 0 ? 40 : 30)), bridgeFactor: 4 });
    expect(decision).toMatchObject({ action: 'scale_out', from: 1, to: 2 });
  });
  it('…and a large one less: a busy second worth 32 replicas needs 32 + 0.3 × √32 = 33.7 → 34, not the 36 of a fixed 90%', () => {
    const { decision } = decide({ currentReplicas: 30, readyReplicas: 30, requestRate: rates(600, (ago) => (ago % 10 === 0 ? 1600 : 1100)), bridgeFactor: 4 });
    expect(decision).toMatchObject({ action: 'scale_out', from: 30, to: 34 });
    expect(decision.reason).toBe('busy second 1600.0 rps held over 300 s needs 34 replicas at 40.0 rps each');
  });
  it('asks the bridge to drain a backlog within one evaluation (it acts at once), replicas within the start-up horizon', () => {
    const result = decide({ requestRate: rates(600, () => 150), queueDepth: [{ time: NOW, value: 3500 }] });
    // replicas: 150 + 3500 / 35 s = 250 rps → 7; the bridge: 150 + 3500 / 5 s = 850 rps now
    expect(result.decision.to).toBe(7);
    expect(result.bridgeNow.demandRps).toBeCloseTo(850, 6);
  });
  it('sizes the bridge for a burst that has begun (bridgeDemand.ts: the busiest second of the panic window, with square-root headroom)', () => {
    // 100 rps, and 300 rps in the last 3 s: 6 replicas' capacity, 6 + 0.4 × √6 = 6.98 replicas,
    // 279.2 rps at the 80% target
    const burst = rates(600, (ago) => (ago < 3 ? 300 : 100));
    const result = decide({ requestRate: burst, bridgeFactor: 4 });
    expect(result.decision.signals).toMatchObject({ panicMean: 200, metricMean: 140 });
    expect(result.bridgeNow.demandRps).toBeCloseTo((6 + 0.4 * Math.sqrt(6)) * 40, 6);
  });
  it('sizes the bridge at the capacity latency has corrected, and not at all on a window it cannot read', () => {
    const burst = rates(600, (ago) => (ago === 0 ? 300 : 100));
    const slow = decide({ requestRate: burst, latencyP95: rates(60, () => 0.9), bridgeFactor: 4 });
    expect(slow.capacityPerReplicaRps).toBeLessThan(50);
    expect(slow.bridgeNow.demandRps).toBeCloseTo(bridgeDemand(burst, 0, NOW, slow.capacityPerReplicaRps, settings).demandRps, 9);
    expect(slow.bridgeNow.demandRps).not.toBeCloseTo(bridgeDemand(burst, 0, NOW, 50, settings).demandRps, 1);
    const stale = decide({ requestRate: rates(600, () => 100).map((s) => ({ ...s, time: s.time - 60_000 })), bridgeFactor: 4 });
    expect(stale.bridgeNow).toEqual({ demandRps: 0, typicalSecondRps: 0 });
  });
  it('returns plain data that survives JSON', () => {
    const result = decide({ requestRate: rates(600, (ago) => (ago < 120 ? 480 : 100)) });
    expect(JSON.parse(JSON.stringify(result.decision))).toEqual(result.decision);
    expect(result.decision.policy).toBe('adaptive');
  });
});

describe('the adaptive policy with measured latency', () => {
  const latency = (seconds: number) => rates(60, () => seconds);
  it('plans with the capacity latency has measured when the told one is too high', () => {
    // 100 rps on 4 replicas told 50 rps each (40 at the target: 3 replicas would do), yet p95 is
    // 800 ms: 50% of the told capacity is all they carry, so a replica counts 25 rps (20 at the
    // target) and 100 rps needs 5.
    const result = decide({ latencyP95: latency(0.8) });
    expect(result.decision).toMatchObject({ action: 'scale_out', from: 4, to: 5 });
    expect(result.decision.reason).toMatch(/needs 5 replicas at 20\.0 rps each \(latency: p95 800 ms above the 500 ms objective carrying 50% of the told capacity: capacity per replica × 0\.50\)$/);
    expect(result.decision.signals).toMatchObject({ latencyP95Seconds: 0.8, capacityFactor: 0.5 });
    expect(result.capacityPerReplicaRps).toBe(25);
    expect(result.state.latency?.factor).toBe(0.5);
  });
  it('keeps the correction it measured on later evaluations', () => {
    const first = decide({ latencyP95: latency(0.8) });
    const later = decide({ now: NOW + 5000, requestRate: rates(600, () => 100).map((s) => ({ ...s, time: s.time + 5000 })), currentReplicas: 5, readyReplicas: 4, latencyP95: latency(0.8).map((s) => ({ ...s, time: s.time + 5000 })) }, first.state);
    expect(later.capacityPerReplicaRps).toBe(25);
    expect(later.decision.action).toBe('none');
  });
  it('does not scale in while p95 is within 10% of the objective', () => {
    // 60 rps on 4 replicas at 40 each would step down to 2; at 460 ms p95 it holds.
    const control = decide({ requestRate: rates(600, () => 60) });
    expect(control.decision).toMatchObject({ action: 'scale_in', from: 4, to: 2 });
    const near = decide({ requestRate: rates(600, () => 60), latencyP95: latency(0.46) });
    expect(near.decision).toMatchObject({ action: 'none', reason: 'no scale-in: p95 460 ms is within 10% of the 500 ms objective' });
    expect(decide({ requestRate: rates(600, () => 60), latencyP95: latency(0.3) }).decision.action).toBe('scale_in');
  });
  it('scales in at any p95 once latency is found not to answer to replicas (a slow dependency)', () => {
    const found = { ...initialAdaptiveState, latency: { ...initialLatencyCorrection, unresponsiveUntil: NOW + 60_000 } };
    const result = decide({ requestRate: rates(600, () => 60), latencyP95: latency(0.9) }, found);
    expect(result.decision).toMatchObject({ action: 'scale_in', from: 4, to: 2 });
    expect(result.capacityPerReplicaRps).toBe(50);
  });
  it('ignores latency when its feedback is off (floor 1)', () => {
    const off = adaptiveDecide(input({ requestRate: rates(600, () => 60), latencyP95: latency(0.46) }), initialAdaptiveState, { ...settings, latencyCorrectionFloor: 1 });
    expect(off.decision.action).toBe('scale_in');
    expect(adaptiveDecide(input({ latencyP95: latency(0.8) }), initialAdaptiveState, { ...settings, latencyCorrectionFloor: 1 }).capacityPerReplicaRps).toBe(50);
  });
});

describe('the vertical start-up bridge', () => {
  const base = { readyReplicas: 2, baseCapacityPerReplicaRps: 50, targetUtilisation: 0.8, baseCpuLimitCores: 0.5, currentCpuLimitCores: 0.5, maxCpuLimitCores: 2, minStepCores: 0.05, typicalSecondRps: 60 };
  it('raises the CPU limit of the ready replicas by the missing share (120 rps on 2 × 40 → ×1.5 → 0.75 cores)', () => {
    expect(bridgeCpuLimit({ ...base, demandRps: 120 })).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.5, to: 0.75, policy: 'bridge' });
  });
  it('stops at the vertical cap', () => {
    expect(bridgeCpuLimit({ ...base, demandRps: 1000 }).to).toBe(2);
  });
  it('returns to the base size once the ready replicas carry the demand', () => {
    const decision = bridgeCpuLimit({ ...base, currentCpuLimitCores: 1, demandRps: 60 });
    expect(decision).toMatchObject({ action: 'scale_down', to: 0.5 });
    expect(decision.reason).toMatch(/back to 0.5 cores/);
  });
  it('never goes below the base', () => {
    expect(bridgeCpuLimit({ ...base, demandRps: 0 }).action).toBe('none');
  });
  it('states a bridge lowered but still above the base apart from one back at the base', () => {
    const lowered = statedBridgeChange(bridgeCpuLimit({ ...base, currentCpuLimitCores: 1, demandRps: 100 }));
    expect(lowered).toMatchObject({ action: 'scale_down', from: 1, to: 0.63 });
    expect(lowered.reason).toMatch(/^ready replicas carry more of the demand → bridge lowered: 100.0 rps exceeds what/);
    const back = statedBridgeChange(bridgeCpuLimit({ ...base, currentCpuLimitCores: 1, demandRps: 60 }));
    expect(back.reason).toMatch(/^ready replicas carry the demand → CPU limit back to its base: .* back to 0.5 cores$/);
  });
  // An idle service: its median second (10 rps) needs at most a quarter of what 2 ready replicas carry at the base and the target (80 rps).
  const idle = { typicalSecondRps: 10 };
  it('on an idle service, holds a move under its step between two sizes above the base, and says so', () => {
    // 0.6 cores now; 97 rps on 2 ready replicas asks for 0.61: a hundredth, under the 0.05 step.
    const held = bridgeCpuLimit({ ...base, ...idle, currentCpuLimitCores: 0.6, demandRps: 97 });
    expect(held).toMatchObject({ action: 'none', from: 0.6, to: 0.6, thresholds: { minStepCores: 0.05 }, signals: { typicalSecondRps: 10 } });
    expect(held.reason).toBe('CPU limit 0.6 cores held: 0.61 cores for 97.0 rps is a move under the 0.05-core step, and the service is idle (median second 10.0 rps)');
    expect(bridgeCpuLimit({ ...base, ...idle, currentCpuLimitCores: 0.6, demandRps: 88 }).action).toBe('none'); // down to 0.55: under the step too
    expect(bridgeCpuLimit({ ...base, ...idle, currentCpuLimitCores: 0.6, demandRps: 104 })).toMatchObject({ action: 'scale_up', to: 0.65 });
  });
  it('on a loaded service, makes every move however small: a hundredth refused is capacity its next second may need', () => {
    expect(bridgeCpuLimit({ ...base, currentCpuLimitCores: 0.6, demandRps: 97 })).toMatchObject({ action: 'scale_up', from: 0.6, to: 0.61 });
    expect(bridgeCpuLimit({ ...base, currentCpuLimitCores: 0.5, demandRps: 82 })).toMatchObject({ action: 'scale_up', from: 0.5, to: 0.52 });
    // Idle up to a median second of a quarter of 80 rps; just above it, loaded.
    expect(bridgeCpuLimit({ ...base, typicalSecondRps: 20, currentCpuLimitCores: 0.6, demandRps: 97 }).action).toBe('none');
    expect(bridgeCpuLimit({ ...base, typicalSecondRps: 20.1, currentCpuLimitCores: 0.6, demandRps: 97 }).action).toBe('scale_up');
  });
  it('holds a raise from the base under its step: the hundredths a healthcheck adds to an idle service', () => {
    // A 0.109-core service idling at 1.5 rps whose busy second asks for 0.14 (Docker's healthcheck exec, charged to it).
    const healthchecked = { ...base, readyReplicas: 1, baseCapacityPerReplicaRps: 10.9, baseCpuLimitCores: 0.109, currentCpuLimitCores: 0.109, typicalSecondRps: 1.5 };
    expect(bridgeCpuLimit({ ...healthchecked, demandRps: 11 }).action).toBe('none');
    expect(bridgeCpuLimit({ ...healthchecked, demandRps: 11, minStepCores: 0 })).toMatchObject({ action: 'scale_up', to: 0.14 });
  });
  it('returns to the base however small the move, and brings a limit below the base up to it, idle or not', () => {
    expect(bridgeCpuLimit({ ...base, ...idle, currentCpuLimitCores: 0.52, demandRps: 60 })).toMatchObject({ action: 'scale_down', to: 0.5 });
    // The vertical recommender raised the base to 0.5 under a limit of 0.48: up, under the step or not.
    expect(bridgeCpuLimit({ ...base, ...idle, currentCpuLimitCores: 0.48, demandRps: 82 })).toMatchObject({ action: 'scale_up', to: 0.52 });
  });
  it('brings a limit above a lowered cap down to it, under the step or not', () => {
    expect(bridgeCpuLimit({ ...base, ...idle, maxCpuLimitCores: 1, currentCpuLimitCores: 1.02, demandRps: 1000 })).toMatchObject({ action: 'scale_down', to: 1 });
  });
  it('gives cores to the millicore in its reason, whatever fraction the vertical recommender left the base at', () => {
    const decision = bridgeCpuLimit({ ...base, baseCpuLimitCores: 0.127838686, currentCpuLimitCores: 0.127838686, demandRps: 120 });
    expect(decision.reason).toMatch(/ carry at 0.128 cores: bridge at 0.2 cores until/);
  });
});
