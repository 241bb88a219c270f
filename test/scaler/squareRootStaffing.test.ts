import { describe, expect, it } from 'vitest';
import { squareRootStaffing, staffedDemand } from '../../scaler/policies/squareRootStaffing.js';

describe('square-root staffing', () => {
  it('adds β√R to a load worth R replicas (4 + 0.3 × 2 = 4.6; 100 + 0.3 × 10 = 103)', () => {
    expect(squareRootStaffing(4, 0.3)).toBeCloseTo(4.6, 12);
    expect(squareRootStaffing(100, 0.3)).toBeCloseTo(103, 12);
  });
  it('gives small services more headroom and large ones less: at β = 0.3, 82% at 2, 90% at 8, 95% at 32', () => {
    const utilisation = (load: number) => load / squareRootStaffing(load, 0.3);
    expect(utilisation(2)).toBeCloseTo(2 / (2 + 0.3 * Math.SQRT2), 12);
    expect(utilisation(2)).toBeCloseTo(0.825, 3);
    expect(utilisation(8)).toBeCloseTo(0.904, 3);
    expect(utilisation(32)).toBeCloseTo(0.95, 3);
  });
  it('needs nothing for no load, and no headroom at β = 0', () => {
    expect(squareRootStaffing(0, 0.3)).toBe(0);
    expect(squareRootStaffing(-1, 0.3)).toBe(0);
    expect(squareRootStaffing(5, 0)).toBe(5);
  });
});

describe('a busy second as demand at the target (staffedDemand: the replicas and the bridge size by it alike)', () => {
  it('is the staffed replicas times the capacity at the target: 200 rps at 50 per replica is 4 + 0.3 × 2 = 4.6 replicas, 184 rps at 80%', () => {
    expect(staffedDemand(200, 50, 0.8, 0.3)).toBeCloseTo(184, 9);
  });
  it('is the busy second itself when the capacity per replica is unknown', () => {
    expect(staffedDemand(200, 0, 0.8, 0.3)).toBe(200);
    expect(staffedDemand(0, 50, 0.8, 0.3)).toBe(0);
  });
});
