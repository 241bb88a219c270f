import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { compareOnTrace, type Comparison } from '../../scaler/simulator/compare.js';
import { DEFAULT_SERVICE_MODEL } from '../../scaler/simulator/serviceModel.js';
import { SYNTHETIC_SHAPES, syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { parseTraceCsv, type Trace } from '../../scaler/simulator/trace.js';

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
  'azure_llm_code_2023_1s.csv': '1 s bursts (73% empty seconds): violations 0.56×, but sizing for the busy second costs 1.38×',
  'azure_llm_conv_2023_1s.csv': '1 s jitter: violations 0.43×, cost 1.16×',
  'synthetic-spike': 'violations 0.08×, but cost 1.20×: replicas added for the part of a 5× spike the bridge cannot carry are held for the flap window',
  'synthetic-noise': 'bounded ±50% per-second noise: cost 1.00×, violations 0.66×',
};

const TRACE_DIR = resolve(import.meta.dirname, '../../../shared/data/traces');
const config = parsePolicyConfig({ replicas: { min: 1, max: 40 } });
const compare = (trace: Trace): Comparison =>
  compareOnTrace(trace, { model: DEFAULT_SERVICE_MODEL, config, replay: { maxReplayStepSeconds: 60, peakRps: 560 }, policies: ['hpa', 'adaptive'], hpaSyncSeconds: 15 });

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
