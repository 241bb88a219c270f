import type { PolicyName, SimulationSetup } from './simulate.js';

/**
 * A replay over time, at a resolution a chart can show: the simulated seconds grouped into
 * buckets of equal length (about `TIMELINE_POINTS` of them, whatever the trace's length), and per
 * bucket the load and, per policy, what it held and what it broke. Plain data, so that it crosses
 * from a worker thread and into JSON as it is.
 */
export interface Timeline {
  bucketSeconds: number;
  /** Simulated seconds in all; the last bucket may be shorter. */
  seconds: number;
  /** Arrivals per second, the bucket's mean. */
  loadMeanRps: number[];
  /** Arrivals in the bucket's busiest second. */
  loadPeakRps: number[];
  policies: PolicyTimeline[];
}

export interface PolicyTimeline {
  policy: PolicyName;
  /** Replicas in existence (starting ones too), the bucket's mean. */
  replicas: number[];
  /** Requests/s the ready replicas serve at their CPU limit (the bridge's included), the bucket's mean. */
  capacityRps: number[];
  /** SLO-violation seconds in the bucket. */
  violationSeconds: number[];
}

/** About as many points as a chart is pixels wide. */
export const TIMELINE_POINTS = 1000;

export function timelineBucketSeconds(seconds: number, points = TIMELINE_POINTS): number {
  return Math.max(1, Math.ceil(seconds / points));
}

function bucketCount(seconds: number, bucketSeconds: number): number {
  return Math.max(1, Math.ceil(seconds / bucketSeconds));
}

/** The load's mean and busiest second per bucket. */
export function loadTimeline(rates: Float64Array, bucketSeconds: number): Pick<Timeline, 'loadMeanRps' | 'loadPeakRps'> {
  const buckets = bucketCount(rates.length, bucketSeconds);
  const loadMeanRps = new Array<number>(buckets).fill(0);
  const loadPeakRps = new Array<number>(buckets).fill(0);
  for (let t = 0; t < rates.length; t += 1) {
    const bucket = Math.floor(t / bucketSeconds);
    const rate = rates[t] as number;
    loadMeanRps[bucket] = (loadMeanRps[bucket] as number) + rate / secondsIn(bucket, bucketSeconds, rates.length);
    loadPeakRps[bucket] = Math.max(loadPeakRps[bucket] as number, rate);
  }
  return { loadMeanRps, loadPeakRps };
}

function secondsIn(bucket: number, bucketSeconds: number, seconds: number): number {
  return Math.min(bucketSeconds, seconds - bucket * bucketSeconds);
}

/**
 * Collects one policy's timeline from the simulator's per-second hook (`SimulationSetup.onSecond`):
 * `capacityAt` gives a ready replica's requests/s at a CPU limit (the service model's).
 */
export function policyTimelineRecorder(
  policy: PolicyName,
  seconds: number,
  bucketSeconds: number,
  capacityAt: (cpuLimitCores: number) => number,
): { onSecond: NonNullable<SimulationSetup['onSecond']>; timeline: () => PolicyTimeline } {
  const buckets = bucketCount(seconds, bucketSeconds);
  const replicas = new Array<number>(buckets).fill(0);
  const capacityRps = new Array<number>(buckets).fill(0);
  const violationSeconds = new Array<number>(buckets).fill(0);
  return {
    onSecond: (second, ready, existing, violated, cpuLimitCores) => {
      const bucket = Math.floor(second / bucketSeconds);
      const share = 1 / secondsIn(bucket, bucketSeconds, seconds);
      replicas[bucket] = (replicas[bucket] as number) + existing * share;
      capacityRps[bucket] = (capacityRps[bucket] as number) + ready * capacityAt(cpuLimitCores) * share;
      if (violated) violationSeconds[bucket] = (violationSeconds[bucket] as number) + 1;
    },
    timeline: () => ({ policy, replicas, capacityRps, violationSeconds }),
  };
}
