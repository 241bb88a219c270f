import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig, type PolicyConfig } from '../../scaler/config/policyConfig.js';
import { replicaDecision, type Decision } from '../../scaler/decision.js';
import { verticalSettings } from '../../scaler/loop/evaluate.js';
import { arbitrate, limitHeldByBridge, statedBridgeChange, type ArbitrationInput } from '../../scaler/policies/arbitration.js';
import { recommendCpu, recommendMemory, type VerticalSettings } from '../../scaler/policies/vertical.js';
import { bridgeCpuLimit } from '../../scaler/policies/verticalBridge.js';
import type { Sample } from '../../scaler/samples.js';
import { percentile } from '../../scaler/signals/percentile.js';
import { propertySettings } from '../support/properties.js';

/**
 * Vertical recommendations and up-or-out as specifications (README "Vertical recommendations and
 * up-or-out"), over generated usage, limits and bounds. Settings come from the config as the loop
 * builds them (`verticalSettings`), with generated CPU and memory bounds.
 */

const MiB = 2 ** 20;
const NOW = 1_000_000_000;

interface Bounds {
  config: PolicyConfig;
  settings: VerticalSettings;
}
const boundsArb: fc.Arbitrary<Bounds> = fc
  .record({
    cpuMin: fc.double({ min: 0.01, max: 1, noNaN: true }),
    cpuSpan: fc.double({ min: 0, max: 8, noNaN: true }),
    memMinMiB: fc.integer({ min: 16, max: 512 }),
    memSpanMiB: fc.integer({ min: 0, max: 8192 }),
  })
  .map(({ cpuMin, cpuSpan, memMinMiB, memSpanMiB }) => {
    const config = parsePolicyConfig({ cpu: { minCores: cpuMin, maxCores: cpuMin + cpuSpan }, memory: { minBytes: memMinMiB * MiB, maxBytes: (memMinMiB + memSpanMiB) * MiB } });
    return { config, settings: verticalSettings(config) };
  });
const series = (values: readonly number[]): Sample[] => values.map((value, i) => ({ time: NOW - (values.length - 1 - i) * 1000, value }));
const cpuUsage = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 12, noNaN: true })), { minLength: 1, maxLength: 60 }).map(series);
const memoryUsage = fc.array(fc.integer({ min: 0, max: 12 * 1024 * MiB }), { minLength: 1, maxLength: 60 }).map(series);
/** A limit within the bounds: `share` of the way from the minimum to the maximum. */
const share = fc.double({ min: 0, max: 1, noNaN: true });
const between = (min: number, max: number, s: number) => min + s * (max - min);

/** What every decision of a vertical recommendation or of arbitration is, whatever it says. */
function expectPlainDecision(decision: Decision): void {
  expect(decision.reason.trim().length).toBeGreaterThan(0);
  expect(decision.reason).not.toMatch(/[\n\r]/);
  expect(decision.reason).not.toMatch(/NaN|undefined/);
  const [up, down] = decision.resource === 'replicas' ? ['scale_out', 'scale_in'] : ['scale_up', 'scale_down'];
  expect(decision.action).toBe(decision.to > decision.from ? up : decision.to < decision.from ? down : 'none');
  for (const v of [...Object.values(decision.signals), ...Object.values(decision.thresholds)]) if (v !== null) expect(Number.isFinite(v)).toBe(true);
  expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
}

describe('vertical recommendations (properties)', () => {
  it('a CPU change lands within the bounds, never under the floor (unless the cap is), and covers the chosen percentile of usage up to the cap', () => {
    fc.assert(
      fc.property(boundsArb, cpuUsage, share, ({ config, settings }, usage, s) => {
        const limit = between(config.cpu.minCores, config.cpu.maxCores, s);
        const decision = recommendCpu({ container: 'c', usageCores: usage, limitCores: limit }, settings);
        expectPlainDecision(decision);
        expect(decision).toMatchObject({ resource: 'cpu', from: limit, policy: 'vertical' });
        if (decision.action === 'none') {
          expect(decision.to).toBe(limit);
          return;
        }
        expect(decision.to).toBeGreaterThanOrEqual(config.cpu.minCores);
        expect(decision.to).toBeLessThanOrEqual(config.cpu.maxCores);
        expect(decision.to).toBeGreaterThanOrEqual(Math.min(settings.floorCpuCores, config.cpu.maxCores));
        expect(decision.to).toBeGreaterThanOrEqual(Math.min(percentile(usage, settings.percentile)!, config.cpu.maxCores));
      }),
      propertySettings(300),
    );
  });

  it('a memory change lands within the bounds, never under the floor (unless the cap is), in whole bytes, covering the chosen percentile up to the cap', () => {
    fc.assert(
      fc.property(boundsArb, memoryUsage, share, ({ config, settings }, usage, s) => {
        const limit = Math.round(between(config.memory.minBytes, config.memory.maxBytes, s));
        const decision = recommendMemory({ container: 'c', workingSetBytes: usage, limitBytes: limit, oomKilled: false }, settings);
        expectPlainDecision(decision);
        expect(decision).toMatchObject({ resource: 'memory', from: limit, policy: 'vertical' });
        if (decision.action === 'none') {
          expect(decision.to).toBe(limit);
          return;
        }
        expect(Number.isInteger(decision.to)).toBe(true);
        expect(decision.to).toBeGreaterThanOrEqual(config.memory.minBytes);
        expect(decision.to).toBeLessThanOrEqual(config.memory.maxBytes);
        expect(decision.to).toBeGreaterThanOrEqual(Math.min(settings.floorMemoryBytes, config.memory.maxBytes));
        expect(decision.to).toBeGreaterThanOrEqual(Math.min(percentile(usage, settings.percentile)!, config.memory.maxBytes) - 0.5);
      }),
      propertySettings(300),
    );
  });

  it('a change under 10% of the current limit is skipped, and says so; a change that is made is at least 10%', () => {
    fc.assert(
      fc.property(boundsArb, cpuUsage, memoryUsage, share, ({ config, settings }, cpu, memory, s) => {
        const cpuLimit = between(config.cpu.minCores, config.cpu.maxCores, s);
        const memoryLimit = Math.round(between(config.memory.minBytes, config.memory.maxBytes, s));
        for (const decision of [
          recommendCpu({ container: 'c', usageCores: cpu, limitCores: cpuLimit }, settings),
          recommendMemory({ container: 'c', workingSetBytes: memory, limitBytes: memoryLimit, oomKilled: false }, settings),
        ]) {
          if (decision.action !== 'none') expect(Math.abs(decision.to - decision.from) / decision.from).toBeGreaterThanOrEqual(settings.minChangeFraction);
          if (/skipped/.test(decision.reason)) expect(decision.action).toBe('none');
        }
      }),
      propertySettings(300),
    );
  });

  it('a limit outside the bounds (lowered or raised while it ran) is always brought within them, however small the move', () => {
    fc.assert(
      fc.property(boundsArb, cpuUsage, memoryUsage, fc.boolean(), fc.double({ min: 1.001, max: 1.5, noNaN: true }), ({ config, settings }, cpu, memory, above, factor) => {
        const cpuLimit = above ? config.cpu.maxCores * factor : config.cpu.minCores / factor;
        const memoryLimit = Math.round(above ? config.memory.maxBytes * factor : config.memory.minBytes / factor);
        const cpuDecision = recommendCpu({ container: 'c', usageCores: cpu, limitCores: cpuLimit }, settings);
        const memoryDecision = recommendMemory({ container: 'c', workingSetBytes: memory, limitBytes: memoryLimit, oomKilled: false }, settings);
        for (const [decision, min, max] of [[cpuDecision, config.cpu.minCores, config.cpu.maxCores], [memoryDecision, config.memory.minBytes, config.memory.maxBytes]] as const) {
          expectPlainDecision(decision);
          if (decision.from >= min && decision.from <= max) continue; // rounding put it back within
          expect(decision.action).not.toBe('none');
          expect(decision.to).toBeGreaterThanOrEqual(min);
          expect(decision.to).toBeLessThanOrEqual(max);
          expect(decision.reason).toMatch(/outside/);
        }
      }),
      propertySettings(300),
    );
  });

  it('a recommendation is a fixed point: asked again at the limit it recommends, on the same usage, nothing changes', () => {
    fc.assert(
      fc.property(boundsArb, cpuUsage, memoryUsage, share, ({ config, settings }, cpu, memory, s) => {
        const first = recommendCpu({ container: 'c', usageCores: cpu, limitCores: between(config.cpu.minCores, config.cpu.maxCores, s) }, settings);
        expect(recommendCpu({ container: 'c', usageCores: cpu, limitCores: first.to }, settings).action).toBe('none');
        const firstMemory = recommendMemory({ container: 'c', workingSetBytes: memory, limitBytes: Math.round(between(config.memory.minBytes, config.memory.maxBytes, s)), oomKilled: false }, settings);
        expect(recommendMemory({ container: 'c', workingSetBytes: memory, limitBytes: firstMemory.to, oomKilled: false }, settings).action).toBe('none');
      }),
      propertySettings(300),
    );
  });

  it('after an OOM kill memory goes to at least max(×1.2, +100 MiB) of the limit, capped by the maximum, however small the last step to the cap', () => {
    fc.assert(
      fc.property(boundsArb, fc.oneof(memoryUsage, fc.constant([] as Sample[])), share, ({ config, settings }, usage, s) => {
        const limit = Math.round(between(config.memory.minBytes, config.memory.maxBytes, s));
        const decision = recommendMemory({ container: 'c', workingSetBytes: usage, limitBytes: limit, oomKilled: true }, settings);
        expectPlainDecision(decision);
        const bump = Math.min(config.memory.maxBytes, Math.max(limit * settings.oomBumpFactor, limit + settings.oomMinBumpBytes));
        expect(decision.to).toBeLessThanOrEqual(config.memory.maxBytes);
        if (limit < config.memory.maxBytes) {
          expect(decision.action).toBe('scale_up');
          expect(decision.to).toBeGreaterThanOrEqual(Math.round(bump));
        } else {
          expect(decision.action).toBe('none');
          expect(decision.reason).toMatch(/at the upper bound/);
        }
      }),
      propertySettings(300),
    );
  });
});

/** A consistent arbitration input: the vertical decisions are the recommender's for the same limits. */
interface ArbitrationCase {
  input: ArbitrationInput;
  bounds: Bounds;
}
const arbitrationArb = (withBridge: boolean): fc.Arbitrary<ArbitrationCase> =>
  fc
    .record({
      bounds: boundsArb,
      replicas: fc.integer({ min: 1, max: 10 }),
      horizontalTo: fc.integer({ min: 1, max: 20 }),
      cpu: cpuUsage,
      memory: memoryUsage,
      cpuShare: share,
      memoryShare: fc.oneof(share, fc.constant(1)),
      memoryPressure: fc.boolean(),
      oomKilled: fc.boolean(),
      cpuThrottled: fc.boolean(),
      requestDriven: fc.boolean(),
      vertical: fc.option(fc.record({ ageMs: fc.integer({ min: 0, max: 300_000 }), previousShare: share }), { nil: undefined }),
      bridge: fc.record({ baseShare: share, demandRps: fc.double({ min: 0, max: 2000, noNaN: true }), ready: fc.integer({ min: 0, max: 10 }), capacity: fc.double({ min: 5, max: 200, noNaN: true }) }),
    })
    .map((g) => {
      const { config, settings } = g.bounds;
      const base = between(config.cpu.minCores, config.cpu.maxCores, g.bridge.baseShare);
      // With a bridge the limit is the base or above it (what the bridge raised it to).
      const cpuLimit = withBridge ? between(base, config.cpu.maxCores, g.cpuShare) : between(config.cpu.minCores, config.cpu.maxCores, g.cpuShare);
      const memoryLimit = Math.round(between(config.memory.minBytes, config.memory.maxBytes, g.memoryShare));
      const input: ArbitrationInput = {
        now: NOW,
        replicas: g.replicas,
        horizontal: replicaDecision('adaptive', g.replicas, g.horizontalTo, 'the horizontal rule'),
        verticalCpu: recommendCpu({ container: 'c', usageCores: g.cpu, limitCores: cpuLimit }, settings),
        verticalMemory: recommendMemory({ container: 'c', workingSetBytes: g.memory, limitBytes: memoryLimit, oomKilled: g.oomKilled }, settings),
        memoryPressure: g.memoryPressure,
        oomKilled: g.oomKilled,
        cpuThrottled: g.cpuThrottled,
        cpuLimitCores: cpuLimit,
        cpuMaxCores: config.cpu.maxCores,
        memoryLimitBytes: memoryLimit,
        memoryMaxBytes: config.memory.maxBytes,
        requestDriven: g.requestDriven,
        settleSeconds: config.windows.stableSeconds,
        ...(g.vertical ? { lastVerticalChange: { at: NOW - g.vertical.ageMs, previousCpuLimitCores: between(config.cpu.minCores, config.cpu.maxCores, g.vertical.previousShare) } } : {}),
        ...(withBridge
          ? {
              bridge: bridgeCpuLimit({ demandRps: g.bridge.demandRps, typicalSecondRps: g.bridge.demandRps / 4, readyReplicas: g.bridge.ready, baseCapacityPerReplicaRps: g.bridge.capacity, targetUtilisation: 0.8, baseCpuLimitCores: base, currentCpuLimitCores: cpuLimit, maxCpuLimitCores: config.cpu.maxCores, minStepCores: config.cpu.bridgeStepCores }),
              bridgeBaseCpuCores: base,
            }
          : {}),
      };
      return { input, bounds: g.bounds };
    });
const eitherArb = fc.oneof(arbitrationArb(false), arbitrationArb(true));

describe('up or out: arbitration (properties)', () => {
  it('always states a one-line reason, names itself, and its action agrees with from → to', () => {
    fc.assert(
      fc.property(eitherArb, ({ input }) => {
        const result = arbitrate(input);
        expectPlainDecision(result.decision);
        expect(result.decision.policy).toMatch(/^arbitration(\/|$)/);
        if (result.bridge) expectPlainDecision(result.bridge);
      }),
      propertySettings(300),
    );
  });

  it('never answers memory pressure or an OOM kill with more replicas: below the memory cap it gives memory; at the cap a scale-out is only the horizontal rule’s own, and its reason names the cap', () => {
    fc.assert(
      fc.property(eitherArb, ({ input }) => {
        if (!input.memoryPressure && !input.oomKilled) return;
        const { decision } = arbitrate(input);
        if (input.memoryLimitBytes < input.memoryMaxBytes) {
          expect(decision).toMatchObject({ action: 'scale_up', resource: 'memory', from: input.memoryLimitBytes });
          expect(decision.to).toBeLessThanOrEqual(input.memoryMaxBytes);
          expect(decision.reason).toMatch(/more memory, not more replicas/);
        } else if (decision.action === 'scale_out') {
          expect(input.horizontal.action).toBe('scale_out');
          expect(decision.to).toBe(input.horizontal.to);
          expect(decision.reason).toMatch(/memory is at its cap/);
        } else {
          expect(decision.resource === 'memory' && decision.action === 'scale_up').toBe(false);
          if (decision.action !== 'none') expect(decision.reason).toMatch(/memory is at its cap/);
        }
      }),
      propertySettings(300),
    );
  });

  it('after an OOM kill below the memory cap, the memory it gives is at least max(×1.2, +100 MiB) of the limit, capped by the maximum', () => {
    fc.assert(
      fc.property(eitherArb, ({ input, bounds }) => {
        if (!input.oomKilled || input.memoryLimitBytes >= input.memoryMaxBytes) return;
        const { decision } = arbitrate(input);
        const limit = input.memoryLimitBytes;
        const bump = Math.min(input.memoryMaxBytes, Math.max(limit * bounds.settings.oomBumpFactor, limit + bounds.settings.oomMinBumpBytes));
        expect(decision.resource).toBe('memory');
        expect(decision.to).toBeGreaterThanOrEqual(Math.round(bump));
      }),
      propertySettings(300),
    );
  });

  it('a vertical change never moves the denominator: while it settles no scale-in and the reference CPU is the limit before it; after, the current (base) limit', () => {
    fc.assert(
      fc.property(eitherArb, ({ input }) => {
        const result = arbitrate(input);
        const change = input.lastVerticalChange;
        const settling = change !== undefined && input.now - change.at < input.settleSeconds * 1000;
        if (settling) {
          expect(result.horizontalReferenceCpuCores).toBe(change.previousCpuLimitCores);
          expect(result.decision.action).not.toBe('scale_in');
        } else {
          expect(result.horizontalReferenceCpuCores).toBe(input.bridgeBaseCpuCores ?? input.cpuLimitCores);
        }
      }),
      propertySettings(300),
    );
  });

  it('the start-up bridge never moves the denominator: the reference CPU is the one the same service would have at its base without a bridge', () => {
    fc.assert(
      fc.property(arbitrationArb(true), ({ input }) => {
        const { bridge: _bridge, bridgeBaseCpuCores, ...unbridged } = input;
        const withBridge = arbitrate(input);
        const atBase = arbitrate({ ...unbridged, cpuLimitCores: bridgeBaseCpuCores! });
        expect(withBridge.horizontalReferenceCpuCores).toBe(atBase.horizontalReferenceCpuCores);
        // The horizontal decision itself is the one taken at the base, when the replicas move.
        if (withBridge.decision.resource === 'replicas' && withBridge.decision.action !== 'none') expect(withBridge.decision.to).toBe(input.horizontal.to);
      }),
      propertySettings(300),
    );
  });

  it('while the bridge holds the CPU limit no VPA-style CPU change is applied, the grow-first rule never fires, and the bridge’s own change goes alongside', () => {
    fc.assert(
      fc.property(arbitrationArb(true), ({ input }) => {
        const result = arbitrate(input);
        const bridge = input.bridge!;
        const held = limitHeldByBridge(bridge, input.cpuLimitCores, input.bridgeBaseCpuCores!);
        if (held) expect(result.decision.resource === 'cpu' && result.decision.action !== 'none').toBe(false);
        expect(result.decision.reason).not.toMatch(/grows before it multiplies/);
        if (bridge.action === 'none') expect(result.bridge).toBeUndefined();
        else expect(result.bridge).toEqual(statedBridgeChange(bridge));
      }),
      propertySettings(300),
    );
  });

  it('the bridge holds the limit exactly while it moves it or the limit is off its base', () => {
    fc.assert(
      fc.property(arbitrationArb(true), ({ input }) => {
        const bridge = input.bridge!;
        const base = input.bridgeBaseCpuCores!;
        const held = limitHeldByBridge(bridge, input.cpuLimitCores, base);
        if (bridge.action !== 'none' || Math.abs(input.cpuLimitCores - base) > 1e-9) expect(held).toBe(true);
        else expect(held).toBe(false);
        // A bridge at rest at the base, asked for no more than the ready replicas carry, holds nothing.
        const rest = bridgeCpuLimit({ demandRps: 0, typicalSecondRps: 0, readyReplicas: 1, baseCapacityPerReplicaRps: 50, targetUtilisation: 0.8, baseCpuLimitCores: base, currentCpuLimitCores: base, maxCpuLimitCores: input.cpuMaxCores, minStepCores: 0.05 });
        expect(limitHeldByBridge(rest, base, base)).toBe(false);
      }),
      propertySettings(200),
    );
  });

  it('the stated bridge change keeps what the bridge does, prefixes its policy, and keeps its reason', () => {
    fc.assert(
      fc.property(arbitrationArb(true), ({ input }) => {
        const bridge = input.bridge!;
        const stated = statedBridgeChange(bridge);
        expect(stated).toMatchObject({ action: bridge.action, resource: bridge.resource, from: bridge.from, to: bridge.to, signals: bridge.signals, thresholds: bridge.thresholds, policy: `arbitration/${bridge.policy}` });
        expect(stated.reason.endsWith(`: ${bridge.reason}`)).toBe(true);
        expectPlainDecision(stated);
      }),
      propertySettings(200),
    );
  });
});
