/**
 * One evaluation, pure: from a window of the collector's rows and the actual state to a decision
 * and the level to set. No I/O.
 */
import { describe, expect, it } from 'vitest';
import type { WindowRow } from '../../common/influx/index.js';
import type { ServiceState } from '../../scaler/actuators/actuator.js';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { evaluate, initialPolicyMemory, planFor } from '../../scaler/loop/evaluate.js';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { actionTag, decisionPoint, signalPoint } from '../../scaler/loop/records.js';
import { windowSecondsFor } from '../../scaler/loop/controller.js';

const now = 1_800_000_000_000;
const MiB = 2 ** 20;

function actual(overrides: Partial<ServiceState> = {}): ServiceState {
  return { service: 'web', replicas: 2, readyReplicas: 2, cpuLimitCores: 0.5, memoryLimitBytes: 256 * MiB, converging: false, members: [], labels: {}, ...overrides };
}

/** One row per second for `seconds`, ending at `end`, with the given values. */
function rows(seconds: number, values: Record<string, number | null>, end = now): WindowRow[] {
  return Array.from({ length: seconds }, (_, i) => ({ time: end - (seconds - 1 - i) * 1000, values }));
}

const steady = { replicas: 2, cpu_usage_cores: 0.5, cpu_limit_cores: 1, cpu_fraction_of_limit: 0.5, cpu_throttled_fraction: 0, memory_working_set_bytes: 2 * 200 * MiB, memory_limit_bytes: 2 * 256 * MiB, memory_fraction_of_limit_max: 0.78, oom_kills_total: 0, requests_per_second: 60 };

describe('evaluate: no data, no action', () => {
  const config = parsePolicyConfig({});
  const base = { now, actual: actual(), config, memory: initialPolicyMemory, staleAfterMs: 15_000 };

  it('holds with a clear reason when InfluxDB is unreachable', () => {
    const result = evaluate({ ...base, data: { ok: false, problem: 'influx_unreachable', error: 'connect ECONNREFUSED' } });
    expect(result.problem).toBe('influx_unreachable');
    expect(result.plan).toEqual({ kind: 'none' });
    expect(result.decision.reason).toMatch(/InfluxDB unreachable \(connect ECONNREFUSED\)/);
  });

  it('holds when the window is empty', () => {
    const result = evaluate({ ...base, data: { ok: true, window: serviceWindowFrom([]) } });
    expect(result.problem).toBe('no_data');
    expect(result.plan.kind).toBe('none');
  });

  it('holds when the newest sample is older than the stale limit, naming its age', () => {
    const result = evaluate({ ...base, data: { ok: true, window: serviceWindowFrom(rows(30, steady, now - 40_000)) } });
    expect(result.problem).toBe('stale_data');
    expect(result.decision.reason).toMatch(/newest sample is 40 s old/);
  });

  it('a row of nulls is a hole, not zeros', () => {
    const holes = rows(30, Object.fromEntries(Object.keys(steady).map((k) => [k, null])));
    expect(evaluate({ ...base, data: { ok: true, window: serviceWindowFrom(holes) } }).problem).toBe('no_data');
  });
});

describe('evaluate: decisions and the levels they set', () => {
  it('request-driven: 100 rps at 40 rps per replica wants 3 replicas', () => {
    const config = parsePolicyConfig({ targets: { rpsPerReplica: 40 }, startupSeconds: 2 });
    const window = serviceWindowFrom(rows(60, { ...steady, requests_per_second: 100 }));
    const result = evaluate({ now, data: { ok: true, window }, actual: actual(), config, memory: initialPolicyMemory, staleAfterMs: 15_000 });
    expect(result.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 2, to: 3 });
    expect(result.plan).toEqual({ kind: 'replicas', replicas: 3 });
    expect(result.signal).toMatchObject({ signal: 'requests', target: 40, value: 50 });
  });

  it('CPU-driven: a throttled single replica under its CPU cap grows before it multiplies', () => {
    const config = parsePolicyConfig({ cpu: { minCores: 0.1, maxCores: 1 } });
    const window = serviceWindowFrom(rows(60, { ...steady, replicas: 1, cpu_usage_cores: 0.25, cpu_limit_cores: 0.25, cpu_fraction_of_limit: 1, cpu_throttled_fraction: 0.6, memory_working_set_bytes: 200 * MiB, requests_per_second: null }));
    const result = evaluate({ now, data: { ok: true, window }, actual: actual({ replicas: 1, readyReplicas: 1, cpuLimitCores: 0.25 }), config, memory: initialPolicyMemory, staleAfterMs: 15_000 });
    expect(result.decision).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.25 });
    expect(result.plan.kind).toBe('limits');
    expect(result.memory.lastVerticalChange).toEqual({ at: now, previousCpuLimitCores: 0.25 });
    expect(result.signal?.signal).toBe('cpu');
    // the adaptive policy's words are about requests; a CPU-driven service reads in cores
    expect(result.decision.reason).not.toMatch(/rps/);
  });

  it('CPU-driven: the CPU limit is not shrunk (it is the horizontal rule\'s denominator)', () => {
    const config = parsePolicyConfig({});
    const window = serviceWindowFrom(rows(120, { ...steady, cpu_usage_cores: 0.2, cpu_fraction_of_limit: 0.2, memory_working_set_bytes: 2 * 220 * MiB, requests_per_second: null }));
    const result = evaluate({ now, data: { ok: true, window }, actual: actual({ replicas: 2, cpuLimitCores: 0.5 }), config, memory: initialPolicyMemory, staleAfterMs: 15_000 });
    expect(result.plan.kind === 'limits' && result.plan.cpuCores !== undefined).toBe(false);
  });

  it('an OOM kill bumps memory once, not on every tick that still sees it in the window', () => {
    const config = parsePolicyConfig({});
    const before = rows(30, { ...steady, oom_kills_total: 0 }, now - 30_000);
    const after = rows(30, { ...steady, oom_kills_total: 1 });
    const window = serviceWindowFrom([...before, ...after]);
    const first = evaluate({ now, data: { ok: true, window }, actual: actual(), config, memory: initialPolicyMemory, staleAfterMs: 15_000 });
    expect(first.decision).toMatchObject({ action: 'scale_up', resource: 'memory' });
    const second = evaluate({ now: now + 5000, data: { ok: true, window }, actual: actual({ memoryLimitBytes: first.decision.to }), config, memory: first.memory, staleAfterMs: 15_000 });
    expect(second.decision.resource === 'memory' && second.decision.action === 'scale_up').toBe(false);
  });

  it('with policy hpa, the Kubernetes rule decides from CPU per replica against its limit', () => {
    const config = parsePolicyConfig({ policy: 'hpa' });
    const members = [0, 1].map((i) => ({ id: `c${i}`, name: `web-${i}`, createdAt: now - 3_600_000, phase: 'ready' as const }));
    const window = serviceWindowFrom(rows(60, { ...steady, cpu_usage_cores: 1, cpu_limit_cores: 1, cpu_fraction_of_limit: 1, requests_per_second: null }));
    const result = evaluate({ now, data: { ok: true, window }, actual: actual({ members }), config, memory: initialPolicyMemory, staleAfterMs: 15_000 });
    // ceil(2 × 100% / 70%) = 3
    expect(result.decision).toMatchObject({ action: 'scale_out', from: 2, to: 3 });
    expect(result.decision.policy).toMatch(/hpa/);
  });

  it('planFor keeps replica counts within the configured bounds whatever a policy says', () => {
    const config = parsePolicyConfig({ replicas: { min: 2, max: 5 } });
    expect(planFor({ action: 'scale_out', resource: 'replicas', from: 3, to: 9, signals: {}, thresholds: {}, reason: '', policy: 'x' }, config)).toEqual({ kind: 'replicas', replicas: 5 });
    expect(planFor({ action: 'scale_in', resource: 'replicas', from: 3, to: 1, signals: {}, thresholds: {}, reason: '', policy: 'x' }, config)).toEqual({ kind: 'replicas', replicas: 2 });
    expect(planFor({ action: 'none', resource: 'replicas', from: 3, to: 3, signals: {}, thresholds: {}, reason: '', policy: 'x' }, config)).toEqual({ kind: 'none' });
  });
});

describe('policy from labels, window length, records', () => {
  it('reads only policy labels: the collector\'s and the actuator\'s own labels are not policy errors', () => {
    const config = policyConfigFor({ replicas: { max: 8 } }, {
      'scalewright.service': 'web', 'scalewright.managed': 'true', 'scalewright.metrics.port': '9100', 'scalewright.replica': 'web-1', 'scalewright.scaler.created': 'true', 'scalewright.test': 'x',
      'scalewright.min-replicas': '2', 'scalewright.target.rps-per-replica': '40',
    });
    expect(config.replicas).toEqual({ min: 2, max: 8 });
    expect(config.targets.rpsPerReplica).toBe(40);
  });

  it('reads the longest window any rule needs, capped at 15 minutes', () => {
    expect(windowSecondsFor(parsePolicyConfig({}))).toBe(300);
    expect(windowSecondsFor(parsePolicyConfig({ windows: { stableSeconds: 3600 } }))).toBe(900);
  });

  it('records a decision in the Scaler dashboard\'s schema (scaler_decision, action tag, hold for none)', () => {
    const decision = { action: 'none' as const, resource: 'replicas' as const, from: 2, to: 2, signals: {}, thresholds: {}, reason: 'steady', policy: 'adaptive' };
    expect(actionTag(decision)).toBe('hold');
    const line = decisionPoint({ service: 'web', time: now, decision: { ...decision, action: 'scale_out', to: 3 }, actual: actual(), outcome: 'dry_run', dryRun: true }).toLineProtocol();
    expect(line).toMatch(/^scaler_decision,action=scale_out,service=web /);
    expect(line).toContain('replicas_before=2i');
    expect(line).toContain('replicas_after=3i');
    expect(line).toContain('dry_run=T');
    expect(line).toContain('reason="steady"');
    const signal = signalPoint('web', now, { signal: 'cpu', value: 0.8, target: 0.7, smoothed: 0.75, forecast: 0.9 }, actual()).toLineProtocol();
    expect(signal).toMatch(/^scaler_signal,service=web,signal=cpu /);
    expect(signal).toContain('target=0.7');
    expect(signal).toContain('replicas=2i');
  });
});
