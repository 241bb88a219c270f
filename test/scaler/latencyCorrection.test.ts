import { describe, expect, it } from 'vitest';
import { initialLatencyCorrection, latencyCorrection, resumedLatencyCorrection, type LatencyCorrectionInput, type LatencyCorrectionSettings, type LatencyCorrectionState } from '../../scaler/policies/latencyCorrection.js';
import type { Sample } from '../../scaler/samples.js';

const NOW = 10_000_000;
const MINUTE = 60_000;
const settings: LatencyCorrectionSettings = { targetSeconds: 0.5, floor: 0.5, windowSeconds: 15, steadySeconds: 60, scatteredSeconds: 300, startupSeconds: 35 };
/** One sample per second for `seconds`, ending at NOW, valued by `value(secondsAgo)`. */
function perSecond(seconds: number, value: (secondsAgo: number) => number): Sample[] {
  return Array.from({ length: seconds }, (_, i) => ({ time: NOW - (seconds - 1 - i) * 1000, value: value(seconds - 1 - i) }));
}
/** 4 ready replicas told 50 rps each (200 rps at 100%), carrying a steady 120 rps: 60% of the told capacity. */
const input = (overrides: Partial<LatencyCorrectionInput>): LatencyCorrectionInput => ({
  now: NOW,
  latencyP95: perSecond(60, () => 0.2),
  demand: perSecond(60, () => 120),
  readyReplicas: 4,
  toldCapacityPerReplica: 50,
  cpuLimitOverBase: [],
  lastScaleOutAt: -Infinity,
  ...overrides,
});
const correct = (overrides: Partial<LatencyCorrectionInput>, state: LatencyCorrectionState = initialLatencyCorrection, tuned: Partial<LatencyCorrectionSettings> = {}) =>
  latencyCorrection(input(overrides), state, { ...settings, ...tuned });

describe('latency feedback on the capacity per replica', () => {
  it('leaves the told capacity alone while latency is within the objective', () => {
    const result = correct({});
    expect(result.state.factor).toBe(1);
    expect(result.change).toBeUndefined();
    expect(result.medianP95Seconds).toBeCloseTo(0.2, 9);
  });

  it('knows nothing without latency samples (an app without a histogram)', () => {
    const result = correct({ latencyP95: [] });
    expect(result).toEqual({ state: initialLatencyCorrection, medianP95Seconds: undefined, change: undefined });
  });

  it('brings the capacity down to the share carried when p95 stays above the objective on a steady load', () => {
    // 120 rps on 4 × 50 told: 60% carried while requests wait, so a replica carries at most 30 rps.
    const result = correct({ latencyP95: perSecond(60, () => 0.8) });
    expect(result.state.factor).toBeCloseTo(0.6, 9);
    expect(result.state.changedAt).toBe(NOW);
    expect(result.change).toBe('p95 800 ms above the 500 ms objective carrying 60% of the told capacity: capacity per replica × 0.60');
  });

  it('judges by the median interval: a few slow seconds in the window are not a shortage', () => {
    // 7 of the 15 intervals of the window above the objective: the median is within it.
    const result = correct({ latencyP95: perSecond(60, (ago) => (ago < 14 && ago % 2 === 0 ? 0.9 : 0.2)) });
    expect(result.state.factor).toBe(1);
    expect(result.state.overAt).toBe(NOW); // but it is noted: the evidence a correction rests on
  });

  it('counts a bridged replica at its base size: the raised limit is not the base capacity', () => {
    // Bridged to 1.5× the base limit, the 4 replicas offer 300 rps of told capacity: 40% carried.
    const result = correct({ latencyP95: perSecond(60, () => 0.8), cpuLimitOverBase: perSecond(60, () => 1.5) }, initialLatencyCorrection, { floor: 0.25 });
    expect(result.state.factor).toBeCloseTo(0.4, 9);
  });

  it('sets each window\'s demand against the mean raise of that window: the bridge moves every second', () => {
    // A factor of 0.5 learnt; a minute within the objective at 120 rps (60% of the told capacity at
    // the base size). Bridged to 2× for the first 45 s and back at the base for the last 15 s: over
    // the minute the replicas were 1.75× the base, so they carried 120 / (4 × 1.75 × 50) = 34%,
    // which says nothing above 0.5. At the raise of the last 15 s they would seem to carry 60%.
    const learnt = { ...initialLatencyCorrection, factor: 0.5, changedAt: NOW - MINUTE, overAt: NOW - MINUTE };
    const bridged = correct({ cpuLimitOverBase: perSecond(60, (ago) => (ago >= 15 ? 2 : 1)) }, learnt);
    expect(bridged.state.factor).toBe(0.5);
    // At the base all the minute, the same demand is evidence of 60%.
    const atBase = correct({ cpuLimitOverBase: perSecond(60, () => 1) }, learnt);
    expect(atBase.state.factor).toBeCloseTo(0.6, 9);
    expect(atBase.change).toBe('every p95 of 60 s within the 500 ms objective carrying 60% of the told capacity: capacity per replica × 0.60');
  });

  it('goes no lower than the floor, and a floor of 1 turns the feedback off', () => {
    // 60 rps on 4 × 50 told: 30% carried at 2 s p95, and the floor is 0.5.
    expect(correct({ latencyP95: perSecond(60, () => 2), demand: perSecond(60, () => 60) }).state.factor).toBe(0.5);
    const off = correct({ latencyP95: perSecond(60, () => 2) }, initialLatencyCorrection, { floor: 1 });
    expect(off.state).toEqual(initialLatencyCorrection);
    expect(off.medianP95Seconds).toBe(2);
  });

  it('does not blame the capacity when the load has just risen or just fallen (replicas starting, a backlog draining)', () => {
    // Idle for 45 s, then 160 rps for 15 s: the window's mean is 4× the steady window's.
    const onset = correct({ latencyP95: perSecond(60, (ago) => (ago < 15 ? 1.5 : 0.2)), demand: perSecond(60, (ago) => (ago < 15 ? 160 : 0)) });
    expect(onset.state.factor).toBe(1);
    // 200 rps for 45 s, then 40 rps for 15 s while the backlog drains.
    const drain = correct({ latencyP95: perSecond(60, (ago) => (ago < 15 ? 1.5 : 0.3)), demand: perSecond(60, (ago) => (ago < 15 ? 40 : 200)) });
    expect(drain.state.factor).toBe(1);
  });

  it('does not blame the capacity when the replicas carry more than it: the demand rule is already adding them', () => {
    const result = correct({ latencyP95: perSecond(60, () => 0.8), demand: perSecond(60, () => 220) }, { ...initialLatencyCorrection, factor: 1 });
    expect(result.state.factor).toBe(1);
  });

  it('moves at most once per window', () => {
    const first = correct({ latencyP95: perSecond(60, () => 0.8) });
    const soon = correct({ latencyP95: perSecond(60, () => 0.8), demand: perSecond(60, () => 110), now: NOW + 10_000 }, first.state);
    expect(soon.state.factor).toBeCloseTo(0.6, 9);
    expect(soon.change).toBeUndefined();
  });

  it('steps the capacity down 10% when scattered intervals are slow with no demand past the capacity before them (per-second noise near a lower knee)', () => {
    // 20 of the last 300 intervals (7%) above the objective, the median well within it, and no
    // second asked for more than the told 200 rps: no bound to read, so one step.
    const scattered = perSecond(300, (ago) => (ago % 15 === 7 ? 0.7 : 0.2));
    const result = correct({ latencyP95: scattered, demand: perSecond(300, () => 120) });
    expect(result.state.factor).toBeCloseTo(0.9, 9);
    expect(result.change).toBe('7% of the intervals of 300 s above the 500 ms objective with no demand past the capacity planned with before them: capacity per replica × 0.90');
    // ...at most once per 300 s
    expect(correct({ latencyP95: scattered, demand: perSecond(300, () => 120), now: NOW + 60_000 }, result.state).state.factor).toBeCloseTo(0.9, 9);
    // ...and on trial like a correction from above, from the factor before the step: a slow
    // dependency found later takes the factor back to 1, not to 0.9
    expect(result.state.trial).toEqual({ at: NOW, factorBefore: 1, p95BeforeSeconds: 0.2, loadPerReplicaBefore: 30 });
  });

  it('leaves scattered slow intervals alone below 5% of the span, behind a burst past the capacity, while replicas are added, or before 300 s of history', () => {
    const steady = perSecond(300, () => 120);
    const fewer = perSecond(300, (ago) => (ago % 30 === 7 ? 0.7 : 0.2)); // 10 of 300: 3%
    expect(correct({ latencyP95: fewer, demand: steady }).state.factor).toBe(1);
    const scattered = perSecond(300, (ago) => (ago % 15 === 7 ? 0.7 : 0.2));
    // each slow second 2 s after a second of 250 rps, past the 200 told: the burst's backlog
    const bursts = perSecond(300, (ago) => (ago % 15 === 9 ? 250 : 120));
    expect(correct({ latencyP95: scattered, demand: bursts }).state.factor).toBe(1);
    expect(correct({ latencyP95: scattered, demand: steady, lastScaleOutAt: NOW - 320_000 }).state.factor).toBe(1);
    expect(correct({ latencyP95: scattered.slice(-200), demand: steady }).state.factor).toBe(1);
  });

  it('raises a corrected capacity to what was carried over a minute with every interval within the objective (a lower bound)', () => {
    // Corrected to 0.5, the replicas carried 60% of the told capacity with no slow interval.
    const state = { ...initialLatencyCorrection, factor: 0.5, changedAt: NOW - MINUTE, overAt: NOW - MINUTE };
    const result = correct({}, state);
    expect(result.state.factor).toBeCloseTo(0.6, 9);
    expect(result.change).toBe('every p95 of 60 s within the 500 ms objective carrying 60% of the told capacity: capacity per replica × 0.60');
    // One slow interval in the last minute: a queue may have been building, so no lower bound.
    const slowOne = correct({ latencyP95: perSecond(60, (ago) => (ago === 40 ? 0.7 : 0.2)) }, state);
    expect(slowOne.state.factor).toBe(0.5);
  });

  it('relaxes a correction latency has not confirmed for 30 minutes, by 10%', () => {
    const state = { ...initialLatencyCorrection, factor: 0.5, changedAt: NOW - 31 * MINUTE, overAt: NOW - 31 * MINUTE };
    const relaxed = correct({ demand: perSecond(60, () => 80) }, state); // 40% carried: no lower bound above 0.5
    expect(relaxed.state.factor).toBeCloseTo(0.55, 9);
    expect(relaxed.state.relaxedAt).toBe(NOW);
    expect(relaxed.change).toBe('every p95 within the objective for 30 min: capacity per replica × 0.55');
    // A slow interval 10 minutes ago confirmed it: no relaxation yet.
    expect(correct({ demand: perSecond(60, () => 80) }, { ...state, overAt: NOW - 10 * MINUTE }).state.factor).toBe(0.5);
  });

  it('takes a relaxation back at the first slow interval after it, and waits twice as long before the next', () => {
    const relaxed = { ...initialLatencyCorrection, factor: 0.55, changedAt: NOW - 5 * MINUTE, overAt: NOW - 31 * MINUTE, relaxedAt: NOW - 5 * MINUTE };
    const oneSlow = correct({ latencyP95: perSecond(60, (ago) => (ago === 2 ? 0.9 : 0.2)), demand: perSecond(60, () => 80) }, relaxed);
    expect(oneSlow.state.factor).toBeCloseTo(0.5, 9);
    expect(oneSlow.state.relaxAfterMs).toBe(60 * MINUTE);
    expect(oneSlow.change).toBe('p95 900 ms above the 500 ms objective 5 min after the last relaxation: taken back: capacity per replica × 0.50');
    const takenBack = correct({ latencyP95: perSecond(60, () => 0.8), demand: perSecond(60, () => 100) }, relaxed);
    expect(takenBack.state.factor).toBeCloseTo(0.5, 9);
    expect(takenBack.state.relaxAfterMs).toBe(60 * MINUTE);
    // A correction long after a relaxation keeps the interval.
    const later = correct({ latencyP95: perSecond(60, () => 0.8), demand: perSecond(60, () => 100) }, { ...relaxed, relaxedAt: NOW - 40 * MINUTE });
    expect(later.state.relaxAfterMs).toBe(30 * MINUTE);
  });
  it('does not take a relaxation back for a slow interval a burst explains: it was past the capacity planned with', () => {
    // planned with 4 × 50 × 0.55 = 110 rps; a second of 150 rps two seconds before the slow one
    const relaxed = { ...initialLatencyCorrection, factor: 0.55, changedAt: NOW - 5 * MINUTE, overAt: NOW - 31 * MINUTE, relaxedAt: NOW - 5 * MINUTE };
    const afterBurst = correct({ latencyP95: perSecond(60, (ago) => (ago === 2 ? 0.9 : 0.2)), demand: perSecond(60, (ago) => (ago === 4 ? 150 : 80)) }, relaxed);
    expect(afterBurst.change).toBeUndefined();
    expect(afterBurst.state).toMatchObject({ factor: 0.55, relaxedAt: relaxed.relaxedAt, relaxAfterMs: 30 * MINUTE });
  });

  it('holds a floor raised since the factor was learnt at once, and a floor of 1 turns a learnt factor off', () => {
    const learnt = { ...initialLatencyCorrection, factor: 0.6, changedAt: NOW - MINUTE };
    expect(correct({}, learnt, { floor: 0.8 }).state.factor).toBe(0.8);
    expect(correct({ latencyP95: [] }, learnt, { floor: 0.8 }).state.factor).toBe(0.8);
    expect(correct({}, learnt, { floor: 1 }).state.factor).toBe(1);
  });
});

describe('latency that replicas do not cure (a slow dependency)', () => {
  // The correction of the first case above: 120 rps on 4 × 50 told at 800 ms → × 0.60, on trial.
  const onTrial = (trialAt: number): LatencyCorrectionState => ({
    ...initialLatencyCorrection,
    factor: 0.6,
    changedAt: trialAt,
    overAt: NOW,
    trial: { at: trialAt, factorBefore: 1, p95BeforeSeconds: 0.8, loadPerReplicaBefore: 30 },
  });
  const slow = perSecond(60, () => 0.8);

  it('needs no trial when no interval asked for half the lowest capacity the floor allows', () => {
    // 40 rps on 4 × 50 told: 20% carried, under half the floor's 50%, yet p95 is 2 s.
    const result = correct({ latencyP95: perSecond(60, () => 2), demand: perSecond(60, () => 40) });
    expect(result.state).toMatchObject({ factor: 1, unresponsiveUntil: NOW + 30 * MINUTE });
    expect(result.change).toBe('p95 2000 ms above the 500 ms objective with no interval asking for more than 20% of the told capacity: latency does not answer to replicas (a slow dependency?) and corrects nothing for 30 min: capacity per replica × 1.00');
    // One busier second in the window (60 rps: 30%) and the bound applies as usual.
    expect(correct({ latencyP95: perSecond(60, () => 2), demand: perSecond(60, (ago) => (ago === 3 ? 60 : 40)) }).state.factor).toBe(0.5);
  });

  it('puts a correction down on trial, with what it was made from', () => {
    const result = correct({ latencyP95: slow });
    expect(result.state.trial).toEqual({ at: NOW, factorBefore: 1, p95BeforeSeconds: 0.8, loadPerReplicaBefore: 30 });
  });

  it('gives the correction back once the replicas it added serve and p95 has not moved, and corrects nothing for 30 min', () => {
    // 6 replicas serve since 60 s ago (start-up 35 s + a 15 s window): 20 rps each, a third
    // lighter, and p95 is still 800 ms.
    const result = correct({ latencyP95: slow, readyReplicas: 6, lastScaleOutAt: NOW - MINUTE }, onTrial(NOW - MINUTE));
    expect(result.state).toMatchObject({ factor: 1, trial: undefined, unresponsiveUntil: NOW + 30 * MINUTE, unresponsiveForMs: 60 * MINUTE });
    expect(result.change).toBe('p95 800 ms with 33% less load per replica than at the 800 ms that lowered the capacity: latency does not answer to replicas (a slow dependency?) and corrects nothing for 30 min: capacity per replica × 1.00');
    // Meanwhile a p95 above the objective carrying 40% of the told capacity moves nothing.
    const meanwhile = correct({ latencyP95: slow, readyReplicas: 6, lastScaleOutAt: NOW - MINUTE }, { ...result.state, changedAt: NOW - MINUTE });
    expect(meanwhile.state.factor).toBe(1);
    expect(meanwhile.change).toBeUndefined();
    expect(meanwhile.medianP95Seconds).toBeCloseTo(0.8, 9);
  });

  it('keeps a correction when p95 rose with the added replicas: a queue still building, capacity still short', () => {
    const result = correct({ latencyP95: perSecond(60, () => 1.2), readyReplicas: 6, lastScaleOutAt: NOW - MINUTE }, onTrial(NOW - MINUTE));
    expect(result.state.factor).toBe(0.5);
    expect(result.state.unresponsiveUntil).toBe(-Infinity);
  });

  it('keeps a correction latency answered, and goes on correcting from there', () => {
    // p95 fell from 800 to 600 ms with 6 replicas: still above the objective at 40% carried, so
    // down to the floor.
    const result = correct({ latencyP95: perSecond(60, () => 0.6), readyReplicas: 6, lastScaleOutAt: NOW - MINUTE }, onTrial(NOW - MINUTE));
    expect(result.state.factor).toBe(0.5);
    expect(result.state.trial).toEqual({ at: NOW, factorBefore: 0.6, p95BeforeSeconds: 0.6, loadPerReplicaBefore: 20 });
    expect(result.state.unresponsiveUntil).toBe(-Infinity);
  });

  it('goes no lower while the replicas of a trial are on their way, and drops a trial whose replicas never came', () => {
    // At 0.7 the bound (60% carried) would apply; the replicas asked for 20 s ago do not serve yet.
    const waiting = { ...onTrial(NOW - 20_000), factor: 0.7, changedAt: NOW - 20_000 };
    const held = correct({ latencyP95: slow, lastScaleOutAt: NOW - 20_000 }, waiting);
    expect(held.state.factor).toBe(0.7);
    expect(held.state.trial).toEqual(waiting.trial);
    // Nothing asked for since (the bridge raised, say): a further correction belongs to the same trial.
    const unasked = correct({ latencyP95: slow }, { ...onTrial(NOW - MINUTE), factor: 0.7, changedAt: NOW - MINUTE });
    expect(unasked.state.factor).toBeCloseTo(0.6, 9);
    expect(unasked.state.trial).toEqual(onTrial(NOW - MINUTE).trial);
    // Asked for nothing (at the maximum, say) for longer than the scattered span and a start-up:
    // still slow, the trial is measured again from now, and a finding would still restore the
    // factor from before the whole correction (1), not the 0.7 it had come down to
    const lapsed = correct({ latencyP95: slow }, { ...onTrial(NOW - 400_000), factor: 0.7, changedAt: NOW - 400_000 });
    expect(lapsed.state.factor).toBeCloseTo(0.6, 9);
    expect(lapsed.state.trial).toEqual({ at: NOW, factorBefore: 1, p95BeforeSeconds: 0.8, loadPerReplicaBefore: 30 });
    // within the objective by then, the correction stands and the trial is dropped
    const settled = correct({}, { ...onTrial(NOW - 400_000), factor: 0.7, changedAt: NOW - 400_000 });
    expect(settled.state.trial).toBeUndefined();
  });
});

describe('resuming the latency feedback after a restart', () => {
  it('starts from the factor the predecessor recorded, within the floor configured now', () => {
    const at = NOW - 10 * MINUTE;
    expect(resumedLatencyCorrection({ factor: 0.6, at }, 0.5)).toEqual({ ...initialLatencyCorrection, factor: 0.6, changedAt: at });
    expect(resumedLatencyCorrection({ factor: 0.6, at }, 0.7).factor).toBe(0.7);
  });

  it('starts afresh with no record, a record of no correction, or the feedback turned off', () => {
    expect(resumedLatencyCorrection(undefined, 0.5)).toBe(initialLatencyCorrection);
    expect(resumedLatencyCorrection({ factor: 1, at: NOW }, 0.5)).toBe(initialLatencyCorrection);
    expect(resumedLatencyCorrection({ factor: 0.6, at: NOW }, 1)).toBe(initialLatencyCorrection);
  });

  it('resumes a finding that latency does not answer to replicas as it was: a slow p95 corrects nothing until it ends', () => {
    const finding = { until: NOW + 20 * MINUTE, forMs: 120 * MINUTE };
    const resumed = resumedLatencyCorrection(undefined, 0.5, finding);
    expect(resumed).toEqual({ ...initialLatencyCorrection, unresponsiveUntil: NOW + 20 * MINUTE, unresponsiveForMs: 120 * MINUTE });
    // The first case above (120 rps on 4 × 50 told at 800 ms) would lower the factor to 0.60 and start a trial.
    const slowNow = correct({ latencyP95: perSecond(60, () => 0.8) }, resumed);
    expect(slowNow.state.factor).toBe(1);
    expect(slowNow.change).toBeUndefined();
    expect(slowNow.state.trial).toBeUndefined();
    // With a factor recorded too, both are resumed.
    expect(resumedLatencyCorrection({ factor: 0.6, at: NOW - MINUTE }, 0.5, finding)).toMatchObject({ factor: 0.6, unresponsiveUntil: NOW + 20 * MINUTE });
    // The next finding's length stays within 30 minutes and a day, whatever was recorded; the feedback turned off drops it.
    expect(resumedLatencyCorrection(undefined, 0.5, { until: NOW, forMs: 5 * 24 * 60 * MINUTE }).unresponsiveForMs).toBe(24 * 60 * MINUTE);
    expect(resumedLatencyCorrection(undefined, 0.5, { until: NOW, forMs: 0 }).unresponsiveForMs).toBe(30 * MINUTE);
    expect(resumedLatencyCorrection(undefined, 1, finding)).toBe(initialLatencyCorrection);
  });

  it('relaxes a resumed factor no sooner than 30 minutes after the record, as if it had just been set', () => {
    // 80 rps on 4 × 50 told: 40% carried, every interval within the objective (no lower bound above 0.6).
    const calm = { demand: perSecond(60, () => 80) };
    expect(correct(calm, resumedLatencyCorrection({ factor: 0.6, at: NOW - 29 * MINUTE }, 0.5)).state.factor).toBe(0.6);
    expect(correct(calm, resumedLatencyCorrection({ factor: 0.6, at: NOW - 31 * MINUTE }, 0.5)).state.factor).toBeCloseTo(0.66, 9);
  });
});
