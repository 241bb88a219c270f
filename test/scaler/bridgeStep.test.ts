import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { DEFAULT_SERVICE_MODEL } from '../../scaler/simulator/serviceModel.js';
import { simulatePolicy } from '../../scaler/simulator/simulate.js';

// Every tenth second at 36 rps: the pattern a healthcheck's CPU makes on a small container. The
// bridge follows that second into and out of its window, asking for a few hundredths of a core
// above the base every few seconds.
const everyTenthSecondAt36 = (otherSeconds: number) => new Float64Array(1800).map((_, second) => (second % 10 === 0 ? 36 : otherSeconds));
const replay = (rates: Float64Array, bridgeStepCores: number) =>
  simulatePolicy(rates, 'adaptive', { model: DEFAULT_SERVICE_MODEL, config: parsePolicyConfig({ cpu: { bridgeStepCores } }), hpaSyncSeconds: 15 });

describe('the bridge’s minimum step, replayed', () => {
  it('leaves an idle service’s limit alone through bumps worth hundredths of a core, which without a step move it every few seconds', () => {
    const idle = everyTenthSecondAt36(5);
    expect(replay(idle, 0).verticalUpdates).toBeGreaterThan(100);
    const stepped = replay(idle, 0.05);
    expect(stepped.verticalUpdates).toBe(0);
    expect(stepped.sloViolationSeconds).toBe(0);
  });
  it('still makes every small move for a loaded service (30 rps on one replica’s 40 at the target)', () => {
    const loaded = everyTenthSecondAt36(30);
    expect(replay(loaded, 0.05).verticalUpdates).toBe(replay(loaded, 0).verticalUpdates);
    expect(replay(loaded, 0.05).verticalUpdates).toBeGreaterThan(100);
  });
});
