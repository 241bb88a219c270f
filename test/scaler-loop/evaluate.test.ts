/**
 * One evaluation, pure: from a window of the collector's rows and the actual state to a decision
 * and the level to set. No I/O.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { WindowRow } from '../../common/influx/index.js';
import type { ServiceState } from '../../scaler/actuators/actuator.js';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { evaluate, initialPolicyMemory, planFor } from '../../scaler/loop/evaluate.js';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { actionTag, decisionPoint, signalPoint } from '../../scaler/loop/records.js';
import { ScalerLoop, windowSecondsFor, type ScalerLoopOptions } from '../../scaler/loop/controller.js';
import { bridgePass, bridgeWindowSeconds } from '../../scaler/loop/bridgePass.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { evaluationInput } from './support/evaluationInput.js';
import { scalerLoopOptions } from './support/loopOptions.js';

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
  const base = { now, actual: actual() };

  it('holds with a clear reason when InfluxDB is unreachable', () => {
    const result = evaluate(evaluationInput({ ...base, data: { ok: false, problem: 'influx_unreachable', error: 'connect ECONNREFUSED' } }));
    expect(result.problem).toBe('influx_unreachable');
    expect(result.plan).toEqual({ kind: 'none' });
    expect(result.decision.reason).toMatch(/InfluxDB unreachable \(connect ECONNREFUSED\)/);
  });

  it('holds when the window is empty', () => {
    const result = evaluate(evaluationInput({ ...base, data: { ok: true, window: serviceWindowFrom([]) } }));
    expect(result.problem).toBe('no_data');
    expect(result.plan.kind).toBe('none');
  });

  it('holds when the newest sample is older than the stale limit, naming its age', () => {
    const result = evaluate(evaluationInput({ ...base, staleAfterMs: 15_000, data: { ok: true, window: serviceWindowFrom(rows(30, steady, now - 40_000)) } }));
    expect(result.problem).toBe('stale_data');
    expect(result.decision.reason).toMatch(/newest sample is 40 s old/);
  });

  it('a row of nulls is a hole, not zeros', () => {
    const holes = rows(30, Object.fromEntries(Object.keys(steady).map((k) => [k, null])));
    expect(evaluate(evaluationInput({ ...base, data: { ok: true, window: serviceWindowFrom(holes) } })).problem).toBe('no_data');
  });
});

describe('evaluate: decisions and the levels they set', () => {
  it('request-driven: 100 rps at 40 rps per replica wants 3 replicas', () => {
    const config = parsePolicyConfig({ targets: { rpsPerReplica: 40 }, startupSeconds: 2 });
    const window = serviceWindowFrom(rows(60, { ...steady, requests_per_second: 100 }));
    const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual(), config }));
    expect(result.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 2, to: 3 });
    expect(result.plan).toEqual({ kind: 'replicas', replicas: 3 });
    expect(result.signal).toMatchObject({ signal: 'requests', target: 40, value: 50 });
  });

  it('request-driven with measured latency: p95 above the objective corrects the told capacity (the targets.p95LatencyMs feedback)', () => {
    // Told 40 rps per replica at 70% (57.1 at 100%, 45.7 at the adaptive 80%): 100 rps fits 3 replicas.
    // At 800 ms p95 they carry 100 / (3 × 57.1) = 58% of it: a replica counts 33.3 rps (26.7 at 80%), so 4.
    const config = parsePolicyConfig({ targets: { rpsPerReplica: 40 }, startupSeconds: 2 });
    const replicas = actual({ replicas: 3, readyReplicas: 3 });
    const slow = serviceWindowFrom(rows(60, { ...steady, replicas: 3, requests_per_second: 100, latency_p95_seconds: 0.8 }));
    const result = evaluate(evaluationInput({ now, data: { ok: true, window: slow }, actual: replicas, config }));
    expect(result.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 3, to: 4 });
    expect(result.decision.reason).toMatch(/latency: p95 800 ms above the 500 ms objective carrying 58% of the told capacity: capacity per replica × 0\.58/);
    expect(result.memory.adaptive.latency?.factor).toBeCloseTo(100 / (3 * (40 / 0.7)), 9);
    // The same load at 200 ms: the told capacity stands, and 3 replicas carry it.
    const fast = serviceWindowFrom(rows(60, { ...steady, replicas: 3, requests_per_second: 100, latency_p95_seconds: 0.2 }));
    const unchanged = evaluate(evaluationInput({ now, data: { ok: true, window: fast }, actual: replicas, config }));
    expect(unchanged.plan).not.toMatchObject({ kind: 'replicas' });
    expect(unchanged.memory.adaptive.latency?.factor).toBe(1);
  });

  it('with the bridge moving the limit every second, latency is judged at the mean raise of the window, not the raise of this instant', () => {
    // 150 rps on 3 replicas told 57.1 rps each at 100%: 87.5% of the told capacity at the base size.
    // But the collector saw them at 0.625 cores (1.25× the base 0.5) all through the window, and the
    // bridge is back at the base just now: at 800 ms they carried 150 / (3 × 1.25 × 57.1) = 70%.
    const config = parsePolicyConfig({ targets: { rpsPerReplica: 40 }, startupSeconds: 2 });
    const replicas = actual({ replicas: 3, readyReplicas: 3, cpuLimitCores: 0.5 });
    const slow = serviceWindowFrom(rows(60, { ...steady, replicas: 3, cpu_limit_cores: 1.875, requests_per_second: 150, latency_p95_seconds: 0.8 }));
    const bridged = evaluate(evaluationInput({ now, data: { ok: true, window: slow }, actual: replicas, config, liveCpuLimits: true }));
    expect(bridged.memory.adaptive.latency?.factor).toBeCloseTo(150 / (3 * 1.25 * (40 / 0.7)), 9);
    // Without a live bridge the limit is the size, and the replicas are counted at it.
    const unbridged = evaluate(evaluationInput({ now, data: { ok: true, window: slow }, actual: replicas, config, liveCpuLimits: false }));
    expect(unbridged.memory.adaptive.latency?.factor).toBeCloseTo(150 / (3 * (40 / 0.7)), 9);
  });

  it('CPU-driven: a throttled single replica under its CPU cap grows before it multiplies', () => {
    const config = parsePolicyConfig({ cpu: { minCores: 0.1, maxCores: 1 } });
    const window = serviceWindowFrom(rows(60, { ...steady, replicas: 1, cpu_usage_cores: 0.25, cpu_limit_cores: 0.25, cpu_fraction_of_limit: 1, cpu_throttled_fraction: 0.6, memory_working_set_bytes: 200 * MiB, requests_per_second: null }));
    const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ replicas: 1, readyReplicas: 1, cpuLimitCores: 0.25 }), config }));
    expect(result.decision).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.25 });
    expect(result.plan.kind).toBe('limits');
    expect(result.memory.lastVerticalChange).toEqual({ at: now, previousCpuLimitCores: 0.25 });
    expect(result.signal?.signal).toBe('cpu');
    // the adaptive policy's words are about requests; a CPU-driven service reads in cores
    expect(result.decision.reason).not.toMatch(/rps/);
  });

  describe('CPU-driven: the VPA-style recommendation shrinks the limit only as far as the replicas still carry the demand', () => {
    // 2 replicas at 0.5 cores using 0.2 cores in all: the recommendation is p90 0.1 + 15% = 0.115
    // cores each, but the adaptive rule counts the replicas at their limit, and two of 0.115 cores
    // do not carry 200 millicores at its 80% target. Two is the service's minimum: none can go.
    const config = parsePolicyConfig({ replicas: { min: 2, max: 10 } });
    const quiet = { ...steady, cpu_usage_cores: 0.2, cpu_fraction_of_limit: 0.2, memory_working_set_bytes: 2 * 220 * MiB, requests_per_second: null };
    const window = serviceWindowFrom(rows(120, quiet));
    const at = (cpuLimitCores: number, policy: 'adaptive' | 'hpa' = 'adaptive') =>
      evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ replicas: 2, cpuLimitCores }), config: policy === 'hpa' ? parsePolicyConfig({ policy: 'hpa' }) : config }));

    it('to the smallest limit, in hundredths of a core, at which the two replicas carry it with the rule\'s 10% tolerance to spare', () => {
      const result = at(0.5);
      expect(result.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 0.5 });
      const floor = result.decision.to;
      expect(floor).toBeGreaterThan(0.115);
      expect(floor).toBeLessThan(0.2);
      expect(Math.round(floor * 100)).toBeCloseTo(floor * 100, 9);
      expect(result.plan).toEqual({ kind: 'limits', cpuCores: floor });
      expect(result.decision.reason).toMatch(/p90 0\.100 cores \+ 15% → 0\.115 cores \(was 0\.500 cores\); shrunk only to 0\.\d\d cores: under it the replicas would not carry the demand with 10% to spare/);
      // 10% under that size the two replicas still carry it; under a hundredth of a core less, the rule adds one.
      expect(at(floor / 1.1).decision.action).not.toBe('scale_out');
      expect(at((floor - 0.01) / 1.1).decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 2, to: 3 });
    });

    it('not while one replica fewer would carry the demand: replicas are shed first', () => {
      // The same service with a minimum of 1: one replica of 0.5 cores carries 200 millicores, so the
      // limit waits for the scale-in (which waits for its evidence window: 300 s, 119 s here).
      const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ replicas: 2, cpuLimitCores: 0.5 }), config: parsePolicyConfig({}) }));
      expect(result.plan).toEqual({ kind: 'none' });
      expect(result.decision.reason).toMatch(/^nothing to do: replicas and limits fit the load \(no scale-in: 119 s of history, 300 s needed before removing a replica\)$/);
    });

    it('not at all under the HPA rule, whose utilisation the limit divides', () => {
      const result = at(0.5, 'hpa');
      expect(result.plan.kind === 'limits' && result.plan.cpuCores !== undefined).toBe(false);
    });

    it('all the way to the recommendation when the replicas carry the demand there: a limit a burst raised comes back down', () => {
      // After a burst: 2 replicas (the minimum) at 0.21 cores, now using 0.06 in all.
      const calm = serviceWindowFrom(rows(120, { ...quiet, cpu_usage_cores: 0.06 }));
      const result = evaluate(evaluationInput({ now, data: { ok: true, window: calm }, actual: actual({ replicas: 2, cpuLimitCores: 0.21 }), config: parsePolicyConfig({ replicas: { min: 2, max: 4 }, cpu: { minCores: 0.1, maxCores: 0.3 } }), liveCpuLimits: true }));
      expect(result.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 0.21, to: 0.1, policy: 'arbitration/vertical' });
      expect(result.decision.reason).toMatch(/the replicas still carry the demand at it, with 10% to spare$/);
      expect(result.memory.lastVerticalChange).toEqual({ at: now, previousCpuLimitCores: 0.21 });
    });

    it('not while the start-up bridge holds the limit: the recommendation is held back as it is, unsearched', () => {
      // Bridged from a 0.1-core base to 0.3 cores for a burst of the last 8 s (0.47 cores in all);
      // over the 120 s window the usage per replica reads as a shrink.
      const burst = serviceWindowFrom(rows(120, { ...quiet, cpu_usage_cores: 0.06 }).map((row, i) => (i >= 112 ? { ...row, values: { ...row.values, cpu_usage_cores: 0.47 } } : row)));
      const memory = { ...initialPolicyMemory, bridgeBaseCpuCores: 0.1 };
      const result = evaluate(evaluationInput({ now, data: { ok: true, window: burst }, actual: actual({ replicas: 2, cpuLimitCores: 0.3 }), config: parsePolicyConfig({ replicas: { min: 2, max: 4 }, cpu: { minCores: 0.05, maxCores: 0.3 } }), memory, liveCpuLimits: true }));
      expect(result.plan).toEqual({ kind: 'none' });
      expect(result.decision.reason).toMatch(/^start-up bridge holds the CPU limit at 0\.3 cores \(base 0\.1\): .*; VPA-style recommendation held: web: p90 0\.030 cores \+ 15% → 0\.050 cores \(was 0\.300 cores\)$/);
    });

    it('while a shrink settles, the replicas are counted at the new, smaller size', () => {
      const memory = { ...initialPolicyMemory, lastVerticalChange: { at: now - 5_000, previousCpuLimitCores: 0.5 } };
      const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ replicas: 2, cpuLimitCores: 0.2 }), config, memory }));
      // 0.2 cores used by 2 replicas of 0.2 cores: half of what they have (not a fifth, at the old 0.5)
      expect(result.signal?.value).toBeCloseTo(0.5, 9);
    });
  });

  it('an OOM kill bumps memory once, not on every tick that still sees it in the window', () => {
    const before = rows(30, { ...steady, oom_kills_total: 0 }, now - 30_000);
    const after = rows(30, { ...steady, oom_kills_total: 1 });
    const window = serviceWindowFrom([...before, ...after]);
    const first = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual() }));
    expect(first.decision).toMatchObject({ action: 'scale_up', resource: 'memory' });
    const second = evaluate(evaluationInput({ now: now + 5000, data: { ok: true, window }, actual: actual({ memoryLimitBytes: first.decision.to }), memory: first.memory }));
    expect(second.decision.resource === 'memory' && second.decision.action === 'scale_up').toBe(false);
  });

  it('with policy hpa, the Kubernetes rule decides from CPU per replica against its limit', () => {
    const config = parsePolicyConfig({ policy: 'hpa' });
    const members = [0, 1].map((i) => ({ id: `c${i}`, name: `web-${i}`, createdAt: now - 3_600_000, phase: 'ready' as const }));
    const window = serviceWindowFrom(rows(60, { ...steady, cpu_usage_cores: 1, cpu_limit_cores: 1, cpu_fraction_of_limit: 1, requests_per_second: null }));
    const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ members }), config }));
    // ceil(2 × 100% / 70%) = 3
    expect(result.decision).toMatchObject({ action: 'scale_out', from: 2, to: 3 });
    expect(result.decision.policy).toMatch(/hpa/);
  });

  describe('with policy hpa, each replica is read on its own CPU, as Kubernetes reads each pod', () => {
    const config = parsePolicyConfig({ policy: 'hpa', startupSeconds: 15 });
    const old = [0, 1].map((i) => ({ id: `c${i}`, name: `web-${i}`, createdAt: now - 3_600_000, phase: 'ready' as const }));
    /**
     * Two replicas serving for an hour at 0.7 of their 1-core limit (the 70% target); two clones
     * created `age` ms ago, healthy, at their whole limit while loading their code (the start-up,
     * 15 s), then at `afterwards`. Memory at its size, so only CPU decides.
     */
    function scene(age: number, afterwards: number) {
      const clones = [2, 3].map((i) => ({ id: `c${i}`, name: `web-${i}`, createdAt: now - age, phase: 'ready' as const }));
      const cloneCpu = (time: number) => (time < now - age + 15_000 ? 1 : afterwards);
      const service = rows(60, { ...steady, replicas: 4, cpu_limit_cores: 4, memory_working_set_bytes: 4 * 230 * MiB, memory_limit_bytes: 4 * 256 * MiB, requests_per_second: null })
        .map((row) => ({ ...row, values: { ...row.values, cpu_usage_cores: 0.7 * 2 + (row.time >= now - age ? 2 * cloneCpu(row.time) : 0) } }));
      const perContainer = service.flatMap((row) => [
        ...old.map((member) => ({ time: row.time, container: member.name, value: 0.7 })),
        ...clones.filter((member) => row.time >= member.createdAt).map((member) => ({ time: row.time, container: member.name, value: cloneCpu(row.time) })),
      ]);
      const state = actual({ replicas: 4, readyReplicas: 4, cpuLimitCores: 1, members: [...old, ...clones] });
      const decide = (containerCpu: typeof perContainer) => evaluate(evaluationInput({ now, data: { ok: true, window: serviceWindowFrom(service, containerCpu) }, actual: state, config })).decision;
      return { perContainer, decide };
    }

    it('a clone still loading its code is not read as load, on itself or on the others', () => {
      // 20 s old: its start-up ended 5 s ago, so a whole 15 s window after it has not passed yet.
      // Its last 15 s average 0.87 cores; spread over the service that would read as 78% (→ 5).
      const { perContainer, decide } = scene(20_000, 0.6);
      expect(decide(perContainer).action).toBe('none');
    });

    it('once a whole window after its start-up has passed, its own CPU counts', () => {
      // 40 s old and serving at 0.9: (0.7 + 0.7 + 0.9 + 0.9) / 4 = 80% of the request → ceil(4 × 80 / 70) = 5
      const { perContainer, decide } = scene(40_000, 0.9);
      expect(decide(perContainer)).toMatchObject({ action: 'scale_out', from: 4, to: 5 });
    });

    it('names the collector tags under another scheme (Swarm tasks) read as no per-container series: the service mean', () => {
      const { perContainer, decide } = scene(40_000, 0.9);
      const renamed = perContainer.map((sample) => ({ ...sample, container: `${sample.container}.1.task` }));
      expect(decide(renamed)).toEqual(decide([]));
      expect(decide([])).toMatchObject({ action: 'scale_out', from: 4, to: 5 });
    });
  });

  it('planFor keeps replica counts within the configured bounds whatever a policy says', () => {
    const config = parsePolicyConfig({ replicas: { min: 2, max: 5 } });
    expect(planFor({ action: 'scale_out', resource: 'replicas', from: 3, to: 9, signals: {}, thresholds: {}, reason: '', policy: 'x' }, config)).toEqual({ kind: 'replicas', replicas: 5 });
    expect(planFor({ action: 'scale_in', resource: 'replicas', from: 3, to: 1, signals: {}, thresholds: {}, reason: '', policy: 'x' }, config)).toEqual({ kind: 'replicas', replicas: 2 });
    expect(planFor({ action: 'none', resource: 'replicas', from: 3, to: 3, signals: {}, thresholds: {}, reason: '', policy: 'x' }, config)).toEqual({ kind: 'none' });
  });
});

describe('the window read as per-replica series', () => {
  it('divides each sum by the replicas it covers: a replica without a reading does not lower the figure per replica', () => {
    // Three replicas watched; one not read at all, one read without a CPU usage (its counter went back).
    const window = serviceWindowFrom(rows(1, { ...steady, replicas: 3, replicas_read: 2, replicas_with_cpu_usage: 1, cpu_usage_cores: 0.4, cpu_limit_cores: 1, memory_working_set_bytes: 400 * MiB }));
    expect(window.cpuUsagePerReplicaCores[0]?.value).toBeCloseTo(0.4, 12);
    expect(window.cpuLimitPerReplicaCores[0]?.value).toBeCloseTo(0.5, 12);
    expect(window.memoryWorkingSetPerReplicaBytes[0]?.value).toBe(200 * MiB);
  });

  it('divides by every replica watched in points written before the collector wrote those counts', () => {
    const window = serviceWindowFrom(rows(1, steady));
    expect(window.cpuUsagePerReplicaCores[0]?.value).toBeCloseTo(0.25, 12);
    expect(window.cpuLimitPerReplicaCores[0]?.value).toBeCloseTo(0.5, 12);
    expect(window.memoryWorkingSetPerReplicaBytes[0]?.value).toBe(200 * MiB);
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
    const signal = signalPoint('web', now, { signal: 'cpu', value: 0.8, target: 0.7, smoothed: 0.75, forecast: 0.9, capacityFactor: 0.6 }, actual()).toLineProtocol();
    expect(signal).toMatch(/capacity_factor=0\.6[,\s]/);
    expect(signal).not.toMatch(/latency_unresponsive/);
    const found = signalPoint('web', now, { signal: 'requests', value: 10, target: 20, smoothed: 10, forecast: undefined, capacityFactor: 1, latencyUnresponsive: { until: now + 1_800_000, forMs: 3_600_000 } }, actual()).toLineProtocol();
    expect(found).toContain(`latency_unresponsive_until_ms=${now + 1_800_000}i`);
    expect(found).toContain('latency_unresponsive_for_ms=3600000i');
    expect(signal).toMatch(/^scaler_signal,service=web,signal=cpu /);
    expect(signal).toContain('target=0.7');
    expect(signal).toContain('replicas=2i');
  });

  it('leaves out of a record a number InfluxDB cannot store (not finite, beyond int64) instead of throwing the record away', () => {
    const decision = { action: 'scale_up' as const, resource: 'memory' as const, from: 2 ** 28, to: 2 ** 64, signals: {}, thresholds: {}, reason: 'oom', policy: 'vertical' };
    const line = decisionPoint({ service: 'web', time: now, decision, actual: actual(), outcome: 'applied', dryRun: false, fencingToken: Number.NaN }).toLineProtocol();
    expect(line).toContain('memory_limit_bytes_before=268435456i');
    expect(line).not.toContain('memory_limit_bytes_after');
    expect(line).not.toContain('fencing_token');
    expect(line).toContain('reason="oom"');
    const signal = signalPoint('web', now, { signal: 'cpu', value: Number.NaN, target: 0.7, smoothed: Number.POSITIVE_INFINITY, forecast: 0.9, capacityFactor: 0.6, latencyUnresponsive: { until: Number.NaN, forMs: 60_000 } }, actual()).toLineProtocol();
    expect(signal).toMatch(/forecast=0\.9[,\s]/);
    expect(signal).not.toMatch(/\bvalue=|smoothed=|latency_unresponsive_until_ms/);
    expect(signal).toContain('latency_unresponsive_for_ms=60000i');
  });
});

describe('evaluate: the start-up bridge in the live loop (adaptive policy, CPU limits changed live)', () => {
  // 40 rps per replica at the HPA's 70% → 57.1 rps at 100% of the base limit, 45.7 at the adaptive 80%
  const config = parsePolicyConfig({ targets: { rpsPerReplica: 40 }, cpu: { minCores: 0.1, maxCores: 2 } });
  /** 300 s at 60 rps, then the last `burst` seconds at `rps`. */
  const load = (burst: number, rps: number) => serviceWindowFrom(rows(300, { ...fits, requests_per_second: 60 }).map((row, i) => (i >= 300 - burst ? { ...row, values: { ...row.values, requests_per_second: rps } } : row)));
  const base = { now, config, liveCpuLimits: true };
  // memory right-sized already (225 MiB + 15% is within 10% of 256 MiB): only CPU is in question here
  const fits = { ...steady, memory_working_set_bytes: 2 * 225 * MiB };

  it('a burst the ready replicas carry only bridged: the bridge is rented at once, no replica bought for 10 s of it', () => {
    // 300 rps on 2 ready replicas carrying 45.7 rps each at the base 0.5 cores → ×3.28 → 1.65 cores,
    // within the 2-core cap (×4)
    const result = evaluate(evaluationInput({ ...base, data: { ok: true, window: load(10, 300) }, actual: actual() }));
    expect(result.bridge).toBeUndefined();
    expect(result.decision).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.5, to: 1.65, policy: 'arbitration/bridge' });
    expect(result.decision.reason).toMatch(/^demand beyond the ready replicas → bridge their CPU limit: 300.0 rps exceeds what 2 ready replicas carry at 0.5 cores: bridge at 1.65 cores until it passes or replicas serve/);
    expect(result.plan).toEqual({ kind: 'limits', cpuCores: 1.65 });
  });

  it('a burst beyond the ready replicas even bridged: replicas asked for, and the ready ones bridged to the cap at once, in one plan (limits first)', () => {
    const result = evaluate(evaluationInput({ ...base, data: { ok: true, window: load(10, 500) }, actual: actual() }));
    // 500 rps is 2.7 times what 2 ready replicas carry at the 2-core cap (2 × 45.7 × 4): 3 replicas
    expect(result.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 2, to: 3 });
    expect(result.bridge).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.5, to: 2, policy: 'arbitration/bridge' });
    expect(result.plan).toEqual({ kind: 'replicas', replicas: 3, cpuCores: 2 });
    // the bridge remembers the base it returns to, and starts no settling window (it never moves the denominator)
    expect(result.memory.bridgeBaseCpuCores).toBe(0.5);
    expect(result.memory.lastVerticalChange).toBeUndefined();
  });

  it('a burst the bridge alone carries: the bridge is the decision (no replica change)', () => {
    // 5 replicas, 3 of them ready (3 × 45.7 = 137 rps at the base and the target); 4 s at 240 rps,
    // 4.2 replicas' capacity: with the bridge's square-root headroom, 4.2 + 0.4 × √4.2 = 5.02
    // replicas' worth, 229.5 rps at the target: the bridge alone, to 0.5 × 229.5 / 137 → 0.84
    const state = { ...initialPolicyMemory, adaptive: { ...initialPolicyMemory.adaptive, lastScaleOutAt: now - 60_000 } };
    const result = evaluate(evaluationInput({ ...base, memory: state, data: { ok: true, window: load(4, 240) }, actual: actual({ replicas: 5, readyReplicas: 3 }) }));
    expect(result.bridge).toBeUndefined();
    expect(result.decision).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.5, to: 0.84, policy: 'arbitration/bridge' });
    expect(result.plan).toEqual({ kind: 'limits', cpuCores: result.decision.to });
  });

  it('on an idle service a bridge move under the step is not made, and the reason says so (0 as the step makes it); on a loaded one it is', () => {
    // One replica idling at 5 rps (45.7 rps at the base and the target), bridged at 0.7 cores for
    // a burst 3 s ago (the 6 s panic window still holds it), which now asks for 0.68.
    const idleLoad = serviceWindowFrom(rows(300, { ...fits, requests_per_second: 5 }).map((row, i) => (i === 296 ? { ...row, values: { ...row.values, requests_per_second: 55 } } : row)));
    const state = { ...initialPolicyMemory, bridgeBaseCpuCores: 0.5, adaptive: { ...initialPolicyMemory.adaptive, lastScaleOutAt: now - 60_000 } };
    const at = (stepConfig: typeof config, window = idleLoad) => evaluate(evaluationInput({ ...base, config: stepConfig, memory: state, data: { ok: true, window }, actual: actual({ replicas: 1, readyReplicas: 1, cpuLimitCores: 0.7 }) }));
    const held = at(config);
    expect(held.plan).toEqual({ kind: 'none' });
    expect(held.bridge).toBeUndefined();
    expect(held.decision.reason).toMatch(/CPU limit 0\.7 cores held: 0\.6\d cores for [\d.]+ rps is a move under the 0\.05-core step, and the service is idle \(median second 5\.0 rps\)/);
    expect(held.memory.bridgeBaseCpuCores).toBe(0.5);
    const unstepped = at(parsePolicyConfig({ targets: { rpsPerReplica: 40 }, cpu: { minCores: 0.1, maxCores: 2, bridgeStepCores: 0 } }));
    expect(unstepped.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 0.7, policy: 'arbitration/bridge' });
    expect(unstepped.decision.to).toBeGreaterThan(0.65);
    // The same second on a service loaded at 30 rps: the move is made, step or not.
    const loadedLoad = serviceWindowFrom(rows(300, { ...fits, requests_per_second: 30 }).map((row, i) => (i === 296 ? { ...row, values: { ...row.values, requests_per_second: 55 } } : row)));
    const loaded = at(config, loadedLoad);
    expect(loaded.decision).toMatchObject({ resource: 'cpu', from: 0.7, policy: 'arbitration/bridge' });
    expect(Math.abs(loaded.decision.to - 0.7)).toBeLessThan(0.05);
  });

  it('while bridged, the horizontal rule counts replicas at the base limit, and the VPA recommendation is held', () => {
    // CPU-driven service, bridged from 0.5 to 1 core; usage 0.3 cores per replica would make the VPA shrink a 1-core limit
    const cpuConfig = parsePolicyConfig({ cpu: { minCores: 0.1, maxCores: 2 } });
    const window = serviceWindowFrom(rows(300, { ...fits, cpu_usage_cores: 0.6, cpu_limit_cores: 2, cpu_fraction_of_limit: 0.3, requests_per_second: null }));
    const memory = { ...initialPolicyMemory, bridgeBaseCpuCores: 0.5 };
    const result = evaluate(evaluationInput({ ...base, config: cpuConfig, memory, data: { ok: true, window }, actual: actual({ cpuLimitCores: 1 }) }));
    // 600 millicores on 2 ready replicas at 0.5 × 80% = 800 millicores: the bridge returns to the base...
    expect(result.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 1, to: 0.5, policy: 'arbitration/bridge' });
    expect(result.decision.reason).toMatch(/CPU limit back to its base/);
    expect(result.memory.bridgeBaseCpuCores).toBeUndefined();
    // ...and the signal per replica is measured against the base (0.6 / (2 × 0.5)), not the bridged limit
    expect(result.signal?.value).toBeCloseTo(0.6, 5);
  });

  it('the VPA-style recommendation does not fight a raised bridge: held, and the one reason says so', () => {
    // request-driven (the VPA may shrink CPU there): 400 rps, 2 of 9 replicas ready, bridged at the 2-core cap from 0.5;
    // usage of 0.3 cores per replica would have the VPA shrink the 2-core limit to 0.345
    const window = serviceWindowFrom(rows(300, { ...fits, cpu_usage_cores: 0.6, requests_per_second: 400 }));
    const memory = { ...initialPolicyMemory, bridgeBaseCpuCores: 0.5, adaptive: { ...initialPolicyMemory.adaptive, lastScaleOutAt: now - 10_000 } };
    const result = evaluate(evaluationInput({ ...base, memory, data: { ok: true, window }, actual: actual({ replicas: 9, readyReplicas: 2, cpuLimitCores: 2 }) }));
    expect(result.plan).toEqual({ kind: 'none' });
    expect(result.bridge).toBeUndefined();
    expect(result.decision.reason).toMatch(/^start-up bridge holds the CPU limit at 2 cores \(base 0.5\): CPU limit 2 cores fits 400.0 rps on 2 ready replicas; VPA-style recommendation held: web: p90 0.300 cores \+ 15% → 0.345 cores/);
    expect(result.memory.bridgeBaseCpuCores).toBe(0.5);
  });

  it('without the bridge raised, the VPA-style recommendation right-sizes the base as before', () => {
    const window = serviceWindowFrom(rows(300, { ...fits, cpu_usage_cores: 0.3, requests_per_second: 20 }));
    const result = evaluate(evaluationInput({ ...base, data: { ok: true, window }, actual: actual({ replicas: 1, readyReplicas: 1 }) }));
    expect(result.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 0.5, policy: 'arbitration/vertical' });
    expect(result.memory.lastVerticalChange).toEqual({ at: now, previousCpuLimitCores: 0.5 });
  });

  it('no bridge where CPU limits cannot change live (Swarm replaces tasks) or under the HPA rule', () => {
    const swarm = evaluate(evaluationInput({ ...base, liveCpuLimits: false, data: { ok: true, window: load(10, 300) }, actual: actual() }));
    expect(swarm.bridge).toBeUndefined();
    expect(swarm.plan).toEqual({ kind: 'replicas', replicas: swarm.decision.to });
    const hpa = evaluate(evaluationInput({ ...base, config: parsePolicyConfig({ policy: 'hpa', targets: { rpsPerReplica: 40 } }), data: { ok: true, window: load(10, 300) }, actual: actual() }));
    expect(hpa.bridge).toBeUndefined();
    expect(hpa.decision.policy).not.toMatch(/bridge/);
  });

  it('records the bridge like any decision, with the base it returns to', () => {
    const result = evaluate(evaluationInput({ ...base, data: { ok: true, window: load(10, 300) }, actual: actual() }));
    const line = decisionPoint({ service: 'web', time: now, decision: result.decision, actual: actual(), outcome: 'applied', dryRun: false }).toLineProtocol();
    expect(line).toMatch(/^scaler_decision,action=scale_up,service=web /);
    expect(line).toContain('policy="arbitration/bridge"');
    expect(line).toContain('resource="cpu"');
    expect(line).toContain('bridge_base_cpu_cores=0.5');
    expect(line).toContain('cpu_limit_cores_after=1.65');
  });
});

describe('the loop applies the bridge (fake actuator, no I/O)', () => {
  /** An actuator that only remembers the levels it was asked to set, in order. */
  function fakeActuator(kind: 'docker' | 'swarm', state: ServiceState) {
    const calls: string[] = [];
    const actuator = {
      kind,
      listServices: async () => ['web'],
      observe: async () => state,
      tidy: async () => 0,
      setReplicas: async (_service: string, replicas: number) => void calls.push(`replicas ${replicas}`),
      setLimits: async (_service: string, limits: { cpuCores?: number; memoryBytes?: number }) => void calls.push(`cpu ${limits.cpuCores}`),
    };
    return { actuator, calls };
  }
  // Beyond what the 2 ready replicas carry even at the bridge's cap: both the bridge and replicas.
  const burst = rows(300, { ...steady, memory_working_set_bytes: 2 * 225 * MiB, requests_per_second: 60 }).map((row, i) => (i >= 290 ? { ...row, values: { ...row.values, requests_per_second: 500 } } : row));

  async function tickOnce(kind: 'docker' | 'swarm', dryRun = false) {
    const { actuator, calls } = fakeActuator(kind, actual({ labels: { 'scalewright.target.rps-per-replica': '40' } }));
    const points: string[] = [];
    const loop = new ScalerLoop(scalerLoopOptions({
      actuator,
      readWindow: async () => ({ ok: true, window: serviceWindowFrom(burst) }),
      dryRun,
      write: (batch) => points.push(...batch.map((p) => p.toLineProtocol() ?? '')),
      now: () => now,
    }));
    const [report] = await loop.tick();
    await loop.settle();
    return { report, calls, points };
  }

  it('Docker: the bridge first (an instant update of the ready replicas), then the new replicas; both recorded with their reasons', async () => {
    const { report, calls, points } = await tickOnce('docker');
    expect(report?.outcome).toBe('applied');
    expect(calls).toEqual(['cpu 2', 'replicas 3']);
    expect(points.filter((p) => p.startsWith('scaler_decision'))).toHaveLength(2);
    expect(points.some((p) => p.includes('policy="arbitration/bridge"') && p.includes('outcome="applied"') && p.includes('bridge_base_cpu_cores=0.5'))).toBe(true);
  });

  it('dry-run: both decisions recorded as dry-run, nothing applied', async () => {
    const { calls, points } = await tickOnce('docker', true);
    expect(calls).toEqual([]);
    expect(points.filter((p) => p.startsWith('scaler_decision') && p.includes('dry_run=T'))).toHaveLength(2);
  });

  it('Swarm (limits applied by replacing tasks): replicas only, no bridge', async () => {
    const { calls, points } = await tickOnce('swarm');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^replicas /);
    expect(points.some((p) => p.includes('arbitration/bridge'))).toBe(false);
  });
});

describe('the bridge pass: between evaluations, only the bridge, on the newest seconds', () => {
  // 40 rps per replica at the HPA's 70% → 57.1 rps at 100% of the base limit, 45.7 at the adaptive 80%
  const config = parsePolicyConfig({ targets: { rpsPerReplica: 40 }, cpu: { minCores: 0.1, maxCores: 2 } });
  const fits = { ...steady, memory_working_set_bytes: 2 * 225 * MiB };
  /** 300 s at 60 rps, with `rps` in the seconds `from`–`to` ago. */
  const load = (rps: number, from: number, to = from) => serviceWindowFrom(rows(300, { ...fits, requests_per_second: 60 }).map((row, i) => (299 - i >= from && 299 - i <= to ? { ...row, values: { ...row.values, requests_per_second: rps } } : row)));
  const base = { now, config, liveCpuLimits: true, actual: actual() };

  it('raises the bridge for a burst in its first second: 300 rps is 5.25 replicas\' capacity, with headroom 6.17, on 2 ready replicas → 1.55 cores', () => {
    const pass = bridgePass(evaluationInput({ ...base, data: { ok: true, window: load(300, 0) } }));
    expect(pass.change).toMatchObject({ action: 'scale_up', resource: 'cpu', from: 0.5, to: 1.55, policy: 'arbitration/bridge' });
    expect(pass.change?.reason).toMatch(/^demand beyond the ready replicas → bridge their CPU limit: 281.9 rps exceeds what 2 ready replicas carry at 0.5 cores/);
    expect(pass.memory.bridgeBaseCpuCores).toBe(0.5);
    // nothing else of the memory moves: replicas, cooldowns and the latency correction are the evaluation's
    expect({ ...pass.memory, bridgeBaseCpuCores: undefined }).toEqual(initialPolicyMemory);
  });

  it('plans at the capacity the last evaluation corrected for latency: at 0.8 of it, the same burst needs 1.90 cores', () => {
    const corrected = { ...initialPolicyMemory, adaptive: { ...initialPolicyMemory.adaptive, latency: { ...initialPolicyMemory.adaptive.latency!, factor: 0.8 } } };
    expect(bridgePass(evaluationInput({ ...base, memory: corrected, data: { ok: true, window: load(300, 0) } })).change?.to).toBe(1.9);
  });

  it('keeps the limit while the burst is in the metric window (15 s), and returns to the base after it', () => {
    const bridged = { ...base, actual: actual({ cpuLimitCores: 1.55 }), memory: { ...initialPolicyMemory, bridgeBaseCpuCores: 0.5 } };
    const held = bridgePass(evaluationInput({ ...bridged, data: { ok: true, window: load(300, 12, 14) } }));
    expect(held.change).toBeUndefined();
    expect(held.memory.bridgeBaseCpuCores).toBe(0.5);
    const after = bridgePass(evaluationInput({ ...bridged, data: { ok: true, window: load(300, 15, 17) } }));
    expect(after.change).toMatchObject({ action: 'scale_down', from: 1.55, to: 0.5 });
    expect(after.change?.reason).toMatch(/^ready replicas carry the demand → CPU limit back to its base/);
    expect(after.memory.bridgeBaseCpuCores).toBeUndefined();
  });

  it('does nothing without a live bridge (HPA rule, Swarm or Kubernetes, no CPU limit) or on data the evaluation would not act on', () => {
    const burst = { ok: true as const, window: load(300, 0) };
    expect(bridgePass(evaluationInput({ ...base, config: parsePolicyConfig({ policy: 'hpa', targets: { rpsPerReplica: 40 } }), data: burst })).change).toBeUndefined();
    expect(bridgePass(evaluationInput({ ...base, liveCpuLimits: false, data: burst })).change).toBeUndefined();
    expect(bridgePass(evaluationInput({ ...base, actual: actual({ cpuLimitCores: undefined }), data: burst })).change).toBeUndefined();
    expect(bridgePass(evaluationInput({ ...base, staleAfterMs: 15_000, data: { ok: true, window: serviceWindowFrom(rows(30, { ...fits, requests_per_second: 300 }, now - 40_000)) } })).change).toBeUndefined();
    expect(bridgePass(evaluationInput({ ...base, data: { ok: false, problem: 'influx_unreachable', error: 'down' } })).change).toBeUndefined();
  });

  it('reads no further back than its windows', () => {
    expect(bridgeWindowSeconds(config)).toBe(16);
  });
});

describe('the loop runs bridge passes between evaluations (fake actuator, no I/O)', () => {
  // memory and CPU right-sized already (0.4 cores used of 0.5 per replica: p90 + 15% is within 10%), so the evaluation holds
  const rightSized = { ...steady, cpu_usage_cores: 0.8, memory_working_set_bytes: 2 * 225 * MiB, requests_per_second: 60 };
  let clock = now;
  let window = serviceWindowFrom(rows(300, rightSized));
  const calls: string[] = [];
  const points: string[] = [];
  const state = actual({ labels: { 'scalewright.target.rps-per-replica': '40' } });
  let release: (() => void) | undefined;
  let failing = false;
  /** InfluxDB does not answer: every read of the window is a problem. */
  let influxSilent = false;
  let reads = 0;
  /** Settles when the new replicas are healthy (setReplicas returns then). */
  let replicasHealthy: Promise<void> = Promise.resolve();
  const loopFor = (dryRun: boolean, kind: 'docker' | 'swarm' = 'docker') =>
    new ScalerLoop(scalerLoopOptions({
      actuator: {
        kind,
        listServices: async () => ['web'],
        observe: async () => state,
        tidy: async () => 0,
        setReplicas: async (_service: string, replicas: number) => {
          calls.push(`replicas ${replicas}`);
          await replicasHealthy;
        },
        setLimits: async (_service: string, limits: { cpuCores?: number }) => {
          calls.push(`cpu ${limits.cpuCores}`);
          if (failing) throw new Error('update refused');
          if (release === undefined) return;
          await new Promise<void>((resolve) => (release = resolve));
        },
      },
      readWindow: async () => {
        reads += 1;
        return influxSilent ? { ok: false, problem: 'influx_unreachable', error: 'InfluxDB did not answer within 5000 ms' } : { ok: true, window };
      },
      dryRun,
      write: (batch) => points.push(...batch.map((p) => p.toLineProtocol() ?? '')),
      now: () => clock,
    }));
  const reset = (rps: number) => {
    clock = now;
    calls.length = 0;
    points.length = 0;
    release = undefined;
    failing = false;
    influxSilent = false;
    reads = 0;
    replicasHealthy = Promise.resolve();
    window = serviceWindowFrom(rows(300, rightSized).map((row, i) => (i === 299 ? { ...row, values: { ...row.values, requests_per_second: rps } } : row)));
  };

  it('a burst after an evaluation is bridged one second later, applied and recorded; not again before bridgeSeconds', async () => {
    reset(60);
    const loop = loopFor(false);
    expect((await loop.tick())[0]?.outcome).toBe('hold');
    expect(await loop.bridgeTick()).toEqual([]); // not due: the evaluation has just sized it
    reset(300);
    clock = now + 1000;
    const [pass] = await loop.bridgeTick();
    expect(pass).toMatchObject({ service: 'web', outcome: 'applied', bridge: { action: 'scale_up', to: 1.55 } });
    await loop.settle();
    expect(calls).toEqual(['cpu 1.55']);
    expect(points.filter((p) => p.startsWith('scaler_decision') && p.includes('policy="arbitration/bridge"') && p.includes('outcome="applied"'))).toHaveLength(1);
    clock = now + 1500;
    expect(await loop.bridgeTick()).toEqual([]);
  });

  it('waits while a CPU change of its own is in flight', async () => {
    reset(60);
    const loop = loopFor(false);
    await loop.tick();
    reset(300);
    release = () => undefined; // setLimits now waits until released
    clock = now + 1000;
    expect((await loop.bridgeTick())[0]?.outcome).toBe('applied');
    clock = now + 2000;
    expect(await loop.bridgeTick()).toEqual([]);
    expect((await loop.tick())[0]?.outcome).toBe('busy'); // nor does an evaluation act meanwhile
    release();
    await loop.settle();
  });

  it('goes on while new replicas start: a scale-out waits for them to be healthy, the bridge does not', async () => {
    reset(60);
    // A load that has held at 200 rps for the whole flap window: replicas (5 at 40 rps), bridged meanwhile.
    window = serviceWindowFrom(rows(300, { ...rightSized, requests_per_second: 200 }));
    let healthy = () => undefined as void;
    replicasHealthy = new Promise<void>((resolve) => (healthy = resolve));
    const loop = loopFor(false);
    const [evaluation] = await loop.tick();
    expect(evaluation).toMatchObject({ outcome: 'applied', evaluation: { decision: { resource: 'replicas', to: 5 } } });
    // The new replicas are starting (setReplicas has not returned): the action is in flight.
    expect(calls.at(-1)).toBe('replicas 5');
    expect((await loop.tick())[0]?.outcome).toBe('busy');
    // A second later the load doubles: the bridge follows it while the replicas start.
    window = serviceWindowFrom(rows(300, { ...rightSized, requests_per_second: 200 }).map((row, i) => (i === 299 ? { ...row, values: { ...row.values, requests_per_second: 400 } } : row)));
    clock = now + 1000;
    const [pass] = await loop.bridgeTick();
    expect(pass).toMatchObject({ outcome: 'applied', bridge: { resource: 'cpu', to: 2 } });
    expect(calls).toEqual(['cpu 1.1', 'replicas 5', 'cpu 2']);
    healthy();
    await loop.settle();
  });

  it('a change the platform refuses is recorded as failed, and the next pass starts again from the actual state', async () => {
    reset(60);
    const loop = loopFor(false);
    await loop.tick();
    reset(300);
    failing = true;
    clock = now + 1000;
    await loop.bridgeTick();
    await loop.settle();
    expect(points.filter((p) => p.startsWith('scaler_decision') && p.includes('outcome="failed"') && p.includes('update refused'))).toHaveLength(1);
    failing = false;
    clock = now + 2000;
    expect((await loop.bridgeTick())[0]).toMatchObject({ outcome: 'applied', bridge: { from: 0.5, to: 1.55 } });
    await loop.settle();
    expect(calls).toEqual(['cpu 1.55', 'cpu 1.55']);
  });

  it('dry-run: logged and recorded as dry-run, nothing applied', async () => {
    reset(60);
    const loop = loopFor(true);
    await loop.tick();
    reset(300);
    clock = now + 1000;
    expect((await loop.bridgeTick())[0]?.outcome).toBe('dry_run');
    expect(calls).toEqual([]);
    expect(points.filter((p) => p.startsWith('scaler_decision') && p.includes('dry_run=T'))).toHaveLength(1);
  });

  it('a window InfluxDB did not give stops the passes until an evaluation reads one: no read every second of a dead server', async () => {
    reset(60);
    const loop = loopFor(false);
    await loop.tick();
    expect(loop.isBridging('web')).toBe(true);
    influxSilent = true;
    clock = now + 1000;
    expect(await loop.bridgeTick()).toEqual([{ service: 'web', outcome: 'influx_unreachable' }]);
    expect(loop.isBridging('web')).toBe(false);
    clock = now + 2000;
    expect(await loop.bridgeTick()).toEqual([]);
    expect(reads).toBe(2);
    // The evaluation still reads, and reports the problem; while it fails, no pass follows it.
    clock = now + 5000;
    expect((await loop.tick())[0]?.outcome).toBe('influx_unreachable');
    clock = now + 6000;
    expect(await loop.bridgeTick()).toEqual([]);
    expect(reads).toBe(3);
    // InfluxDB answers again: the evaluation that reads the window brings the passes back.
    reset(60);
    await loop.tick();
    expect(loop.isBridging('web')).toBe(true);
    reset(300);
    clock = now + 1000;
    expect((await loop.bridgeTick())[0]).toMatchObject({ outcome: 'applied', bridge: { to: 1.55 } });
    await loop.settle();
  });

  it('no passes where CPU limits do not change live (Swarm)', async () => {
    reset(60);
    const loop = loopFor(false, 'swarm');
    await loop.tick();
    reset(300);
    clock = now + 1000;
    expect(await loop.bridgeTick()).toEqual([]);
  });
});

describe('the loop reads and decides services side by side (fake actuator, no I/O)', () => {
  const held = serviceWindowFrom(rows(300, { ...steady, cpu_usage_cores: 0.8, memory_working_set_bytes: 2 * 225 * MiB }));
  const state = (service: string) => actual({ service, labels: { 'scalewright.target.rps-per-replica': '40' } });
  let clock = now;
  /** A loop over `services` whose platform answers `observe` through the given function. */
  const loopOver = (services: string[], observe: (service: string) => Promise<ServiceState>, options: { parallelServices?: number; readWindow?: ScalerLoopOptions['readWindow'] } = {}) => {
    clock = now;
    const { logger, lines } = capturingLogger('error');
    const loop = new ScalerLoop(scalerLoopOptions({
      actuator: { kind: 'docker', listServices: async () => services, observe, tidy: async () => 0, setReplicas: async () => undefined, setLimits: async () => undefined },
      readWindow: async () => ({ ok: true, window: held }),
      dryRun: true,
      logger,
      now: () => clock,
      ...options,
    }));
    return { loop, lines };
  };

  /**
   * A platform on which 'slow' answers only once 'fast' has been read (read one after the other,
   * that never comes, so it gives up after a while), recording the order of the answers while
   * `armed` says so.
   */
  const slowUntilFast = () => {
    const probe = { armed: true, events: [] as string[] };
    let fastObserved!: () => void;
    const fastSeen = new Promise<void>((resolve) => (fastObserved = resolve));
    const observe = async (service: string) => {
      if (!probe.armed) return state(service);
      if (service === 'slow') {
        probe.events.push('slow: asked');
        await Promise.race([fastSeen, sleep(500)]);
      } else fastObserved();
      probe.events.push(`${service}: answered`);
      return state(service);
    };
    return { probe, observe };
  };

  it('a service whose platform answers slowly does not hold the next one up; the reports keep the services\' order', async () => {
    const { probe, observe } = slowUntilFast();
    const { loop } = loopOver(['slow', 'fast'], observe);
    const reports = await loop.tick();
    expect(probe.events).toEqual(['slow: asked', 'fast: answered', 'slow: answered']);
    expect(reports.map((report) => [report.service, report.outcome])).toEqual([['slow', 'hold'], ['fast', 'hold']]);
  });

  it('bridge passes too: a slow service does not delay the next one\'s bridge', async () => {
    const { probe, observe } = slowUntilFast();
    probe.armed = false;
    const { loop } = loopOver(['slow', 'fast'], observe);
    await loop.tick(); // both bridged from now on (adaptive policy, Docker)
    probe.armed = true;
    clock = now + 1000;
    const passes = await loop.bridgeTick();
    expect(probe.events).toEqual(['slow: asked', 'fast: answered', 'slow: answered']);
    expect(passes.map((pass) => pass.service)).toEqual(['slow', 'fast']);
  });

  it('reads at most parallelServices at once (default 8); with 1, one after the other', async () => {
    const mostAtOnce = async (services: number, parallelServices?: number) => {
      let active = 0;
      let most = 0;
      const observe = async (service: string) => {
        most = Math.max(most, ++active);
        await new Promise((resolve) => setImmediate(resolve));
        active -= 1;
        return state(service);
      };
      const names = Array.from({ length: services }, (_, i) => `s${i}`);
      const { loop } = loopOver(names, observe, parallelServices === undefined ? {} : { parallelServices });
      expect((await loop.tick()).map((report) => report.service)).toEqual(names);
      return most;
    };
    expect(await mostAtOnce(5, 2)).toBe(2);
    expect(await mostAtOnce(12)).toBe(8);
    expect(await mostAtOnce(3, 1)).toBe(1);
  });

  it('an error nobody expected fails that service for this tick, said in the log, and the others are decided', async () => {
    const readWindow: ScalerLoopOptions['readWindow'] = async (service) => {
      if (service === 'broken') throw new Error('query planner exploded');
      return { ok: true, window: held };
    };
    const { loop, lines } = loopOver(['broken', 'fine'], async (service) => state(service), { readWindow });
    const reports = await loop.tick();
    expect(reports.map((report) => [report.service, report.outcome])).toEqual([['broken', 'failed'], ['fine', 'hold']]);
    expect(lines).toContainEqual(expect.objectContaining({ service: 'broken', error: 'Error: query planner exploded', msg: 'evaluation failed: the next tick starts again from the actual state' }));
  });
});

describe('evaluate: a replica starting is not demand', () => {
  // A CPU-driven worker service (no request-rate target), 1 replica at 0.1 cores, idle at 20 millicores.
  const config = parsePolicyConfig({ replicas: { min: 1, max: 4 }, cpu: { minCores: 0.1, maxCores: 0.5 }, startupSeconds: 15 });
  const old = { id: 'w0', name: 'worker-0', createdAt: now - 3_600_000, phase: 'ready' as const };
  const clone = { id: 'w1', name: 'worker-1', createdAt: now - 10_000, phase: 'starting' as const };
  const idle = { ...steady, replicas: 2, cpu_usage_cores: 0.32, cpu_limit_cores: 0.4, cpu_fraction_of_limit: 0.8, requests_per_second: null };
  // Per container: the old replica idles at 0.02 cores; the clone (bridged to 0.3) burns it all
  // while booting. Counted as demand, that burn alone reads as a panic and asks for 4 replicas.
  const perContainer = rows(60, {}).flatMap((row) => [
    { time: row.time, container: 'worker-0', value: 0.02 },
    ...(row.time >= clone.createdAt ? [{ time: row.time, container: 'worker-1', value: 0.3 }] : []),
  ]);

  it('leaves out the CPU a new replica burns while it starts, so the boot does not ask for more replicas', () => {
    const window = serviceWindowFrom(rows(60, idle), perContainer);
    const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ replicas: 2, readyReplicas: 1, cpuLimitCores: 0.1, members: [old, clone] }), config }));
    expect(result.decision.action).not.toBe('scale_out');
    expect(result.plan).not.toMatchObject({ kind: 'replicas' });
    // The same window without the per-container series (an older collector) still panics.
    const blind = evaluate(evaluationInput({ now, data: { ok: true, window: serviceWindowFrom(rows(60, idle)) }, actual: actual({ replicas: 2, readyReplicas: 1, cpuLimitCores: 0.1, members: [old, clone] }), config }));
    expect(blind.decision).toMatchObject({ action: 'scale_out', to: 4 });
  });

  it('counts that same CPU once the start-up time has passed: then it is load', () => {
    const booted = { ...clone, createdAt: now - 120_000, phase: 'ready' as const };
    const busy = rows(60, {}).flatMap((row) => [
      { time: row.time, container: 'worker-0', value: 0.1 },
      { time: row.time, container: 'worker-1', value: 0.1 },
    ]);
    const window = serviceWindowFrom(rows(60, { ...idle, cpu_usage_cores: 0.2, cpu_fraction_of_limit: 1 }), busy);
    const result = evaluate(evaluationInput({ now, data: { ok: true, window }, actual: actual({ replicas: 2, readyReplicas: 2, cpuLimitCores: 0.1, members: [old, booted] }), config }));
    expect(['scale_out', 'scale_up']).toContain(result.decision.action);
  });
});
