import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { goalMet } from '../../scaler/simulator/compare.js';
import { clairvoyantFrontier } from '../../scaler/simulator/frontier.js';
import { replayTrace } from '../../scaler/simulator/replay.js';
import { capacityPerReplica, DEFAULT_SERVICE_MODEL, p95LatencySeconds, serveSecond, serviceTimeSeconds, type ServiceModel } from '../../scaler/simulator/serviceModel.js';
import { simulatePolicy, type PolicyName, type PolicyOutcome } from '../../scaler/simulator/simulate.js';
import type { Trace } from '../../scaler/simulator/trace.js';
import { propertySettings } from '../support/properties.js';

/**
 * The simulator as specifications: the service model of one second, the accounting of a replay
 * under a policy, the rescaling of a trace into per-second arrivals, the clairvoyant planner's
 * frontier and the goal's verdict. Sums of floating point values may leave an exact equality by a
 * few units in the last place, so those are checked with a relative slack of 1e-9.
 */

const LN20 = Math.log(20);
const close = (a: number, b: number, scale = 1) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b), scale);

/** A service model: any limit, CPU per request, concurrency, queue bound, objective and dependency. */
const model: fc.Arbitrary<ServiceModel> = fc.record({
  cpuLimitCores: fc.double({ min: 0.05, max: 8, noNaN: true }),
  cpuSecondsPerRequest: fc.double({ min: 0.001, max: 0.1, noNaN: true }),
  concurrency: fc.integer({ min: 1, max: 16 }),
  startupSeconds: fc.integer({ min: 0, max: 60 }),
  queueLimitPerReplica: fc.integer({ min: 0, max: 500 }),
  sloP95Seconds: fc.double({ min: 0.05, max: 2, noNaN: true }),
  dependencySeconds: fc.double({ min: 0, max: 0.5, noNaN: true }),
});
const requests = fc.double({ min: 0, max: 5000, noNaN: true });
const replicas = fc.integer({ min: 1, max: 40 });
const cores = fc.double({ min: 0.05, max: 8, noNaN: true });

describe('the service model of one second (properties)', () => {
  it('the p95 never decreases as arrivals grow (same replicas, backlog and limit)', () => {
    fc.assert(
      fc.property(model, replicas, requests, requests, requests, (m, ready, a, b, backlog) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(p95LatencySeconds(m, ready, high, backlog)).toBeGreaterThanOrEqual(p95LatencySeconds(m, ready, low, backlog));
      }),
      propertySettings(300),
    );
  });

  it('the p95 never increases as ready replicas grow', () => {
    fc.assert(
      fc.property(model, replicas, fc.integer({ min: 0, max: 40 }), requests, requests, (m, ready, more, arrivals, backlog) => {
        expect(p95LatencySeconds(m, ready + more, arrivals, backlog)).toBeLessThanOrEqual(p95LatencySeconds(m, ready, arrivals, backlog));
      }),
      propertySettings(300),
    );
  });

  it('the p95 never increases as the CPU limit grows, and stops changing once the limit reaches the concurrency', () => {
    fc.assert(
      fc.property(model, replicas, cores, cores, requests, requests, (m, ready, x, y, arrivals, backlog) => {
        const [low, high] = x <= y ? [x, y] : [y, x];
        expect(p95LatencySeconds(m, ready, arrivals, backlog, high)).toBeLessThanOrEqual(p95LatencySeconds(m, ready, arrivals, backlog, low));
        if (low >= m.concurrency) expect(p95LatencySeconds(m, ready, arrivals, backlog, high)).toBe(p95LatencySeconds(m, ready, arrivals, backlog, low));
      }),
      propertySettings(300),
    );
  });

  it('the p95 is never below ln 20 × the service time plus the dependency, and is infinite with no replica ready', () => {
    fc.assert(
      fc.property(model, replicas, cores, requests, requests, (m, ready, limit, arrivals, backlog) => {
        const floor = LN20 * serviceTimeSeconds(m, limit) + (m.dependencySeconds ?? 0);
        expect(p95LatencySeconds(m, ready, arrivals, backlog, limit)).toBeGreaterThanOrEqual(floor);
        expect(p95LatencySeconds(m, 0, arrivals, backlog, limit)).toBe(Infinity);
      }),
      propertySettings(300),
    );
  });

  it('a second conserves requests, serves at most its capacity, leaves at most the queue bound, and violates exactly when it drops or its p95 is above the objective', () => {
    fc.assert(
      fc.property(model, fc.integer({ min: 0, max: 40 }), cores, requests, requests, (m, ready, limit, backlog, arrivals) => {
        const capacity = ready * capacityPerReplica(m, limit);
        const second = serveSecond(m, ready, capacity, limit, backlog, arrivals);
        expect(close(second.served + second.backlog + second.dropped, backlog + arrivals)).toBe(true);
        expect(second.served).toBeLessThanOrEqual(capacity);
        expect(second.served).toBeGreaterThanOrEqual(0);
        expect(second.dropped).toBeGreaterThanOrEqual(0);
        // The bound is the ready replicas' queues; with none ready, one replica's.
        expect(second.backlog).toBeLessThanOrEqual(m.queueLimitPerReplica * Math.max(1, ready));
        // Nothing is left waiting or dropped while capacity is unused.
        if (second.served < capacity) expect(second.backlog + second.dropped).toBe(0);
        expect(second.p95Seconds).toBe(p95LatencySeconds(m, ready, arrivals, second.backlog, limit));
        expect(second.violated).toBe(second.dropped > 0 || second.p95Seconds > m.sloP95Seconds);
      }),
      propertySettings(300),
    );
  });

  it('k times the arrivals, backlog and replicas (k a power of two, so exact) drops k times as much and never has a higher p95: violations never grow with scale, but need not stay the same (more servers wait less)', () => {
    fc.assert(
      fc.property(model, replicas, fc.constantFrom(2, 4, 8), fc.array(requests, { minLength: 1, maxLength: 60 }), (m, ready, k, arrivals) => {
        const mu = capacityPerReplica(m);
        let small = 0;
        let large = 0;
        for (const a of arrivals) {
          const one = serveSecond(m, ready, ready * mu, m.cpuLimitCores, small, a);
          const many = serveSecond(m, ready * k, ready * k * mu, m.cpuLimitCores, large, a * k);
          expect(many.served).toBe(one.served * k);
          expect(many.backlog).toBe(one.backlog * k);
          expect(many.dropped).toBe(one.dropped * k);
          expect(many.p95Seconds).toBeLessThanOrEqual(one.p95Seconds);
          if (many.violated) expect(one.violated).toBe(true);
          small = one.backlog;
          large = many.backlog;
        }
      }),
      propertySettings(200),
    );
  });

  it('scaling is not an exact invariance: the same utilisation on more replicas can turn a violating second into one that meets the objective', () => {
    // 1 replica of the default model at 45 of its 50 req/s: the Sakasegawa wait of 4 slots is long;
    // on 8 replicas at 360 req/s (32 slots) it is short.
    const m = DEFAULT_SERVICE_MODEL;
    expect(serveSecond(m, 1, 50, m.cpuLimitCores, 0, 45).violated).toBe(true);
    expect(serveSecond(m, 8, 400, m.cpuLimitCores, 0, 360).violated).toBe(false);
  });
});

const config = parsePolicyConfig({ replicas: { min: 1, max: 12 } });
const setup = { model: DEFAULT_SERVICE_MODEL, config, hpaSyncSeconds: 15 };
const policy = fc.constantFrom<PolicyName>('hpa', 'adaptive');
/** A short trace of per-second arrivals: steady stretches and bursts, up to a few hundred seconds. */
const rates = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 700, noNaN: true })), { minLength: 1, maxLength: 8 })
  .map((stretches) => Float64Array.from(stretches.flatMap(([length, rate]) => Array.from({ length }, () => rate))));

describe('the accounting of a replay (properties)', () => {
  it('costs at least the minimum replicas every second, counts no more violation-seconds than seconds, and no more flaps than scale actions after the first', () => {
    fc.assert(
      fc.property(rates, policy, fc.integer({ min: 1, max: 4 }), (r, name, min) => {
        const outcome = simulatePolicy(r, name, { ...setup, config: parsePolicyConfig({ replicas: { min, max: 12 } }) });
        expect(outcome.simulatedSeconds).toBe(r.length);
        expect(outcome.replicaSeconds).toBeGreaterThanOrEqual(min * r.length);
        expect(outcome.sloViolationSeconds).toBeGreaterThanOrEqual(0);
        expect(outcome.sloViolationSeconds).toBeLessThanOrEqual(r.length);
        expect(outcome.flaps).toBeLessThanOrEqual(Math.max(0, outcome.scaleActions - 1));
        expect(outcome.peakReplicas).toBeLessThanOrEqual(12);
        expect(outcome.peakReplicas).toBeGreaterThanOrEqual(min);
      }),
      propertySettings(40),
    );
  });

  it('is deterministic: the same rates and setup give the same outcome', () => {
    fc.assert(
      fc.property(rates, policy, (r, name) => {
        expect(simulatePolicy(r, name, setup)).toEqual(simulatePolicy(Float64Array.from(r), name, setup));
      }),
      propertySettings(20),
    );
  });

  it('a trace of no requests has no violation and no drop, and costs the minimum replicas (no dependency slower than the objective)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), policy, fc.integer({ min: 1, max: 4 }), (seconds, name, min) => {
        const outcome = simulatePolicy(new Float64Array(seconds), name, { ...setup, config: parsePolicyConfig({ replicas: { min, max: 12 } }) });
        expect(outcome.sloViolationSeconds).toBe(0);
        expect(outcome.droppedRequests).toBe(0);
        expect(outcome.replicaSeconds).toBe(min * seconds);
      }),
      propertySettings(20),
    );
  });
});

/** A regular trace: `values` rows `step` seconds apart from time 0 (no gaps). */
const regular = (values: readonly number[], step: number): Trace => ({ name: 'generated', times: Float64Array.from(values, (_, i) => i * step), values: Float64Array.from(values), stepSeconds: step });
/**
 * A trace value: 0, or from 1e-6 up. (A largest value below peakRps / Number.MAX_VALUE, about
 * 1e-305, overflows the load factor to Infinity: left alone, no trace counts in such units.)
 */
const traceValue = fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e6, noNaN: true }));
const traceValues = fc.array(traceValue, { minLength: 1, maxLength: 40 });
const peakRps = fc.double({ min: 1, max: 5000, noNaN: true });

describe('the rescaling of a trace (properties)', () => {
  it('the busiest simulated second gets the requested peak, and every second keeps its ratio to the trace value it replays (a trace of zeros stays zeros)', () => {
    fc.assert(
      fc.property(traceValues, fc.integer({ min: 1, max: 60 }), peakRps, (values, step, peak) => {
        const replay = replayTrace(regular(values, step), { maxReplayStepSeconds: 60, peakRps: peak });
        const largest = Math.max(...values);
        expect(replay.rates.length).toBe(values.length * step);
        if (largest === 0) {
          expect(replay.loadFactor).toBe(0);
          expect([...replay.rates].every((rate) => rate === 0)).toBe(true);
          return;
        }
        expect(close(Math.max(...replay.rates), peak, peak)).toBe(true);
        for (let t = 0; t < replay.rates.length; t += 1) expect(close(replay.rates[t]!, values[Math.floor(t / step)]! * (peak / largest), peak)).toBe(true);
      }),
      propertySettings(200),
    );
  });

  it('a row of step Δ plays over min(Δ, the longest replay step) simulated seconds, at its value', () => {
    fc.assert(
      fc.property(fc.array(traceValue, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 1, max: 60 }), peakRps, (values, step, maxStep, peak) => {
        const replay = replayTrace(regular(values, step), { maxReplayStepSeconds: maxStep, peakRps: peak });
        const played = Math.min(step, maxStep);
        expect(replay.timeFactor).toBe(Math.max(1, step / maxStep));
        expect(replay.rates.length).toBe(values.length * played);
        for (let t = 0; t < replay.rates.length; t += 1) expect(close(replay.rates[t]!, values[Math.floor(t / played)]! * replay.loadFactor, peak)).toBe(true);
      }),
      propertySettings(150),
    );
  });

  it('regression: 3 rows of 2674 s at most 17 s each play over 51 simulated seconds, not 52 (the time factor rounded first left 51.00000000000001)', () => {
    const replay = replayTrace(regular([0, 0, 0], 2674), { maxReplayStepSeconds: 17, peakRps: 1 });
    expect(replay.rates.length).toBe(51);
    expect(replayTrace(regular([1, 2, 3], 2674), { maxReplayStepSeconds: 17, peakRps: 3 }).rates[50]).toBe(3);
  });

  it('on irregular rows, compression keeps the requests: the simulated seconds, each weighted by the share of a second of trace it covers, sum to the trace\'s integral over the time factor (gaps held)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0.1, max: 400, noNaN: true }), traceValue), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 60 }),
        (rows, maxStep) => {
          const times: number[] = [];
          let time = 0;
          for (const [gap] of rows) {
            times.push(time);
            time += gap;
          }
          const spacings = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
          const step = spacings.length === 0 ? 1 : spacings[Math.floor(spacings.length / 2)]!;
          const trace: Trace = { name: 'irregular', times: Float64Array.from(times), values: Float64Array.from(rows, ([, v]) => v), stepSeconds: step };
          const replay = replayTrace(trace, { maxReplayStepSeconds: maxStep, peakRps: 100, gaps: 'hold' });
          const end = times[times.length - 1]! + step;
          let integral = 0;
          for (let i = 0; i < times.length; i += 1) integral += rows[i]![1] * ((i + 1 < times.length ? times[i + 1]! : end) - times[i]!);
          const tf = replay.timeFactor;
          let sum = 0;
          for (let t = 0; t < replay.rates.length; t += 1) sum += replay.rates[t]! * Math.max(0, Math.min(1, (end - t * tf) / tf));
          expect(Math.abs(sum - (integral * replay.loadFactor) / tf)).toBeLessThanOrEqual(1e-6 * Math.max(1, sum));
        },
      ),
      propertySettings(150),
    );
  });
});

const frontierRates = fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 400, noNaN: true })), { minLength: 1, maxLength: 8 }).map((stretches) => Float64Array.from(stretches.flatMap(([length, rate]) => Array.from({ length }, () => rate))));
const PRICES = [0.25, 1, 4, 16, 64, 256, 1024, 4096];

describe('the clairvoyant frontier (properties)', () => {
  it('along the price sweep, replica-seconds never decrease and violation-seconds never increase', () => {
    fc.assert(
      fc.property(frontierRates, fc.integer({ min: 0, max: 30 }), (r, windowSeconds) => {
        const points = clairvoyantFrontier(r, { model: DEFAULT_SERVICE_MODEL, coresPerReplica: 2, windowSeconds, prices: PRICES });
        for (let i = 1; i < points.length; i += 1) {
          expect(points[i]!.replicaSeconds).toBeGreaterThanOrEqual(points[i - 1]!.replicaSeconds);
          expect(points[i]!.sloViolationSeconds).toBeLessThanOrEqual(points[i - 1]!.sloViolationSeconds);
        }
      }),
      propertySettings(100),
    );
  });
});

const outcome = (sloViolationSeconds: number, replicaSeconds: number, flaps: number): PolicyOutcome => ({
  policy: 'hpa',
  sloViolationSeconds,
  replicaSeconds,
  flaps,
  scaleActions: flaps,
  verticalUpdates: 0,
  peakCpuLimitCores: 0.5,
  droppedRequests: 0,
  peakReplicas: 1,
  simulatedSeconds: 1,
});

describe('the goal verdict (properties)', () => {
  it('is met exactly when violations are at most half the HPA rule\'s, the cost at most its, and flaps fewer or none for both', () => {
    const count = fc.integer({ min: 0, max: 20 });
    fc.assert(
      fc.property(count, count, count, count, count, count, (av, hv, ac, hc, af, hf) => {
        const expected = 2 * av <= hv && ac <= hc && (af < hf || (af === 0 && hf === 0));
        expect(goalMet({ ...outcome(av, ac, af), policy: 'adaptive' }, outcome(hv, hc, hf))).toBe(expected);
      }),
      propertySettings(500),
    );
  });

  it('pins ties and zeros: 0 against 0 violations meets, any violation against none misses, half exactly meets, equal cost meets, equal non-zero flaps miss', () => {
    const met = (a: PolicyOutcome, h: PolicyOutcome) => goalMet({ ...a, policy: 'adaptive' }, h);
    expect(met(outcome(0, 100, 0), outcome(0, 100, 0))).toBe(true);
    expect(met(outcome(1, 100, 0), outcome(0, 100, 0))).toBe(false);
    expect(met(outcome(5, 100, 0), outcome(10, 100, 0))).toBe(true);
    expect(met(outcome(6, 100, 0), outcome(11, 100, 0))).toBe(false);
    expect(met(outcome(0, 101, 0), outcome(10, 100, 0))).toBe(false);
    expect(met(outcome(0, 0, 0), outcome(0, 0, 0))).toBe(true);
    expect(met(outcome(0, 100, 2), outcome(10, 100, 2))).toBe(false);
    expect(met(outcome(0, 100, 1), outcome(10, 100, 2))).toBe(true);
    expect(met(outcome(0, 100, 1), outcome(10, 100, 0))).toBe(false);
  });
});
