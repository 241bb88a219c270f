import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { DEFAULT_SERVICE_MODEL } from '../../scaler/simulator/serviceModel.js';
import { simulatePolicy } from '../../scaler/simulator/simulate.js';

// A service carrying 30 rps on one replica, whose every tenth second is 20% busier: the pattern a
// healthcheck's CPU makes on a small idle container. Its bridge would follow that second into and
// out of its window, moving the limit by a few hundredths of a core every few seconds.
const steadyWithTinyBumps = new Float64Array(1800).map((_, second) => (second % 10 === 0 ? 36 : 30));
const replay = (bridgeStepCores: number) =>
  simulatePolicy(steadyWithTinyBumps, 'adaptive', { model: DEFAULT_SERVICE_MODEL, config: parsePolicyConfig({ cpu: { bridgeStepCores } }), hpaSyncSeconds: 15 });

describe('the bridge’s minimum step, replayed', () => {
  it('leaves the limit alone through bumps worth hundredths of a core, which without a step move it every few seconds', () => {
    const stepped = replay(0.05);
    const unstepped = replay(0);
    expect(unstepped.verticalUpdates).toBeGreaterThan(100);
    expect(stepped.verticalUpdates).toBe(0);
    expect(stepped.sloViolationSeconds).toBe(0);
  });
});
