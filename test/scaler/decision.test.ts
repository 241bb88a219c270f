import { describe, expect, it } from 'vitest';
import { replicaDecision, resourceDecision } from '../../scaler/decision.js';

/** A decision's action follows the direction of its change: replicas go out and in, a replica's limits up and down. */

describe('decisions', () => {
  it('a replica count that grows is a scale-out, one that shrinks a scale-in, one that stays none', () => {
    expect(replicaDecision('hpa', 2, 3, 'more').action).toBe('scale_out');
    expect(replicaDecision('hpa', 3, 2, 'fewer').action).toBe('scale_in');
    expect(replicaDecision('hpa', 2, 2, 'same')).toMatchObject({ action: 'none', resource: 'replicas', from: 2, to: 2, reason: 'same', policy: 'hpa' });
  });

  it('a CPU or memory limit that grows is a scale-up, one that shrinks a scale-down, one that stays none', () => {
    expect(resourceDecision('vertical', 'cpu', 0.5, 1, 'more').action).toBe('scale_up');
    expect(resourceDecision('vertical', 'memory', 2 ** 30, 2 ** 29, 'less')).toMatchObject({ action: 'scale_down', resource: 'memory' });
    expect(resourceDecision('vertical', 'cpu', 1, 1, 'same').action).toBe('none');
  });

  it('signals and thresholds keep finite numbers; undefined, NaN and infinities are recorded as null, so a decision survives JSON', () => {
    const decision = replicaDecision('adaptive', 1, 2, 'r', { a: 1.5, b: undefined, c: Number.NaN, d: Number.POSITIVE_INFINITY }, { t: null, u: 3 });
    expect(decision.signals).toEqual({ a: 1.5, b: null, c: null, d: null });
    expect(decision.thresholds).toEqual({ t: null, u: 3 });
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});
