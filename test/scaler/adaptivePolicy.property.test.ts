import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import type { Decision } from '../../scaler/decision.js';
import { adaptiveDecide, initialAdaptiveState, type AdaptiveInput, type AdaptiveSettings, type AdaptiveState } from '../../scaler/policies/adaptive.js';
import { lastSpan, type Sample } from '../../scaler/samples.js';
import { simpleMovingAverage } from '../../scaler/signals/movingAverage.js';
import { adaptiveSettingsFromConfig } from '../../scaler/simulator/simulate.js';
import { propertySettings } from '../support/properties.js';

/**
 * The adaptive policy as specifications over generated runs: a per-second request rate made of
 * flat stretches, ramps, steps and jitter; evaluations every 5 s as the simulator makes them (the
 * last 301 s of samples, the replicas following every decision and serving 30 s after they are
 * asked for), settings from the default config with generated replica bounds. The spec is the
 * README's "The adaptive policy".
 */

/** One piece of a trace: `seconds` long, from one level to another, with alternating jitter. */
interface Piece {
  seconds: number;
  from: number;
  to: number;
  jitter: number;
}
// No subnormal rates (5e-324 rps): a slope of them underflows to −0, which JSON writes as 0.
const level = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1500, noNaN: true }));
const piece: fc.Arbitrary<Piece> = fc.record({
  seconds: fc.integer({ min: 5, max: 240 }),
  from: level,
  to: fc.oneof(level, fc.constant(-1)), // −1: flat at `from`
  jitter: fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 60, noNaN: true })),
});
function trace(pieces: readonly Piece[]): number[] {
  const rates: number[] = [];
  for (const p of pieces) {
    const to = p.to < 0 ? p.from : p.to;
    for (let s = 0; s < p.seconds; s += 1) {
      const base = p.from + ((to - p.from) * s) / Math.max(1, p.seconds - 1);
      rates.push(Math.max(0, base + (rates.length % 2 === 0 ? p.jitter : -p.jitter)));
    }
  }
  return rates;
}

const configFor = (min: number, max: number) => parsePolicyConfig({ replicas: { min, max } });
const settingsArb: fc.Arbitrary<AdaptiveSettings> = fc
  .integer({ min: 1, max: 4 })
  .chain((min) => fc.tuple(fc.constant(min), fc.integer({ min, max: min + 36 })))
  .map(([min, max]) => adaptiveSettingsFromConfig(configFor(min, max)));

interface Scenario {
  settings: AdaptiveSettings;
  rates: number[];
  /** First evaluation, in seconds into the trace (a multiple of the evaluation period). */
  firstSecond: number;
  initial: number;
  capacity: number;
  bridgeFactor: number;
  queue: number;
}
const scenarioArb: fc.Arbitrary<Scenario> = settingsArb.chain((settings) =>
  fc
    .record({
      settings: fc.constant(settings),
      rates: fc.array(piece, { minLength: 1, maxLength: 8 }).map(trace),
      firstStep: fc.integer({ min: 1, max: 100 }),
      initial: fc.integer({ min: 1, max: settings.maxReplicas + 5 }),
      capacity: fc.double({ min: 5, max: 300, noNaN: true }),
      bridgeFactor: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 4, noNaN: true })),
      queue: fc.oneof(fc.constant(0), fc.constant(0), fc.double({ min: 0, max: 5000, noNaN: true })),
    })
    .map(({ firstStep, ...rest }) => ({ ...rest, firstSecond: firstStep * settings.evaluationSeconds })),
);

interface Evaluation {
  second: number;
  window: Sample[];
  input: AdaptiveInput;
  decision: Decision;
  demandNowRps: number | undefined;
  before: AdaptiveState;
}
/** Evaluates the policy every evaluation period from `firstSecond` to the end of the trace (at most 40 times). */
function run(s: Scenario): Evaluation[] {
  const startup = s.settings.startupSeconds;
  let pods: number[] = Array.from({ length: s.initial }, () => -3600); // ready times, in seconds
  let state = initialAdaptiveState;
  const evaluations: Evaluation[] = [];
  for (let second = s.firstSecond, n = 0; second < s.rates.length && n < 40; second += s.settings.evaluationSeconds, n += 1) {
    const now = second * 1000;
    const first = Math.max(0, second - 300);
    const window = s.rates.slice(first, second + 1).map((value, i) => ({ time: (first + i) * 1000, value }));
    const input: AdaptiveInput = {
      now,
      currentReplicas: pods.length,
      readyReplicas: pods.filter((readyAt) => readyAt <= second).length,
      requestRate: window,
      queueDepth: s.queue > 0 ? [{ time: now, value: s.queue }] : [],
      capacityPerReplicaRps: s.capacity,
      bridgeFactor: s.bridgeFactor,
    };
    const result = adaptiveDecide(input, state, s.settings);
    evaluations.push({ second, window, input, decision: result.decision, demandNowRps: result.bridgeNow.demandRps, before: state });
    state = result.state;
    const to = result.decision.to;
    if (to > pods.length) pods = [...pods, ...Array.from({ length: to - pods.length }, () => second + startup)];
    // The ones not yet serving go first, then the newest (as the simulator removes them).
    else if (to < pods.length) pods = [...pods].sort((a, b) => a - b).slice(0, to);
  }
  return evaluations;
}

describe('the adaptive policy over generated runs (properties)', () => {
  it('the decision’s `to` is always within [min, max] replicas, a whole number, and `from` is the current size', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { decision, input } of run(s)) {
          expect(decision.from).toBe(input.currentReplicas);
          expect(Number.isInteger(decision.to)).toBe(true);
          expect(decision.to).toBeGreaterThanOrEqual(s.settings.minReplicas);
          expect(decision.to).toBeLessThanOrEqual(s.settings.maxReplicas);
        }
      }),
      propertySettings(80),
    );
  });

  it('every decision has a non-empty one-line reason, its action agrees with from → to, and its numbers are finite or null', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { decision } of run(s)) {
          expect(decision.policy).toBe('adaptive');
          expect(decision.resource).toBe('replicas');
          expect(decision.reason.trim().length).toBeGreaterThan(0);
          expect(decision.reason).not.toMatch(/[\n\r]/);
          expect(decision.reason).not.toMatch(/NaN|undefined|Infinity/);
          expect(decision.action).toBe(decision.to > decision.from ? 'scale_out' : decision.to < decision.from ? 'scale_in' : 'none');
          for (const [name, v] of [...Object.entries(decision.signals), ...Object.entries(decision.thresholds)]) {
            if (v !== null) expect(Number.isFinite(v), `${name} = ${v}`).toBe(true);
          }
        }
      }),
      propertySettings(80),
    );
  });

  it('a decision round-trips through JSON unchanged', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { decision } of run(s)) expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
      }),
      propertySettings(60),
    );
  });

  it('scales in slowly and stepwise: never within 300 s of a scale-out or 15 s of a scale-in, never before 300 s of history, at most half the replicas a step', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        let lastOut = -Infinity;
        let lastIn = -Infinity;
        for (const { second, decision, input } of run(s)) {
          const withinBounds = input.currentReplicas <= s.settings.maxReplicas && input.currentReplicas >= s.settings.minReplicas;
          if (decision.action === 'scale_in' && withinBounds) {
            expect(second - lastOut).toBeGreaterThanOrEqual(s.settings.afterScaleOutSeconds);
            expect(second - lastIn).toBeGreaterThanOrEqual(s.settings.betweenScaleInSeconds);
            expect(second).toBeGreaterThanOrEqual(s.settings.flapWindowSeconds - s.settings.evaluationSeconds);
            expect(decision.to).toBeGreaterThanOrEqual(decision.from - Math.max(1, Math.floor(decision.from * s.settings.maxScaleInFraction)));
          }
          if (decision.action === 'scale_out') lastOut = second;
          if (decision.action === 'scale_in') lastIn = second;
        }
      }),
      propertySettings(80),
    );
  });

  it('a scale-in leaves replicas that carry the present at the target: the last 15 s and the busiest 15 s of the last minute, plus the backlog', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { decision, input, window } of run(s)) {
          if (decision.action !== 'scale_in' || input.currentReplicas > s.settings.maxReplicas) continue;
          const perReplica = decision.thresholds.targetRpsPerReplica!;
          // Consecutive 15 s blocks (end − 15 s, end] of the last minute, as the stretches the policy weighs.
          const blocks = [0, 1, 2, 3].map((k) => simpleMovingAverage(lastSpan(window, s.settings.metricWindowSeconds * 1000, input.now - k * s.settings.metricWindowSeconds * 1000)) ?? 0);
          const drain = s.queue / (s.settings.startupSeconds + s.settings.evaluationSeconds);
          const present = Math.max(...blocks) + drain;
          expect(decision.to * perReplica, decision.reason).toBeGreaterThanOrEqual(present * (1 - 1e-9));
        }
      }),
      propertySettings(80),
    );
  });

  it('while panicking (6 s demand ≥ 2× what the ready replicas carry) there is no scale-in for a stable window', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const evaluations = run(s);
        evaluations.forEach(({ input, decision, window }, i) => {
          const withinBounds = input.currentReplicas <= s.settings.maxReplicas && input.currentReplicas >= s.settings.minReplicas;
          const perReplica = decision.thresholds.targetRpsPerReplica;
          if (!withinBounds || perReplica === undefined || perReplica === null) return;
          // Only when the window is fresh (otherwise the policy holds before reading it).
          if (input.now - window.at(-1)!.time > 15_000) return;
          const panicMean = simpleMovingAverage(lastSpan(window, s.settings.panicWindowSeconds * 1000, input.now)) ?? 0;
          const drain = s.queue / (s.settings.startupSeconds + s.settings.evaluationSeconds);
          if (panicMean + drain < s.settings.panicThreshold * Math.max(1, input.readyReplicas) * perReplica) return;
          for (const later of evaluations.slice(i)) {
            if (later.input.now - input.now >= s.settings.stableWindowSeconds * 1000) break;
            if (later.input.currentReplicas <= s.settings.maxReplicas) expect(later.decision.action).not.toBe('scale_in');
          }
        });
      }),
      propertySettings(80),
    );
  });
});

describe('evidence and staleness (properties)', () => {
  const NOW = 999_990_000; // a multiple of 15 s: scale-in is weighed at this evaluation
  const settings = adaptiveSettingsFromConfig(configFor(1, 40));

  it('never scales in on a forecast alone: a load falling over 300 s whose last minute still needs the replicas holds them', () => {
    // The line through the flap window says the load will be lower (by `drop` within 300 s); the
    // present (its level now is 92–100% of what the replicas carry at the target) says they are needed.
    const falling = fc.record({
      replicas: fc.integer({ min: 2, max: 30 }),
      capacity: fc.double({ min: 10, max: 200, noNaN: true }),
      share: fc.double({ min: 0.92, max: 1, noNaN: true }),
      dropShare: fc.double({ min: 0.2, max: 3, noNaN: true }),
      jitterShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
      bridgeFactor: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 4, noNaN: true })),
    });
    fc.assert(
      fc.property(falling, ({ replicas, capacity, share, dropShare, jitterShare, bridgeFactor }) => {
        const now = replicas * capacity * settings.targetUtilisation * share;
        const drop = now * dropShare;
        const jitter = now * jitterShare;
        const rates = Array.from({ length: 600 }, (_, i) => {
          const ago = 599 - i;
          return { time: NOW - ago * 1000, value: now + (drop * Math.min(ago, 300)) / 300 + (ago % 2 === 0 ? jitter : -jitter) };
        });
        const input: AdaptiveInput = { now: NOW, currentReplicas: replicas, readyReplicas: replicas, requestRate: rates, queueDepth: [], capacityPerReplicaRps: capacity, bridgeFactor };
        const { decision } = adaptiveDecide(input, initialAdaptiveState, settings);
        expect(decision.action, decision.reason).not.toBe('scale_in');
      }),
      propertySettings(300),
    );
  });

  it('stale data (newest sample older than three evaluations) never causes a scale-in, nor any action, and sizes no bridge', () => {
    const staleLimitMs = Math.max(3 * settings.evaluationSeconds, 10) * 1000;
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 1, maxLength: 6 }).map(trace),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 5, max: 300, noNaN: true }),
        fc.oneof(fc.constant(1), fc.double({ min: 1, max: 4, noNaN: true })),
        (rates, extraAgeMs, replicas, capacity, bridgeFactor) => {
          const newest = NOW - staleLimitMs - extraAgeMs;
          const window = rates.slice(-301).map((value, i, all) => ({ time: newest - (all.length - 1 - i) * 1000, value }));
          const input: AdaptiveInput = { now: NOW, currentReplicas: replicas, readyReplicas: replicas, requestRate: window, queueDepth: [], capacityPerReplicaRps: capacity, bridgeFactor };
          const result = adaptiveDecide(input, initialAdaptiveState, settings);
          expect(result.decision.action, result.decision.reason).toBe('none');
          expect(result.decision.to).toBe(replicas);
          expect(result.bridgeNow.demandRps).toBe(0);
          // An empty window is stale too.
          expect(adaptiveDecide({ ...input, requestRate: [] }, initialAdaptiveState, settings).decision.action).toBe('none');
        },
      ),
      propertySettings(300),
    );
  });
});
