import { describe, expect, it } from 'vitest';
import { resolvePolicyConfig } from '../../scaler/config/labels.js';
import { comparisonChart } from '../../demo/comparisonChart.js';
import { demoAppLabels } from '../../demo/demoLabels.js';
import type { SecondSample } from '../../demo/demoOutcome.js';
import { comparisonTable, policyComparison, runFigures, violatedSecond } from '../../demo/policyComparison.js';

/** A second of the demo: 100 requests asked for, all answered at `p95Ms`, replicas at a limit. */
function second(n: number, phase: SecondSample['phase'], p95Ms: number | null, serving: [number, number], running: [number, number] = serving, failed = 0): SecondSample {
  return {
    second: n, phase, targetRps: 100, sent: 100, ok: 100 - failed, failed, p95Ms,
    servingReplicas: serving[0], cpuLimitCores: serving[1], runningReplicas: running[0], runningCpuCores: running[0] * running[1],
  };
}

describe('the demo under the HPA rule', () => {
  it('is scaled as an HPA scales: replicas only, at a fixed CPU limit', () => {
    const config = resolvePolicyConfig(undefined, demoAppLabels('demo-app', 'hpa', true));
    expect(config.policy).toBe('hpa');
    expect(config.cpu.minCores).toBe(0.1);
    expect(config.cpu.maxCores).toBe(0.1);
  });

  it('may run as many cores in all as the adaptive run may', () => {
    const hpa = resolvePolicyConfig(undefined, demoAppLabels('demo-app', 'hpa', false));
    const adaptive = resolvePolicyConfig(undefined, demoAppLabels('demo-app', 'adaptive', false));
    expect(adaptive.policy).toBe('adaptive');
    expect(hpa.replicas.max * hpa.cpu.maxCores).toBeCloseTo(adaptive.replicas.max * adaptive.cpu.maxCores, 9);
    expect(hpa.replicas.max).toBe(12);
  });

  it('shares every other setting with the adaptive run: target, start-up, windows', () => {
    const { 'scalewright.policy': hpaPolicy, 'scalewright.cpu.max': hpaMax, 'scalewright.max-replicas': hpaReplicas, ...hpaRest } = demoAppLabels('demo-app', 'hpa', true);
    const { 'scalewright.policy': policy, 'scalewright.cpu.max': max, 'scalewright.max-replicas': replicas, ...rest } = demoAppLabels('demo-app', 'adaptive', true);
    expect([hpaPolicy, hpaMax, hpaReplicas]).toEqual(['hpa', '0.1', '12']);
    expect([policy, max, replicas]).toEqual(['adaptive', '0.3', '4']);
    expect(hpaRest).toEqual(rest);
  });
});

describe('a violation-second of the live demo', () => {
  it('is a second of load whose p95 is over the objective, or with a failed request', () => {
    expect(violatedSecond(second(0, 'spike', 501, [1, 0.1]))).toBe(true);
    expect(violatedSecond(second(0, 'spike', 500, [1, 0.1]))).toBe(false);
    expect(violatedSecond(second(0, 'spike', 20, [1, 0.1], [1, 0.1], 1))).toBe(true);
  });

  it('is a second where the service fell behind: fewer than 90% of the requests asked for answered', () => {
    expect(violatedSecond({ ...second(0, 'spike', 200, [1, 0.1]), targetRps: 250, sent: 224, ok: 224 })).toBe(true);
    expect(violatedSecond({ ...second(0, 'spike', 200, [1, 0.1]), targetRps: 250, sent: 225, ok: 225 })).toBe(false);
  });

  it('is also a second where nothing could be sent, but not a second without load', () => {
    expect(violatedSecond({ ...second(0, 'spike', null, [1, 0.1]), sent: 0, ok: 0 })).toBe(true);
    expect(violatedSecond({ ...second(0, 'cool-down', null, [1, 0.1]), targetRps: 0, sent: 0, ok: 0 })).toBe(false);
  });
});

describe('the figures of one run', () => {
  const run = [
    second(0, 'ramp', 40, [1, 0.1]),
    second(1, 'spike', 900, [1, 0.1], [2, 0.1]),
    second(2, 'spike', 700, [1, 0.3], [2, 0.3]),
    second(3, 'spike', 120, [2, 0.3]),
    second(4, 'cool-down', 30, [2, 0.1], [2, 0.1], 2),
    second(5, 'cool-down', 30, [1, 0.1]),
  ];

  it('counts violation-seconds over the run and within the spike', () => {
    const figures = runFigures('adaptive', run);
    expect(figures.violationSeconds).toBe(3);
    expect(figures.spikeViolationSeconds).toBe(2);
  });

  it('costs the CPU limits of every running replica, starting ones included', () => {
    // 0.1 + 0.2 + 0.6 + 0.6 + 0.2 + 0.1
    expect(runFigures('adaptive', run).coreSeconds).toBeCloseTo(1.8, 9);
  });

  it('times the new capacity from the spike, and counts each change of the capacity serving', () => {
    const figures = runFigures('adaptive', run);
    expect(figures.secondsToNewCapacity).toBe(1);
    expect(figures.worstSpikeP95Ms).toBe(900);
    // 0.1 → 0.3 → 0.6 → 0.2 → 0.1
    expect(figures.capacityChanges).toBe(4);
    expect(figures.peakReplicas).toBe(2);
    expect(figures.peakCores).toBeCloseTo(0.6, 9);
    expect([figures.requests, figures.failed]).toEqual([600, 2]);
  });

  it('counts the requests asked for against those answered, since a service that falls behind is sent fewer', () => {
    const behind = run.map((s) => (s.phase === 'spike' ? { ...s, targetRps: 250 } : s));
    const figures = runFigures('hpa', behind);
    expect(figures.asked).toBe(3 * 100 + 3 * 250);
    expect(figures.answered).toBe(598);
    // Every second of the spike now fell behind.
    expect(figures.spikeViolationSeconds).toBe(3);
    // 1.8 core-seconds over 598 answers
    expect(figures.coreMsPerAnswered).toBeCloseTo(1800 / 598, 9);
    expect(comparisonTable(policyComparison(behind, run))[1]).toContain(' 57% ');
  });
});

describe('the comparison of the two runs', () => {
  const hpa = [second(0, 'spike', 900, [1, 0.1], [2, 0.1]), second(1, 'spike', 800, [1, 0.1], [2, 0.1]), second(2, 'spike', 100, [2, 0.1]), second(3, 'cool-down', 50, [2, 0.1])];
  const adaptive = [second(0, 'spike', 600, [1, 0.1]), second(1, 'spike', 90, [1, 0.3]), second(2, 'spike', 80, [1, 0.3]), second(3, 'cool-down', 50, [1, 0.1])];

  it('states the adaptive run against the HPA rule’s as ratios', () => {
    const comparison = policyComparison(hpa, adaptive);
    expect(comparison.hpa.violationSeconds).toBe(2);
    expect(comparison.adaptive.violationSeconds).toBe(1);
    expect(comparison.violationRatio).toBeCloseTo(0.5, 9);
    // 0.8 core-seconds against 0.8
    expect(comparison.costRatio).toBeCloseTo(1, 9);
  });

  it('states the cost per request answered too, since a run that served less looks cheap in core-seconds', () => {
    // The HPA run answered half of each second: the same core-seconds, twice the cost per answer.
    const half = hpa.map((s) => ({ ...s, ok: 50, sent: 50 }));
    const comparison = policyComparison(half, adaptive);
    expect(comparison.costRatio).toBeCloseTo(1, 9);
    expect(comparison.costPerAnsweredRatio).toBeCloseTo(0.5, 9);
  });

  it('has no violation ratio when the HPA rule had no violation', () => {
    const calm = hpa.map((s) => ({ ...s, p95Ms: 10 }));
    expect(policyComparison(calm, adaptive).violationRatio).toBeNull();
    expect(comparisonTable(policyComparison(calm, adaptive))[3]).toContain('n/a (the HPA rule had none)');
  });

  it('prints a row a policy, then the ratios', () => {
    const lines = comparisonTable(policyComparison(hpa, adaptive));
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^HPA rule +2 +2 +0\.8 +100% +2\.00 +2 s +900 ms +2 \(0\.20\) +0 of 400 +1$/);
    expect(lines[2]).toMatch(/^adaptive policy +1 +1 +0\.8 +100% +2\.00 +1 s +600 ms +1 \(0\.30\) +0 of 400 +2$/);
    expect(lines[3]).toBe('adaptive / HPA rule: 0.50× the violation-seconds, 1.00× the core-seconds, 1.00× per request answered');
    expect(lines[4]).toBe('a violation-second: p95 over 500 ms, a failed request, or under 90% of the requests asked for answered');
  });

  it('draws both runs on one axis: load, latency, CPU serving and replicas', () => {
    const comparison = policyComparison(hpa, adaptive);
    const svg = comparisonChart(comparison, [{ policy: 'hpa', samples: hpa }, { policy: 'adaptive', samples: adaptive }]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const title of ['Requests/s asked for and answered', 'p95 latency, ms', 'CPU serving', 'Replicas serving']) expect(svg).toContain(title);
    expect(svg).toContain('0.50× the violation-seconds');
    expect(svg).toContain('HPA rule');
    expect(svg).toContain('adaptive policy');
  });
});
