import { describe, expect, it } from 'vitest';
import { compareOnTrace } from '../../scaler/simulator/compare.js';
import { syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { loadTimeline, policyTimelineRecorder, timelineBucketSeconds, timelineRange } from '../../scaler/simulator/timeline.js';
import { elapsedLabel, elapsedTicks, timelineChart } from '../../scaler/simulator/timelineChart.js';
import { SIMULATE_DEFAULTS } from './support/simulateDefaults.js';

describe('a replay over time (simulate --timeline)', () => {
  it('groups the seconds into about a thousand buckets, whatever the length', () => {
    expect(timelineBucketSeconds(600)).toBe(1);
    expect(timelineBucketSeconds(1000)).toBe(1);
    expect(timelineBucketSeconds(1001)).toBe(2);
    expect(timelineBucketSeconds(2_381_520)).toBe(2382);
    expect(timelineBucketSeconds(0)).toBe(1);
  });
  it('gives the load per bucket as its mean and its busiest second; a shorter last bucket is the mean of its own seconds', () => {
    const rates = Float64Array.from([1, 2, 3, 10, 20, 30, 7]);
    const { loadMeanRps, loadPeakRps } = loadTimeline(rates, { from: 0, to: 7 }, 3);
    expect(loadMeanRps).toEqual([2, 20, 7]);
    expect(loadPeakRps).toEqual([3, 30, 7]);
    // A range starts its buckets where it starts.
    expect(loadTimeline(rates, { from: 2, to: 6 }, 2)).toEqual({ loadMeanRps: [6.5, 25], loadPeakRps: [10, 30] });
  });
  it('draws the whole replay, or the part of a range that lies within it, and nothing for a range past its end', () => {
    expect(timelineRange(3503)).toEqual({ from: 0, to: 3503 });
    expect(timelineRange(3503, { from: 600, to: 1800 })).toEqual({ from: 600, to: 1800 });
    expect(timelineRange(3503, { from: 3000, to: 9000 })).toEqual({ from: 3000, to: 3503 });
    expect(timelineRange(3503, { from: 3503, to: 9000 })).toBeUndefined();
  });
  it('records a policy per bucket: replicas and ready capacity as means, violation-seconds as counts', () => {
    // A ready replica serves 100 req/s per core.
    const recorder = policyTimelineRecorder('adaptive', { from: 10, to: 15 }, 2, (cores) => 100 * cores);
    // Seconds outside the range are not drawn.
    recorder.onSecond(9, 7, 7, true, 2);
    recorder.onSecond(15, 7, 7, true, 2);
    const seconds = [10, 11, 12, 13, 14];
    recorder.onSecond(seconds[0]!, 1, 2, false, 0.5);
    recorder.onSecond(seconds[1]!, 2, 2, true, 0.5);
    recorder.onSecond(seconds[2]!, 2, 3, true, 1);
    recorder.onSecond(seconds[3]!, 3, 3, true, 0.5);
    recorder.onSecond(seconds[4]!, 3, 3, false, 0.5);
    expect(recorder.timeline()).toEqual({ policy: 'adaptive', replicas: [2, 3, 3], capacityRps: [75, 175, 150], violationSeconds: [1, 2, 0] });
  });
  it('adds up, over a whole replay, to the figures the comparison reports', () => {
    const trace = syntheticTrace('spike');
    const plain = compareOnTrace(trace, SIMULATE_DEFAULTS);
    const comparison = compareOnTrace(trace, { ...SIMULATE_DEFAULTS, timeline: {} });
    // Recording changes nothing of the outcome.
    expect(comparison.outcomes).toEqual(plain.outcomes);
    const timeline = comparison.timeline!;
    expect([timeline.fromSecond, timeline.toSecond]).toEqual([0, plain.outcomes[0]!.simulatedSeconds]);
    expect(timeline.policies.map((p) => p.policy)).toEqual(['hpa', 'adaptive']);
    const secondsIn = (bucket: number) => Math.min(timeline.bucketSeconds, timeline.toSecond - bucket * timeline.bucketSeconds);
    for (const [index, policy] of timeline.policies.entries()) {
      const outcome = comparison.outcomes[index]!;
      expect(policy.violationSeconds.reduce((a, b) => a + b, 0)).toBe(outcome.sloViolationSeconds);
      expect(Math.max(...policy.replicas)).toBeLessThanOrEqual(outcome.peakReplicas);
    }
    // The HPA rule never bridges, so its replicas are its replica-seconds.
    const hpaReplicaSeconds = timeline.policies[0]!.replicas.reduce((sum, replicas, bucket) => sum + replicas * secondsIn(bucket), 0);
    expect(hpaReplicaSeconds).toBeCloseTo(comparison.outcomes[0]!.replicaSeconds, 6);
    expect(Math.max(...timeline.loadPeakRps)).toBeCloseTo(560, 6);
  });
  it('draws the three panels with the ratios and the rescaling in the heading, the same each time, and says when there is no timeline', () => {
    const trace = syntheticTrace('ramp');
    const comparison = compareOnTrace(trace, { ...SIMULATE_DEFAULTS, timeline: {} });
    const svg = timelineChart(comparison);
    expect(svg).toContain(`synthetic-ramp: adaptive / HPA: violations`);
    expect(svg).toContain(comparison.rescaling.replace(/&/g, '&amp;'));
    expect(svg.match(/<svg x="0"/g)).toHaveLength(3);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(() => timelineChart({ ...comparison, timeline: undefined })).toThrow(/no timeline was recorded for synthetic-ramp/);
    // A file's clip paths are its own: the same replay draws the same file, whatever was drawn before.
    expect(timelineChart(comparison)).toBe(svg);
  });
  it('draws a range at a finer grain, its violations counted from its start', () => {
    const comparison = compareOnTrace(syntheticTrace('spike'), { ...SIMULATE_DEFAULTS, timeline: { range: { from: 1100, to: 1400 } } });
    const timeline = comparison.timeline!;
    expect([timeline.fromSecond, timeline.toSecond, timeline.bucketSeconds, timeline.loadMeanRps.length]).toEqual([1100, 1400, 1, 300]);
    const svg = timelineChart(comparison);
    expect(svg).toContain('drawn: simulated seconds 1100–1400, each point: one simulated second');
    expect(svg).toContain('SLO-violation seconds so far, counted from simulated second 1100');
    expect(() => compareOnTrace(syntheticTrace('spike'), { ...SIMULATE_DEFAULTS, policies: ['hpa'], timeline: { range: { from: 999_999, to: 1_000_000 } } })).toThrow(/the timeline's range 999999:1000000 lies outside the replay's \d+ simulated seconds/);
  });
  it('labels the time axis with the simulated time elapsed, at round steps, in a unit that suits the span', () => {
    expect(elapsedLabel(90_000, 300_000)).toBe('90 s');
    expect(elapsedLabel(1_800_000, 3_600_000)).toBe('30 min');
    expect(elapsedLabel(5_400_000, 86_400_000)).toBe('1.5 h');
    expect(elapsedLabel(3 * 86_400_000, 28 * 86_400_000)).toBe('3 d');
    const labels = (fromSeconds: number, toSeconds: number) => elapsedTicks(fromSeconds * 1000, toSeconds * 1000).map((t) => elapsedLabel(t, (toSeconds - fromSeconds) * 1000));
    // azure_conv's hour, ten minutes of it, worldcup98 replayed (35 h), nasa_jul95 (27.6 days).
    expect(labels(0, 3503)).toEqual(['0 min', '10 min', '20 min', '30 min', '40 min', '50 min']);
    expect(labels(900, 1500)).toEqual(['16 min', '18 min', '20 min', '22 min', '24 min']);
    expect(labels(0, 125_340)).toEqual(['0 h', '6 h', '12 h', '18 h', '24 h', '30 h']);
    expect(labels(0, 2_381_520)).toEqual(['0 d', '5 d', '10 d', '15 d', '20 d', '25 d']);
    expect(labels(100, 160)).toEqual(['100 s', '110 s', '120 s', '130 s', '140 s', '150 s', '160 s']);
  });
});
