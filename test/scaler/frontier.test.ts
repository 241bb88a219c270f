import { describe, expect, it } from 'vitest';
import { clairvoyantFrontier, costWithin, type FrontierOptions, type FrontierPoint } from '../../scaler/simulator/frontier.js';
import { frontierChart } from '../../scaler/simulator/frontierChart.js';
import type { Comparison } from '../../scaler/simulator/compare.js';
import { replayTrace } from '../../scaler/simulator/replay.js';
import { DEFAULT_SERVICE_MODEL } from '../../scaler/simulator/serviceModel.js';
import { syntheticTrace } from '../../scaler/simulator/synthetic.js';
import type { PolicyOutcome } from '../../scaler/simulator/simulate.js';

// The default model: 50 req/s per base replica (0.5 cores); the planner's replicas have 2 cores.
const options = (prices: number[], overrides: Partial<FrontierOptions> = {}): FrontierOptions => ({ model: DEFAULT_SERVICE_MODEL, coresPerReplica: 2, windowSeconds: 60, prices, ...overrides });
const flat = (seconds: number, load: number) => new Float64Array(seconds).fill(load);

describe('the clairvoyant frontier', () => {
  it('plans a steady load with no violation, at the capacity where its p95 meets the objective', () => {
    const [point] = clairvoyantFrontier(flat(600, 100), options([10]));
    expect(point!.sloViolationSeconds).toBe(0);
    // 100 req/s needs 106.25 req/s of 2-core replicas (0.53 of one, 2.125 slots, ρ 0.941):
    // p95 = ln 20 × (0.02 s + 0.02 × 0.941^1.5 / (2.125 × 0.059)) = 0.4999 s. That is 2.125 base
    // replicas (50 req/s each) for 600 s.
    expect(point!.replicaSeconds).toBe(1275);
  });

  it('where violations cost next to nothing, it buys no capacity but to drain what it owes: every loaded second violates', () => {
    const [point] = clairvoyantFrontier(flat(10, 100), options([1e-9]));
    expect(point!.sloViolationSeconds).toBe(10);
    // Second 0: no capacity, 100 wait. Each later second drains the 100 owed (2 base replicas' worth) while 100 more arrive.
    expect(point!.replicaSeconds).toBe(18);
  });

  it('holds headroom for a lone spike second only when violations are dear', () => {
    const load = flat(600, 100);
    load[300] = 400;
    const [cheap, dear] = clairvoyantFrontier(load, options([5, 1000]));
    // It knows a second of 400 is among the 121 around it, not which one: covering it costs ~6
    // base replicas for 121 s, skipping it 1/121 of a violation-second per second.
    expect(cheap!.sloViolationSeconds).toBeGreaterThanOrEqual(1);
    expect(dear!.sloViolationSeconds).toBe(0);
    expect(dear!.replicaSeconds - cheap!.replicaSeconds).toBeGreaterThan(121 * 5);
  });

  it('buys fewer violation-seconds for more replica-seconds as the price of a violation rises (white noise)', () => {
    const { rates } = replayTrace(syntheticTrace('noise', 1800), { maxReplayStepSeconds: 60, peakRps: 560 });
    const points = clairvoyantFrontier(rates, options([1, 10, 100, 1000]));
    for (let i = 1; i < points.length; i += 1) {
      expect(points[i]!.sloViolationSeconds).toBeLessThanOrEqual(points[i - 1]!.sloViolationSeconds);
      expect(points[i]!.replicaSeconds).toBeGreaterThanOrEqual(points[i - 1]!.replicaSeconds);
    }
    expect(points[0]!.sloViolationSeconds).toBeGreaterThan(points.at(-1)!.sloViolationSeconds);
  });

  it('spends nothing beyond the load where no capacity meets the objective (a dependency slower than it)', () => {
    const [point] = clairvoyantFrontier(flat(100, 100), options([1000], { model: { ...DEFAULT_SERVICE_MODEL, dependencySeconds: 0.6 } }));
    expect(point!.sloViolationSeconds).toBe(100);
    expect(point!.replicaSeconds).toBe(200);
  });

  it('a violation budget costs the cheapest point within it, or none where the frontier does not reach it', () => {
    const points: FrontierPoint[] = [
      { pricePerViolationSecond: 1, sloViolationSeconds: 300, replicaSeconds: 100 },
      { pricePerViolationSecond: 2, sloViolationSeconds: 90, replicaSeconds: 180 },
      { pricePerViolationSecond: 4, sloViolationSeconds: 40, replicaSeconds: 250 },
    ];
    expect(costWithin(points, 90)).toEqual({ replicaSeconds: 180, sloViolationSeconds: 90 });
    expect(costWithin(points, 40)).toEqual({ replicaSeconds: 250, sloViolationSeconds: 40 });
    expect(costWithin(points, 39)).toBeUndefined();
    expect(costWithin([], 100)).toBeUndefined();
  });

  it('between two points, the mix of their plans that lands on the budget (an edge of the frontier), where it is cheaper', () => {
    const cheap = { pricePerViolationSecond: 32, sloViolationSeconds: 600, replicaSeconds: 35_000 };
    const dear = { pricePerViolationSecond: 45.25, sloViolationSeconds: 400, replicaSeconds: 60_000 };
    // 500 violation-seconds: half the seconds planned at each price, 47,500 replica-seconds, where the one point within costs 60,000.
    expect(costWithin([cheap, dear], 500)).toEqual({ replicaSeconds: 47_500, sloViolationSeconds: 500, mix: { cheaper: cheap, dearer: dear, shareOfDearer: 0.5 } });
    // 450: three quarters at the dearer price.
    expect(costWithin([cheap, dear], 450)?.replicaSeconds).toBe(53_750);
    // A point beyond the budget that costs more than one within it is never mixed in.
    const wasteful = { pricePerViolationSecond: 3, sloViolationSeconds: 700, replicaSeconds: 70_000 };
    expect(costWithin([wasteful, dear], 500)).toEqual({ replicaSeconds: 60_000, sloViolationSeconds: 400 });
    // Of several mixes, the cheapest: the edge of the lower hull.
    const middle = { pricePerViolationSecond: 40, sloViolationSeconds: 520, replicaSeconds: 40_000 };
    expect(costWithin([cheap, middle, dear], 500)?.replicaSeconds).toBeCloseTo(40_000 + (20 / 120) * 20_000, 6);
  });
});

describe('the frontier chart', () => {
  const outcome = (policy: 'hpa' | 'adaptive', sloViolationSeconds: number, replicaSeconds: number): PolicyOutcome => ({ policy, sloViolationSeconds, replicaSeconds, verticalUpdates: 0, peakCpuLimitCores: 0.5, scaleActions: 0, flaps: 0, droppedRequests: 0, peakReplicas: 1, simulatedSeconds: 100 });
  const comparison = (trace: string, hpaViolations: number): Comparison => ({
    trace,
    rescaling: '',
    outcomes: [outcome('hpa', hpaViolations, 1000), outcome('adaptive', 10, 1200)],
    frontier: { windowSeconds: 60, coresPerReplica: 2, points: [{ pricePerViolationSecond: 1, sloViolationSeconds: 50, replicaSeconds: 500 }, { pricePerViolationSecond: 2, sloViolationSeconds: 5, replicaSeconds: 900 }] },
  });

  it('draws a panel per trace with the goal corner, the frontier, both policies and the adaptive ratios', () => {
    const svg = frontierChart([comparison('a<&>b.csv', 40), comparison('flat.csv', 0)]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('a&lt;&amp;&gt;b.csv');
    expect(svg.match(/<g>/g)).toHaveLength(2);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/fill="#dcfce7"/g)).toHaveLength(2);
    // adaptive at 1.2x the cost and 10/40 the violations
    expect(svg).toContain('1.20×, 0.25×');
    // where the HPA rule had none, violations are drawn in seconds, and the title says so
    expect(svg).toContain('flat.csv (HPA: no violation; y in seconds)');
    expect(svg).toContain('1.20×, 10.00 s');
  });

  it('leaves out a trace without the HPA rule or without a frontier (nothing to draw it against)', () => {
    const noHpa: Comparison = { ...comparison('x.csv', 40), outcomes: [outcome('adaptive', 10, 1200)] };
    const noFrontier: Comparison = { ...comparison('y.csv', 40), frontier: undefined };
    expect(frontierChart([noHpa, noFrontier]).match(/<g>/g)).toBeNull();
  });
});
