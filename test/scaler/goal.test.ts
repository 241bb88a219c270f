import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { compareOnTrace, type Comparison } from '../../scaler/simulator/compare.js';
import { HELD_OUT_SHAPES, SYNTHETIC_SHAPES, syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { parseTraceCsv, type Trace } from '../../scaler/simulator/trace.js';
import { SIMULATE_DEFAULTS } from './support/simulateDefaults.js';

/**
 * The issue's goal, on the shared real traces and on synthetic shapes, with the simulator's
 * defaults (the same ones `scalewright simulate` uses): adaptive ≤ 0.5× the HPA rule's
 * SLO-violation seconds, ≤ 1.0× its replica-seconds, and fewer flaps (or none for both).
 *
 * KNOWN_MISSES lists the traces where the goal is not met yet, each with why; their goal test is
 * `it.fails`, so it turns red the day the goal is reached there (then move the trace out of the
 * list). Everywhere, the adaptive policy must at least have fewer violations and no more flaps.
 */
const KNOWN_MISSES: Record<string, string> = {
  'azure_llm_conv_2023_1s.csv':
    'violations 0.39× but cost 1.12×: its seconds are independent (lag-1 autocorrelation 0.05 around their minute\'s mean), so only headroom held in advance covers them; even the clairvoyant planner pays 0.92× the HPA rule\'s cost for the goal, and a causal planner that knows the service model exactly reaches it only on two large replicas (0.998×), not scaled out (held to five or more, 1.02×)',
  'synthetic-noise':
    'violations 0.58× and cost 1.01×: white ±50% noise has no structure to follow; the HPA rule runs 11 replicas and takes 38 violation-s; the goal (≤ 19) costs the clairvoyant planner 0.95×',
};

const TRACE_DIR = resolve(import.meta.dirname, '../../../shared/data/traces');
const compare = (trace: Trace): Comparison => compareOnTrace(trace, SIMULATE_DEFAULTS);
/** The defaults' config without latency feedback. */
const withoutFeedback = parsePolicyConfig({ replicas: { min: 1, max: 40 }, targets: { latencyCorrectionFloor: 1 } });

const realTraces = existsSync(TRACE_DIR) ? readdirSync(TRACE_DIR).filter((name) => name.endsWith('.csv')).sort() : [];
const cases: { name: string; load: () => Trace }[] = [
  ...realTraces.map((name) => ({ name, load: () => parseTraceCsv(readFileSync(join(TRACE_DIR, name), 'utf8'), name) })),
  ...SYNTHETIC_SHAPES.map((shape) => ({ name: `synthetic-${shape}`, load: () => syntheticTrace(shape) })),
];

describe('adaptive policy against the HPA rule, same model, same traces, same cost accounting', () => {
  for (const { name, load } of cases) {
    describe(name, () => {
      let result: Comparison | undefined;
      const comparison = () => (result ??= compare(load()));

      it('has fewer SLO-violation seconds (or none for both) and no more flaps', { timeout: 300_000 }, () => {
        const [hpa, adaptive] = comparison().outcomes;
        if (hpa!.sloViolationSeconds === 0) expect(adaptive!.sloViolationSeconds).toBe(0);
        else expect(adaptive!.sloViolationSeconds).toBeLessThan(hpa!.sloViolationSeconds);
        expect(adaptive!.flaps).toBeLessThanOrEqual(hpa!.flaps);
      });

      const goal = KNOWN_MISSES[name] ? it.fails : it;
      goal(`meets the goal: ≤ 0.5× violations, ≤ 1.0× replica-seconds, fewer flaps${KNOWN_MISSES[name] ? ` (known miss: ${KNOWN_MISSES[name]})` : ''}`, { timeout: 300_000 }, () => {
        const [hpa, adaptive] = comparison().outcomes;
        expect(adaptive!.sloViolationSeconds).toBeLessThanOrEqual(0.5 * hpa!.sloViolationSeconds);
        expect(adaptive!.replicaSeconds).toBeLessThanOrEqual(hpa!.replicaSeconds);
        if (hpa!.flaps > 0) expect(adaptive!.flaps).toBeLessThan(hpa!.flaps);
        else expect(adaptive!.flaps).toBe(0);
      });
    });
  }
});

/**
 * Held-out shapes (generated after the last policy change, never used to choose its rules):
 * their figures are printed, not required to meet the goal. Only what the policy promises
 * everywhere is checked: no more flaps than the HPA rule. Two weaknesses they showed became goal
 * shapes: square-wave bursts of 120 s every 6 min (a burst's end read as a falling load, mended by
 * the level-shift rule) and a double-peak day (more violations than the HPA rule at 2–3 replicas,
 * mended by square-root staffing of the busy second).
 */
describe('held-out shapes: figures reported, not tuned to', () => {
  for (const shape of HELD_OUT_SHAPES) {
    it(`synthetic-${shape}: no more flaps than the HPA rule (figures printed)`, { timeout: 120_000 }, () => {
      const { outcomes, ratios, goalMet } = compare(syntheticTrace(shape));
      const [hpa, adaptive] = outcomes;
      const show = (r: number | null | undefined) => (r === null || r === undefined ? 'n/a' : `${r.toFixed(2)}×`);
      process.stdout.write(`held-out synthetic-${shape}: violations ${adaptive!.sloViolationSeconds} vs ${hpa!.sloViolationSeconds} (${show(ratios?.sloViolationSeconds)}), replica-s ${adaptive!.replicaSeconds} vs ${hpa!.replicaSeconds} (${show(ratios?.replicaSeconds)}), flaps ${adaptive!.flaps} vs ${hpa!.flaps}: goal ${goalMet ? 'met' : 'missed'}\n`);
      expect(adaptive!.flaps).toBeLessThanOrEqual(hpa!.flaps);
    });
  }
});

/**
 * The adaptive policy counts demand against a capacity per replica it is told (an operator's
 * requests-per-second target); the HPA rule measures CPU and is told nothing. Told 50% too much,
 * the policy without latency feedback plans replicas for load they cannot carry; with it, the
 * measured p95 brings the capacity down to what the replicas carry (`latencyCorrection.ts`).
 */
describe('a capacity per replica told 50% too high: latency feedback', () => {
  for (const shape of ['step', 'sine', 'double-peak'] as const) {
    it(`synthetic-${shape}: cuts the SLO-violation seconds at least tenfold`, { timeout: 120_000 }, () => {
      const run = (feedback: boolean) =>
        compareOnTrace(syntheticTrace(shape), {
          ...SIMULATE_DEFAULTS,
          config: feedback ? SIMULATE_DEFAULTS.config : withoutFeedback,
          policies: ['adaptive'],
          capacityError: 1.5,
        }).outcomes[0]!;
      const [on, off] = [run(true), run(false)];
      process.stdout.write(`capacity told 1.5×, synthetic-${shape}: violations ${on.sloViolationSeconds} with latency feedback, ${off.sloViolationSeconds} without; replica-s ${on.replicaSeconds} vs ${off.replicaSeconds}\n`);
      expect(on.sloViolationSeconds * 10).toBeLessThanOrEqual(off.sloViolationSeconds);
    });
  }
});

/**
 * Latency that replicas do not cure (every request also waits 600 ms on a dependency, so the
 * 500 ms objective is out of reach at any size) must not read as short capacity: without the
 * trial and the far-below-the-floor finding, the feedback lowered the capacity to its floor and
 * its scale-in veto then held every replica it ever added: 2.9–4.2× the replica-seconds of the
 * policy without feedback on these shapes (seen with it: 1.02–1.09×).
 */
describe('a slow dependency no replica cures: latency feedback', () => {
  for (const shape of ['step', 'ramp', 'spike', 'sine'] as const) {
    it(`synthetic-${shape}: costs no more than 25% above the policy without feedback`, { timeout: 120_000 }, () => {
      const run = (feedback: boolean) =>
        compareOnTrace(syntheticTrace(shape), {
          ...SIMULATE_DEFAULTS,
          model: { ...SIMULATE_DEFAULTS.model, dependencySeconds: 0.6 },
          config: feedback ? SIMULATE_DEFAULTS.config : withoutFeedback,
          policies: ['adaptive'],
        }).outcomes[0]!;
      const [on, off] = [run(true), run(false)];
      process.stdout.write(`dependency 600 ms, synthetic-${shape}: replica-s ${on.replicaSeconds} with latency feedback, ${off.replicaSeconds} without\n`);
      expect(on.replicaSeconds).toBeLessThanOrEqual(1.25 * off.replicaSeconds);
    });
  }
});

/**
 * The vertical bridge is re-sized every second between the 5 s evaluations (`bridgeSeconds`): a
 * CPU limit applies to running containers at once, so a burst need not wait for the next
 * evaluation. On azure_code's unannounced 1 s LLM bursts that is what meets the goal.
 */
describe('the vertical bridge re-sized between evaluations', () => {
  it.skipIf(!realTraces.includes('azure_llm_code_2023_1s.csv'))('azure_llm_code: a bridge re-sized every second has at most 0.75× the violation-seconds of one re-sized at the 5 s evaluations, at no more cost', { timeout: 120_000 }, () => {
    const trace = parseTraceCsv(readFileSync(resolve(TRACE_DIR, 'azure_llm_code_2023_1s.csv'), 'utf8'), 'azure_llm_code_2023_1s.csv');
    const run = (bridgeSeconds: number) =>
      compareOnTrace(trace, { ...SIMULATE_DEFAULTS, config: parsePolicyConfig({ replicas: { min: 1, max: 40 }, bridgeSeconds }), policies: ['adaptive'] }).outcomes[0]!;
    const [everySecond, atEvaluations] = [run(1), run(5)];
    process.stdout.write(`bridge every 1 s: ${everySecond.sloViolationSeconds} violation-s, ${everySecond.replicaSeconds} replica-s; every 5 s: ${atEvaluations.sloViolationSeconds}, ${atEvaluations.replicaSeconds}\n`);
    expect(everySecond.sloViolationSeconds).toBeLessThanOrEqual(0.75 * atEvaluations.sloViolationSeconds);
    expect(everySecond.replicaSeconds).toBeLessThanOrEqual(1.01 * atEvaluations.replicaSeconds);
  });
});
