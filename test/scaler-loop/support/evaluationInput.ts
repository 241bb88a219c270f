/**
 * The input of one evaluation (`evaluate()`, or `bridgePass()` between evaluations) built by a
 * test, so that each test names only what it is about.
 */
import { parsePolicyConfig } from '../../../scaler/config/policyConfig.js';
import { initialPolicyMemory, type EvaluationInput } from '../../../scaler/loop/evaluate.js';

/** What every test states: the time of the evaluation, the data read for it, and the service as it is. */
export type EvaluationUnderTest = Pick<EvaluationInput, 'now' | 'data' | 'actual'> & Partial<EvaluationInput>;

/**
 * An evaluation's input from `now`, the data and the actual state, and for the rest what a test
 * does not care about: the default policy (`parsePolicyConfig({})`, a service with no policy
 * labels), nothing remembered from an earlier evaluation (`initialPolicyMemory`), data stale
 * after 15 s (the scaler's default `--stale-after`), and `liveCpuLimits` left out (no start-up
 * bridge, as on a platform that does not change CPU limits live). Any field given replaces its default.
 */
export function evaluationInput(input: EvaluationUnderTest): EvaluationInput {
  return { config: parsePolicyConfig({}), memory: initialPolicyMemory, staleAfterMs: 15_000, ...input };
}
