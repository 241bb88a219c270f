/**
 * The inputs the policy tests start from, each test naming only what it changes: the adaptive
 * policy's settings as its documentation gives them, and one replica of 0.5 cores and 256 MiB
 * whose arbitration has nothing to say.
 */
import { replicaDecision, resourceDecision } from '../../../scaler/decision.js';
import type { AdaptiveSettings } from '../../../scaler/policies/adaptive.js';
import type { ArbitrationInput } from '../../../scaler/policies/arbitration.js';
import { PolicyConfigError } from '../../../scaler/config/policyConfig.js';

export const MiB = 2 ** 20;

export const adaptiveTestSettings: AdaptiveSettings = {
  minReplicas: 1,
  maxReplicas: 40,
  targetUtilisation: 0.8,
  burstHeadroom: 0.3,
  bridgeHeadroom: 0.4,
  metricWindowSeconds: 15,
  startupSeconds: 30,
  evaluationSeconds: 5,
  stableWindowSeconds: 60,
  panicWindowSeconds: 6,
  panicThreshold: 2,
  tolerance: 0.1,
  afterScaleOutSeconds: 300,
  betweenScaleInSeconds: 15,
  maxScaleInFraction: 0.5,
  flapWindowSeconds: 300,
  latencyTargetSeconds: 0.5,
  latencyCorrectionFloor: 0.5,
};

/** One steady replica of 0.5 cores (cap 2) and 256 MiB (cap 1 GiB), at `now`: the horizontal rule holds, the vertical one fits. */
export const steadyArbitrationInput = (now: number): ArbitrationInput => ({
  now,
  replicas: 1,
  horizontal: replicaDecision('adaptive', 1, 1, 'steady'),
  verticalCpu: resourceDecision('vertical', 'cpu', 0.5, 0.5, 'fits'),
  verticalMemory: resourceDecision('vertical', 'memory', 256 * MiB, 256 * MiB, 'fits'),
  memoryPressure: false,
  oomKilled: false,
  cpuThrottled: false,
  cpuLimitCores: 0.5,
  cpuMaxCores: 2,
  memoryLimitBytes: 256 * MiB,
  memoryMaxBytes: 1024 * MiB,
  requestDriven: false,
  settleSeconds: 60,
});

/** The PolicyConfigError `fn` throws, to read its problems; any other outcome fails the test. */
export function policyConfigRefusal(fn: () => unknown): PolicyConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PolicyConfigError) return error;
    throw error;
  }
  throw new Error('expected a PolicyConfigError');
}
