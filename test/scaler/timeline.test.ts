import { describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../scaler/config/policyConfig.js';
import { compareOnTrace, type CompareOptions } from '../../scaler/simulator/compare.js';
import { DEFAULT_SERVICE_MODEL } from '../../scaler/simulator/serviceModel.js';
import { syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { loadTimeline, policyTimelineRecorder, timelineBucketSeconds } from '../../scaler/simulator/timeline.js';
import { elapsedLabel, timelineChart } from '../../scaler/simulator/timelineChart.js';

const options: CompareOptions = {
  model: DEFAULT_SERVICE_MODEL,
  config: parsePolicyConfig({ replicas: { min: 1, max: 40 } }),
  replay: { maxReplayStepSeconds: 60, peakRps: 560 },
  policies: ['hpa', 'adaptive'],
  hpaSyncSeconds: 15,
};

describe('a replay over time (simulate --timeline)', () => {
  it('groups the seconds into about a thousand buckets, whatever the length', () => {
    expect(timelineBucketSeconds(600)).toBe(1);
    expect(timelineBucketSeconds(1000)).toBe(1);
    expect(timelineBucketSeconds(1001)).toBe(2);
    expect(timelineBucketSeconds(2_381_520)).toBe(2382);
    expect(timelineBucketSeconds(0)).toBe(1);
  });
  it('gives the load per bucket as its mean and its busiest second; a shorter last bucket is the mean of its own seconds', () => {
    const { loadMeanRps, loadPeakRps } = loadTimeline(Float64Array.from([1, 2, 3, 10, 20, 30, 7]), 3);
    expect(loadMeanRps).toEqual([2, 20, 7]);
    expect(loadPeakRps).toEqual([3, 30, 7]);
  });
  it('records a policy per bucket: replicas and ready capacity as means, violation-seconds as counts', () => {
    // A ready replica serves 100 req/s per core.
    const recorder = policyTimelineRecorder('adaptive', 5, 2, (cores) => 100 * cores);
    recorder.onSecond(0, 1, 2, false, 0.5);
    recorder.onSecond(1, 2, 2, true, 0.5);
    recorder.onSecond(2, 2, 3, true, 1);
    recorder.onSecond(3, 3, 3, true, 0.5);
    recorder.onSecond(4, 3, 3, false, 0.5);
    expect(recorder.timeline()).toEqual({ policy: 'adaptive', replicas: [2, 3, 3], capacityRps: [75, 175, 150], violationSeconds: [1, 2, 0] });
  });
  it('adds up, over a whole replay, to the figures the comparison reports', () => {
    const trace = syntheticTrace('spike');
    const plain = compareOnTrace(trace, options);
    const comparison = compareOnTrace(trace, { ...options, timeline: true });
    // Recording changes nothing of the outcome.
    expect(comparison.outcomes).toEqual(plain.outcomes);
    const timeline = comparison.timeline!;
    expect(timeline.seconds).toBe(plain.outcomes[0]!.simulatedSeconds);
    expect(timeline.policies.map((p) => p.policy)).toEqual(['hpa', 'adaptive']);
    const secondsIn = (bucket: number) => Math.min(timeline.bucketSeconds, timeline.seconds - bucket * timeline.bucketSeconds);
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
  it('draws the three panels with the ratios and the rescaling in the heading, and says when there is no timeline', () => {
    const trace = syntheticTrace('ramp');
    const comparison = compareOnTrace(trace, { ...options, timeline: true });
    const svg = timelineChart(comparison);
    expect(svg).toContain(`synthetic-ramp: adaptive / HPA: violations`);
    expect(svg).toContain(comparison.rescaling.replace(/&/g, '&amp;'));
    expect(svg.match(/<svg x="0"/g)).toHaveLength(3);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(() => timelineChart({ ...comparison, timeline: undefined })).toThrow(/no timeline was recorded for synthetic-ramp/);
  });
  it('labels the time axis with the simulated time elapsed, in a unit that suits the span', () => {
    expect(elapsedLabel(90_000, 300_000)).toBe('90 s');
    expect(elapsedLabel(1_800_000, 3_600_000)).toBe('30 min');
    expect(elapsedLabel(5_400_000, 86_400_000)).toBe('1.5 h');
    expect(elapsedLabel(3 * 86_400_000, 28 * 86_400_000)).toBe('3 d');
  });
});
