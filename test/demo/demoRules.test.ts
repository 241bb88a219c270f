import { describe, expect, it } from 'vitest';
import { demoOutcome, type SecondSample } from '../../demo/demoOutcome.js';
import { phasePlan, rateAt, SHORT_SHAPE, totalSeconds } from '../../demo/phasePlan.js';
import { proxyUpstreams } from '../../demo/frontProxy.js';

describe('the load shape', () => {
  const plan = phasePlan(SHORT_SHAPE);

  it('runs warm-up, ramp, spike, plateau and cool-down back to back', () => {
    expect(plan.map((phase) => phase.name)).toEqual(['warm-up', 'ramp', 'spike', 'plateau', 'cool-down']);
    expect(totalSeconds(plan)).toBe(10 + 15 + 25 + 20 + 80);
  });

  it('ramps linearly from the base rate to the peak, then jumps to the spike', () => {
    expect(rateAt(plan, 10)).toMatchObject({ phase: { name: 'ramp' }, rps: 20 });
    expect(rateAt(plan, 24)).toMatchObject({ phase: { name: 'ramp' }, rps: 80 });
    expect(rateAt(plan, 25)).toMatchObject({ phase: { name: 'spike' }, rps: 250 });
  });

  it('ends after the cool-down', () => expect(rateAt(plan, totalSeconds(plan))).toBeUndefined());

  it('leaves out phases of zero seconds', () => {
    expect(phasePlan({ ...SHORT_SHAPE, plateauSeconds: 0 }).map((phase) => phase.name)).not.toContain('plateau');
  });
});

describe('the demo verdict', () => {
  const second = (n: number, phase: SecondSample['phase'], replicas: number, cpu: number, failed = 0): SecondSample => ({
    second: n, phase, targetRps: 10, sent: 10, ok: 10 - failed, failed, p95Ms: 5, servingReplicas: replicas, cpuLimitCores: cpu, runningReplicas: replicas, runningCpuCores: replicas * cpu,
  });

  it('counts new capacity from the first second of the spike until replicas × limit grows', () => {
    const outcome = demoOutcome([second(0, 'ramp', 1, 0.1), second(1, 'spike', 1, 0.1), second(2, 'spike', 1, 0.1), second(5, 'spike', 2, 0.1), second(9, 'cool-down', 1, 0.1)]);
    expect(outcome.secondsToNewCapacity).toBe(4);
    expect(outcome.goals.every((goal) => goal.met)).toBe(true);
  });

  it('counts a raised CPU limit as new capacity too', () => {
    expect(demoOutcome([second(0, 'spike', 1, 0.1), second(3, 'spike', 1, 0.2)]).secondsToNewCapacity).toBe(3);
  });

  it('accepts a spike carried within the objective by capacity added before it', () => {
    const outcome = demoOutcome([second(0, 'ramp', 2, 0.3), second(1, 'spike', 2, 0.3), second(2, 'spike', 2, 0.3), second(3, 'cool-down', 1, 0.3)]);
    expect(outcome.secondsToNewCapacity).toBeNull();
    expect(outcome.spikeServedInPlace).toBe(true);
    expect(outcome.goals[0]?.met).toBe(true);
  });

  it('misses the goals when nothing grows, nothing shrinks and too many requests fail', () => {
    const outcome = demoOutcome([second(0, 'spike', 2, 0.1, 1), second(1, 'cool-down', 2, 0.1, 1)]);
    expect(outcome.secondsToNewCapacity).toBeNull();
    expect(outcome.scaledBackIn).toBe(false);
    expect(outcome.failedPercent).toBe(10);
    expect(outcome.goals.map((goal) => goal.met)).toEqual([false, false, false]);
  });
});

describe('where the front proxy sends', () => {
  const replica = (id: string) => ({ id, host: `10.0.0.${id}`, port: 8080 });

  it('sends to the replicas that pass their healthcheck', () => {
    expect(proxyUpstreams({ serving: [replica('1')], reachable: [replica('1'), replica('2')] })).toEqual([replica('1')]);
  });

  it('falls back on every running replica past its start-up when none passes (panic routing): an overloaded replica answers slowly, none would answer at all', () => {
    expect(proxyUpstreams({ serving: [], reachable: [replica('1'), replica('2')] })).toEqual([replica('1'), replica('2')]);
  });

  it('has nowhere to send while nothing runs', () => {
    expect(proxyUpstreams({ serving: [], reachable: [] })).toEqual([]);
  });
});
