import { describe, expect, it } from 'vitest';
import { recommendCpu, recommendMemory, type VerticalSettings } from '../../scaler/policies/vertical.js';
import type { Sample } from '../../scaler/samples.js';

const MiB = 2 ** 20;
const settings: VerticalSettings = {
  percentile: 0.9,
  marginFraction: 0.15,
  oomBumpFactor: 1.2,
  oomMinBumpBytes: 100 * MiB,
  minChangeFraction: 0.1,
  floorCpuCores: 0.025,
  floorMemoryBytes: 32 * MiB,
  cpu: { minCores: 0.05, maxCores: 2 },
  memory: { minBytes: 64 * MiB, maxBytes: 2048 * MiB },
};
const series = (values: number[]): Sample[] => values.map((value, i) => ({ time: i * 1000, value }));
/** Ten samples whose p90 (interpolated) is exactly `p90`: nine equal values and one at p90. */
const flatAt = (value: number) => series(Array(10).fill(value));

describe('vertical recommendations (VPA-style)', () => {
  it('CPU: p90 of usage + 15% margin (0.4 cores → 0.46)', () => {
    const decision = recommendCpu({ container: 'api', usageCores: flatAt(0.4), limitCores: 1 }, settings);
    expect(decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 1, policy: 'vertical' });
    expect(decision.to).toBeCloseTo(0.46, 12);
  });
  it('the percentile is of recent usage: p90 of 0.1..1.0 is 0.91, +15% = 1.0465', () => {
    const decision = recommendCpu({ container: 'api', usageCores: series([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]), limitCores: 0.5 }, settings);
    expect(decision.to).toBeCloseTo(0.91 * 1.15, 12);
    expect(decision.action).toBe('scale_up');
  });
  it('memory: p90 of the working set + 15% (200 MiB → 230 MiB)', () => {
    const decision = recommendMemory({ container: 'api', workingSetBytes: flatAt(200 * MiB), limitBytes: 512 * MiB, oomKilled: false }, settings);
    expect(decision).toMatchObject({ action: 'scale_down', resource: 'memory', to: 230 * MiB });
  });
  it('after an OOM kill memory grows ×1.2 when that is more than +100 MiB (1 GiB → 1.2 GiB)', () => {
    const decision = recommendMemory({ container: 'api', workingSetBytes: flatAt(1000 * MiB), limitBytes: 1024 * MiB, oomKilled: true }, settings);
    expect(decision.action).toBe('scale_up');
    expect(decision.to).toBe(Math.round(1024 * MiB * 1.2));
    expect(decision.reason).toMatch(/OOM/);
  });
  it('after an OOM kill memory grows by at least 100 MiB (128 MiB → 228 MiB, not 153.6)', () => {
    const decision = recommendMemory({ container: 'api', workingSetBytes: flatAt(120 * MiB), limitBytes: 128 * MiB, oomKilled: true }, settings);
    expect(decision.to).toBe(228 * MiB);
  });
  it('after an OOM kill the last step to the memory cap is taken however small (950 MiB → the 1000 MiB cap, 5%)', () => {
    const capped = { ...settings, memory: { minBytes: 64 * MiB, maxBytes: 1000 * MiB } };
    const decision = recommendMemory({ container: 'api', workingSetBytes: flatAt(940 * MiB), limitBytes: 950 * MiB, oomKilled: true }, capped);
    expect(decision).toMatchObject({ action: 'scale_up', resource: 'memory', from: 950 * MiB, to: 1000 * MiB });
    expect(decision.reason).toMatch(/OOM kill at 950 MiB/);
  });
  it('without an OOM kill the same 5% step is skipped by the 10% rule', () => {
    const capped = { ...settings, memory: { minBytes: 64 * MiB, maxBytes: 1000 * MiB } };
    const decision = recommendMemory({ container: 'api', workingSetBytes: flatAt(900 * MiB), limitBytes: 950 * MiB, oomKilled: false }, capped);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/under 10%: skipped/);
  });
  it('never goes under the floor (10 millicores of use → 25 millicores floor, then the 50 m lower bound)', () => {
    const floorOnly = recommendCpu({ container: 'api', usageCores: flatAt(0.01), limitCores: 1 }, { ...settings, cpu: { minCores: 0.001, maxCores: 2 } });
    expect(floorOnly.to).toBe(0.025);
    const bounded = recommendCpu({ container: 'api', usageCores: flatAt(0.01), limitCores: 1 }, settings);
    expect(bounded.to).toBe(0.05);
  });
  it('stays within the upper bound, and says so when already there', () => {
    const decision = recommendCpu({ container: 'api', usageCores: flatAt(3), limitCores: 1 }, settings);
    expect(decision.to).toBe(2);
    const atCap = recommendCpu({ container: 'api', usageCores: flatAt(3), limitCores: 2 }, settings);
    expect(atCap.action).toBe('none');
    expect(atCap.reason).toMatch(/upper bound/);
  });
  it('skips changes under 10% of the current limit', () => {
    // p90 0.8 + 15% = 0.92 vs limit 1.0: an 8% change
    const decision = recommendCpu({ container: 'api', usageCores: flatAt(0.8), limitCores: 1 }, settings);
    expect(decision.action).toBe('none');
    expect(decision.to).toBe(1);
    expect(decision.reason).toMatch(/under 10%: skipped/);
  });
  it('brings a limit outside the bounds within them however small the move (the bounds were lowered while it ran)', () => {
    // 2.1 cores against a 2-core cap: a 4.8% move, which the 10% rule alone would skip.
    const cpu = recommendCpu({ container: 'api', usageCores: flatAt(3), limitCores: 2.1 }, settings);
    expect(cpu).toMatchObject({ action: 'scale_down', from: 2.1, to: 2 });
    expect(cpu.reason).toMatch(/was 2\.100 cores, outside 0\.050 cores\.\.2\.000 cores/);
    // 60 MiB under a 64 MiB floor of the bounds: a 6.7% move up.
    const memory = recommendMemory({ container: 'api', workingSetBytes: flatAt(10 * MiB), limitBytes: 60 * MiB, oomKilled: false }, settings);
    expect(memory).toMatchObject({ action: 'scale_up', from: 60 * MiB, to: 64 * MiB });
  });
  it('without samples, no change', () => {
    expect(recommendCpu({ container: 'api', usageCores: [], limitCores: 1 }, settings).action).toBe('none');
    expect(recommendMemory({ container: 'api', workingSetBytes: [], limitBytes: 256 * MiB, oomKilled: false }, settings).action).toBe('none');
  });
  it('the decision carries its signals and thresholds as plain data', () => {
    const decision = recommendMemory({ container: 'api', workingSetBytes: flatAt(200 * MiB), limitBytes: 512 * MiB, oomKilled: false }, settings);
    expect(decision.signals.p90Bytes).toBe(200 * MiB);
    expect(decision.thresholds).toMatchObject({ min: 64 * MiB, max: 2048 * MiB, minChangeFraction: 0.1 });
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});
