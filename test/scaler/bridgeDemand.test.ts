import { describe, expect, it } from 'vitest';
import { bridgeDemand, type BridgeDemandSettings } from '../../scaler/policies/bridgeDemand.js';
import type { Sample } from '../../scaler/samples.js';

const settings: BridgeDemandSettings = { metricWindowSeconds: 15, panicWindowSeconds: 6, targetUtilisation: 0.8, bridgeHeadroom: 0.4, evaluationSeconds: 5 };
const NOW = 1_000_000_000;
/** One sample per second for `seconds`, ending at NOW, valued by `rate(secondsAgo)`. */
function rates(seconds: number, rate: (secondsAgo: number) => number): Sample[] {
  return Array.from({ length: seconds }, (_, i) => ({ time: NOW - (seconds - 1 - i) * 1000, value: rate(seconds - 1 - i) }));
}
/** A replica serves 50 rps at 100% of its base limit: 40 at the 80% target. */
const demandOf = (window: Sample[], queue = 0, overrides: Partial<BridgeDemandSettings> = {}) => bridgeDemand(window, queue, NOW, 50, { ...settings, ...overrides });
/** The demand that needs as much as a busy second of `rps` with square-root headroom β 0.4, at the target. */
const staffed = (rps: number) => (rps / 50 + 0.4 * Math.sqrt(rps / 50)) * 40;

describe('the demand the vertical bridge sizes for', () => {
  it('on a flat load, is the load with square-root headroom: 100 rps is 2 replicas\' capacity, 2 + 0.4 × √2 = 2.57 replicas, 102.6 rps at the target', () => {
    const demand = demandOf(rates(60, () => 100));
    expect(demand).toMatchObject({ panicMean: 100, metricMean: 100, busySecond: 100, newestBusySecond: 100 });
    expect(demand.demandRps).toBeCloseTo(staffed(100), 9);
    expect(demand.demandRps).toBeCloseTo(102.63, 2);
  });
  it('answers a burst from its first second: the busiest second of the panic window', () => {
    const demand = demandOf(rates(60, (ago) => (ago === 0 ? 300 : 100)));
    expect(demand.newestBusySecond).toBe(300);
    expect(demand.demandRps).toBeCloseTo(staffed(300), 9);
  });
  it('holds a burst while it is among the busiest 5% of the metric window (15 s), not of the replicas\' minute', () => {
    // 300 rps 7–9 s ago: out of the 6 s panic window, but 3 of the last 15 seconds
    const held = demandOf(rates(60, (ago) => (ago >= 7 && ago < 10 ? 300 : 100)));
    expect(held).toMatchObject({ newestBusySecond: 100, busySecond: 300 });
    expect(held.demandRps).toBeCloseTo(staffed(300), 9);
    // 15–17 s ago: the metric window has let go of it, though a 60 s window would still hold it
    const gone = demandOf(rates(60, (ago) => (ago >= 15 && ago < 18 ? 300 : 100)));
    expect(gone).toMatchObject({ newestBusySecond: 100, busySecond: 100, metricMean: 100 });
    expect(gone.demandRps).toBeCloseTo(staffed(100), 9);
  });
  it('takes a mean above the staffed busy second when the load is that high (a level with no spread)', () => {
    // with no headroom the staffed busy second of a flat 100 rps is 80 rps at the target: the mean, 100, is larger
    const demand = demandOf(rates(60, () => 100), 0, { bridgeHeadroom: 0 });
    expect(demand.demandRps).toBeCloseTo(100, 9);
  });
  it('adds a backlog drained within one evaluation: 500 waiting over 5 s is 100 rps more', () => {
    expect(demandOf(rates(60, () => 100), 500).demandRps).toBeCloseTo(staffed(100) + 100, 9);
  });
  it('is nothing on an empty window, and ignores samples newer than now', () => {
    expect(demandOf([]).demandRps).toBe(0);
    const future = [...rates(60, () => 100), { time: NOW + 1000, value: 10_000 }];
    expect(demandOf(future).demandRps).toBeCloseTo(staffed(100), 9);
  });
});
