import fc from 'fast-check';
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
  type HpaScalingRules,
  type HpaSettings,
  type HpaState,
} from '../../scaler/policies/hpa.js';
import type { Decision } from '../../scaler/decision.js';
import { propertySettings } from '../support/properties.js';

/**
 * The HPA rule as specifications over generated runs of the controller: syncs 15 s apart (or at
 * random intervals), each pod with its own utilisation, ready or not, pending, failed, being
 * deleted, or without a metric. The spec is the README's ("The HPA rule") and the Kubernetes
 * documentation it follows.
 */

const T0 = 1_000_000_000;

/** What one pod is, at a sync: the kinds the controller tells apart. */
type PodKind = 'ready' | 'missing' | 'unready' | 'warming' | 'pending' | 'failed' | 'deleting' | 'noReadyCondition';
interface PodSpec {
  kind: PodKind;
  utilisationPercent: number;
  requestMilli: number;
}
const podKind = fc.constantFrom<PodKind>('ready', 'ready', 'ready', 'ready', 'ready', 'missing', 'unready', 'warming', 'pending', 'failed', 'deleting', 'noReadyCondition');
const podSpec = (kind: fc.Arbitrary<PodKind> = podKind): fc.Arbitrary<PodSpec> =>
  fc.record({ kind, utilisationPercent: fc.double({ min: 0, max: 400, noNaN: true }), requestMilli: fc.integer({ min: 50, max: 2000 }) });

function pod(spec: PodSpec, now: number): HpaPod {
  const old = now - 3_600_000;
  const metric = { usageMilli: (spec.utilisationPercent / 100) * spec.requestMilli, timestamp: now, windowMs: 15_000 };
  const base: HpaPod = { phase: 'Running', ready: true, startTime: old, readyTransitionTime: old + 30_000, requestMilli: spec.requestMilli, metric };
  switch (spec.kind) {
    case 'ready':
      return base;
    case 'missing':
      return { ...base, metric: undefined };
    case 'unready':
      return { ...base, ready: false, startTime: now - 20_000, readyTransitionTime: now - 20_000 };
    case 'warming':
      // Ready 5 s ago, within the CPU initialisation period: its sample is set aside.
      return { ...base, startTime: now - 60_000, readyTransitionTime: now - 5_000 };
    case 'pending':
      return { ...base, phase: 'Pending', ready: false };
    case 'failed':
      return { ...base, phase: 'Failed' };
    case 'deleting':
      return { ...base, deleting: true };
    case 'noReadyCondition':
      return { ...base, ready: undefined };
  }
}
/** `count` pods at `now`, from the templates (cycled). */
const podsFrom = (templates: readonly PodSpec[], count: number, now: number) => Array.from({ length: count }, (_, i) => pod(templates[i % templates.length]!, now));

const bounds = fc.integer({ min: 1, max: 5 }).chain((min) => fc.tuple(fc.constant(min), fc.integer({ min, max: min + 40 })));
/** Targets up to 100% (the config's `targets.cpuUtilisation` is at most 1). */
const settingsArb: fc.Arbitrary<HpaSettings> = fc
  .tuple(bounds, fc.integer({ min: 10, max: 100 }))
  .map(([[minReplicas, maxReplicas], targetUtilizationPercent]) => hpaSettings({ minReplicas, maxReplicas, targetUtilizationPercent }));

interface Step {
  dtMs: number;
  pods: PodSpec[];
}
const stepArb = (kinds?: fc.Arbitrary<PodKind>): fc.Arbitrary<Step> =>
  fc.record({ dtMs: fc.oneof(fc.constant(15_000), fc.integer({ min: 1000, max: 120_000 })), pods: fc.array(podSpec(kinds), { minLength: 1, maxLength: 12 }) });

interface Sync {
  now: number;
  decision: Decision;
}
/** Runs the controller over the steps, the target's size following every decision (as the scale subresource does). */
function run(settings: HpaSettings, initial: number, steps: readonly Step[]): Sync[] {
  let state = initialHpaState(initial, T0);
  let current = initial;
  let now = T0;
  const syncs: Sync[] = [];
  for (const step of steps) {
    now += step.dtMs;
    const result = hpaReconcile({ now, currentReplicas: current, pods: podsFrom(step.pods, current, now), settings }, state);
    state = result.state;
    syncs.push({ now, decision: result.decision });
    current = result.decision.to;
  }
  return syncs;
}
const runArb = (kinds?: fc.Arbitrary<PodKind>) =>
  settingsArb.chain((settings) =>
    fc.record({ settings: fc.constant(settings), initial: fc.integer({ min: settings.minReplicas, max: settings.maxReplicas }), steps: fc.array(stepArb(kinds), { minLength: 1, maxLength: 40 }) }),
  );

describe('the HPA rule over generated runs (properties)', () => {
  it('the desired replicas always lie within [min, max], and a target outside them is brought inside in one step', () => {
    const outside = settingsArb.chain((settings) =>
      fc.record({ settings: fc.constant(settings), initial: fc.oneof(fc.integer({ min: 1, max: settings.maxReplicas }), fc.integer({ min: settings.maxReplicas + 1, max: settings.maxReplicas + 50 })), steps: fc.array(stepArb(), { minLength: 1, maxLength: 30 }) }),
    );
    fc.assert(
      fc.property(outside, ({ settings, initial, steps }) => {
        const syncs = run({ ...settings, minReplicas: Math.min(settings.minReplicas, initial) }, initial, steps);
        // The first sync may find the target above max: it goes to max at once.
        if (initial > settings.maxReplicas) expect(syncs[0]!.decision.to).toBe(settings.maxReplicas);
        for (const { decision } of syncs) {
          expect(decision.to).toBeGreaterThanOrEqual(Math.min(settings.minReplicas, initial));
          expect(decision.to).toBeLessThanOrEqual(settings.maxReplicas);
          expect(Number.isInteger(decision.to)).toBe(true);
        }
      }),
      propertySettings(200),
    );
  });

  it('a scale-up never exceeds max(2 × P, P + 4), P the replicas at the start of the 15 s period (the default behaviour)', () => {
    fc.assert(
      fc.property(runArb(), ({ settings, initial, steps }) => {
        const syncs = run(settings, initial, steps);
        syncs.forEach(({ now, decision }) => {
          if (decision.action !== 'scale_out') return;
          // The size once every decision up to the start of the period (now − 15 s, excluded from it) was applied.
          const before = syncs.filter((sync) => sync.now <= now - 15_000).at(-1)?.decision.to ?? initial;
          expect(decision.to).toBeLessThanOrEqual(Math.max(2 * before, before + 4));
        });
      }),
      propertySettings(200),
    );
  });

  it('a scale-down is never below the highest recommendation of the last 300 s (the stabilisation window)', () => {
    fc.assert(
      fc.property(runArb(), ({ settings, initial, steps }) => {
        const syncs = run(settings, initial, steps);
        // The new controller remembers the size it found as a recommendation (maybeInitScaleDownStabilizationWindow).
        const recommendations = [{ time: T0, replicas: initial }];
        for (const { now, decision } of syncs) {
          const recommendation = decision.signals.metricRecommendation;
          if (recommendation !== undefined && recommendation !== null) recommendations.push({ time: now, replicas: recommendation });
          if (decision.action !== 'scale_in') continue;
          const highest = Math.max(...recommendations.filter((rec) => rec.time > now - 300_000).map((rec) => rec.replicas));
          expect(decision.to).toBeGreaterThanOrEqual(Math.min(highest, decision.from));
        }
      }),
      propertySettings(200),
    );
  });

  it('within the tolerance (|utilisation / target − 1| ≤ 0.1) nothing changes, whatever the pods without metrics or not yet ready', () => {
    fc.assert(
      fc.property(runArb(), ({ settings, initial, steps }) => {
        for (const { decision } of run(settings, initial, steps)) {
          const utilisation = decision.signals.cpuUtilizationPercent;
          if (utilisation === undefined || utilisation === null) continue;
          if (Math.abs(1 - utilisation / settings.targetUtilizationPercent) <= settings.tolerance) {
            expect(decision.action, decision.reason).toBe('none');
            expect(decision.to).toBe(decision.from);
          }
        }
      }),
      propertySettings(200),
    );
  });

  it('with no metric for any ready pod it does not scale', () => {
    const blind = fc.constantFrom<PodKind>('missing', 'unready', 'pending', 'failed', 'deleting', 'noReadyCondition', 'warming');
    fc.assert(
      fc.property(runArb(blind), ({ settings, initial, steps }) => {
        for (const { decision } of run(settings, initial, steps)) {
          expect(decision.action).toBe('none');
          expect(decision.to).toBe(initial);
          expect(decision.reason).toMatch(/^no scaling: /);
        }
      }),
      propertySettings(150),
    );
  });

  it('every decision is plain data: action agrees with from → to, a one-line reason, finite numbers or null, and it survives JSON', () => {
    fc.assert(
      fc.property(runArb(), ({ settings, initial, steps }) => {
        for (const { decision } of run(settings, initial, steps)) {
          expect(decision.action).toBe(decision.to > decision.from ? 'scale_out' : decision.to < decision.from ? 'scale_in' : 'none');
          expect(decision.reason.length).toBeGreaterThan(0);
          expect(decision.reason).not.toMatch(/\n/);
          for (const v of [...Object.values(decision.signals), ...Object.values(decision.thresholds)]) if (v !== null) expect(Number.isFinite(v)).toBe(true);
          expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
        }
      }),
      propertySettings(100),
    );
  });

  it('a steady total load spread over the replicas reaches a fixed point: after 10 minutes of 15 s syncs nothing changes', () => {
    const steady = fc.record({ settings: settingsArb, initialShare: fc.double({ min: 0, max: 1, noNaN: true }), loadMilli: fc.integer({ min: 0, max: 60_000 }) });
    fc.assert(
      fc.property(steady, ({ settings, initialShare, loadMilli }) => {
        let current = settings.minReplicas + Math.round(initialShare * (settings.maxReplicas - settings.minReplicas));
        let state = initialHpaState(current, T0);
        const actions: string[] = [];
        for (let sync = 1; sync <= 50; sync += 1) {
          const now = T0 + sync * 15_000;
          const each = loadMilli / current;
          const pods = Array.from({ length: current }, () => pod({ kind: 'ready', requestMilli: 1000, utilisationPercent: each / 10 }, now));
          const result = hpaReconcile({ now, currentReplicas: current, pods, settings }, state);
          state = result.state;
          current = result.decision.to;
          actions.push(result.decision.action);
        }
        expect(actions.slice(-10)).toEqual(Array(10).fill('none'));
      }),
      propertySettings(150),
    );
  });
});

describe('the HPA replica calculation (properties)', () => {
  it('more CPU on every pod never asks for fewer replicas (pods ready, with metrics)', () => {
    // The target's size is its pod count here: within the band the calculation keeps `current`.
    const arb = fc.record({
      target: fc.integer({ min: 10, max: 100 }),
      utilisations: fc.array(fc.tuple(fc.double({ min: 0, max: 400, noNaN: true }), fc.double({ min: 0, max: 200, noNaN: true })), { minLength: 1, maxLength: 30 }),
    });
    fc.assert(
      fc.property(arb, ({ target, utilisations }) => {
        const now = T0;
        const current = utilisations.length;
        const lower = utilisations.map(([u]) => pod({ kind: 'ready', requestMilli: 1000, utilisationPercent: u }, now));
        const higher = utilisations.map(([u, more]) => pod({ kind: 'ready', requestMilli: 1000, utilisationPercent: u + more }, now));
        const a = resourceReplicas(current, lower, target, 0.1, now);
        const b = resourceReplicas(current, higher, target, 0.1, now);
        expect(a.ok && b.ok).toBe(true);
        if (a.ok && b.ok) expect(b.replicas).toBeGreaterThanOrEqual(a.replicas);
      }),
      propertySettings(300),
    );
  });

  it('a missing metric never pushes the recommendation past what the pods with metrics alone would ask (it only damps)', () => {
    const arb = fc.record({
      target: fc.integer({ min: 10, max: 100 }),
      seen: fc.array(fc.double({ min: 0, max: 400, noNaN: true }), { minLength: 1, maxLength: 20 }),
      unseen: fc.integer({ min: 1, max: 10 }),
    });
    fc.assert(
      fc.property(arb, ({ target, seen, unseen }) => {
        const now = T0;
        const visible = seen.map((u) => pod({ kind: 'ready', requestMilli: 1000, utilisationPercent: u }, now));
        const hidden = Array.from({ length: unseen }, () => pod({ kind: 'missing', requestMilli: 1000, utilisationPercent: 0 }, now));
        const current = visible.length + hidden.length;
        // What the visible pods ask, scaled to all of them: a missing pod neither adds to a scale-up nor to a scale-down.
        const alone = resourceReplicas(visible.length, visible, target, 0.1, now);
        const all = resourceReplicas(current, [...visible, ...hidden], target, 0.1, now);
        if (!alone.ok || !all.ok) throw new Error('metrics expected');
        if (alone.replicas > visible.length) expect(all.replicas).toBeGreaterThanOrEqual(current);
        if (alone.replicas < visible.length) expect(all.replicas).toBeLessThanOrEqual(current);
        if (all.replicas > current) expect(alone.replicas).toBeGreaterThan(visible.length);
        if (all.replicas < current) expect(alone.replicas).toBeLessThan(visible.length);
      }),
      propertySettings(300),
    );
  });
});

describe('the HPA scaling-rate limits (properties)', () => {
  const empty: HpaState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
  const policy = fc.record({ type: fc.constantFrom<'Pods' | 'Percent'>('Pods', 'Percent'), value: fc.integer({ min: 1, max: 100 }), periodSeconds: fc.integer({ min: 1, max: 1800 }) });
  const rules = (select: fc.Arbitrary<HpaScalingRules['selectPolicy']>) =>
    fc.record({ stabilizationWindowSeconds: fc.integer({ min: 0, max: 600 }), selectPolicy: select, policies: fc.array(policy, { minLength: 1, maxLength: 4 }) });
  const events = fc.array(fc.record({ change: fc.integer({ min: 1, max: 20 }), ageMs: fc.integer({ min: 0, max: 3_600_000 }) }), { maxLength: 6 });
  const stateOf = (ups: { change: number; ageMs: number }[], downs: { change: number; ageMs: number }[], now: number): HpaState => ({
    recommendations: [],
    scaleUpEvents: ups.map((e) => ({ change: e.change, time: now - e.ageMs })),
    scaleDownEvents: downs.map((e) => ({ change: e.change, time: now - e.ageMs })),
  });
  const current = fc.integer({ min: 0, max: 500 });

  it('by default, from a quiet period, up to max(2 × current, current + 4), and down to any size', () => {
    fc.assert(
      fc.property(current, (c) => {
        expect(scaleUpLimitFor(T0, c, empty, DEFAULT_HPA_BEHAVIOR.scaleUp)).toBe(Math.max(2 * c, c + 4));
        expect(scaleDownLimitFor(T0, c, empty, DEFAULT_HPA_BEHAVIOR.scaleDown)).toBe(0);
      }),
      propertySettings(100),
    );
  });

  it('the limit is set by the size at the start of the period, however the target got to its size since', () => {
    fc.assert(
      fc.property(rules(fc.constantFrom('Max', 'Min')), current, fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (r, start, up, down) => {
        const shortest = Math.min(...r.policies.map((p) => p.periodSeconds));
        // Both events inside every policy's period.
        const within = Math.max(0, Math.min(shortest * 1000 - 1, 500));
        const moved: HpaState = { recommendations: [], scaleUpEvents: up > 0 ? [{ change: up, time: T0 - within }] : [], scaleDownEvents: down > 0 ? [{ change: down, time: T0 - within }] : [] };
        const now = start + up - down;
        expect(scaleUpLimitFor(T0, now, moved, r)).toBe(scaleUpLimitFor(T0, start, empty, r));
        expect(scaleDownLimitFor(T0, now, moved, r)).toBe(scaleDownLimitFor(T0, start, empty, r));
      }),
      propertySettings(300),
    );
  });

  it('events older than every period do not count', () => {
    fc.assert(
      fc.property(rules(fc.constantFrom('Max', 'Min')), current, events, events, (r, c, ups, downs) => {
        const longest = Math.max(...r.policies.map((p) => p.periodSeconds)) * 1000;
        const old = stateOf(
          ups.map((e) => ({ ...e, ageMs: longest + e.ageMs })),
          downs.map((e) => ({ ...e, ageMs: longest + e.ageMs })),
          T0,
        );
        expect(scaleUpLimitFor(T0, c, old, r)).toBe(scaleUpLimitFor(T0, c, empty, r));
        expect(scaleDownLimitFor(T0, c, old, r)).toBe(scaleDownLimitFor(T0, c, empty, r));
      }),
      propertySettings(300),
    );
  });

  it('selectPolicy Max allows at least what Min does, either way; Disabled allows no change', () => {
    fc.assert(
      fc.property(rules(fc.constant('Max')), current, events, events, (r, c, ups, downs) => {
        const state = stateOf(ups, downs, T0);
        const asMin = { ...r, selectPolicy: 'Min' as const };
        expect(scaleUpLimitFor(T0, c, state, r)).toBeGreaterThanOrEqual(scaleUpLimitFor(T0, c, state, asMin));
        expect(scaleDownLimitFor(T0, c, state, r)).toBeLessThanOrEqual(scaleDownLimitFor(T0, c, state, asMin));
        expect(scaleUpLimitFor(T0, c, state, { ...r, selectPolicy: 'Disabled' })).toBe(c);
        expect(scaleDownLimitFor(T0, c, state, { ...r, selectPolicy: 'Disabled' })).toBe(c);
      }),
      propertySettings(300),
    );
  });

  it('with both directions Disabled (selectPolicy) a reconcile within the bounds never changes the size', () => {
    fc.assert(
      fc.property(runArb(), ({ settings, initial, steps }) => {
        const frozen: HpaSettings = { ...settings, scaleUp: { ...settings.scaleUp, selectPolicy: 'Disabled' }, scaleDown: { ...settings.scaleDown, selectPolicy: 'Disabled' } };
        for (const { decision } of run(frozen, initial, steps)) expect(decision.action).toBe('none');
      }),
      propertySettings(100),
    );
  });
});
