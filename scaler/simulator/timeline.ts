import type { PolicyName, SimulationSetup } from './simulate.js';

/**
 * A replay over time, at a resolution a chart can show: the simulated seconds grouped into
 * buckets of equal length (about `TIMELINE_POINTS` of them, whatever the trace's length), and per
 * bucket the load and, per policy, what it held and what it broke. Plain data, so that it crosses
 * from a worker thread and into JSON as it is.
 */
export interface Timeline {
  bucketSeconds: number;
  /** The simulated seconds drawn, [from, to): the whole replay unless a range was asked for; the last bucket may be shorter. */
  fromSecond: number;
  toSecond: number;
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

/** A range of simulated seconds, [from, to). */
export interface SecondsRange {
  from: number;
  to: number;
}

/** The part of a replay of `seconds` seconds that a range asks for (all of it without one); undefined when they do not meet. */
export function timelineRange(seconds: number, wanted?: SecondsRange): SecondsRange | undefined {
  const from = Math.max(0, wanted?.from ?? 0);
  const to = Math.min(seconds, wanted?.to ?? seconds);
  return to > from ? { from, to } : undefined;
}

/** The load's mean and busiest second per bucket, over the range. */
export function loadTimeline(rates: Float64Array, range: SecondsRange, bucketSeconds: number): Pick<Timeline, 'loadMeanRps' | 'loadPeakRps'> {
  const span = range.to - range.from;
  const buckets = bucketCount(span, bucketSeconds);
  const loadMeanRps = new Array<number>(buckets).fill(0);
  const loadPeakRps = new Array<number>(buckets).fill(0);
  for (let t = range.from; t < range.to; t += 1) {
    const bucket = Math.floor((t - range.from) / bucketSeconds);
    const rate = rates[t] as number;
    loadMeanRps[bucket] = (loadMeanRps[bucket] as number) + rate / secondsIn(bucket, bucketSeconds, span);
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
  range: SecondsRange,
  bucketSeconds: number,
  capacityAt: (cpuLimitCores: number) => number,
): { onSecond: NonNullable<SimulationSetup['onSecond']>; timeline: () => PolicyTimeline } {
  const span = range.to - range.from;
  const buckets = bucketCount(span, bucketSeconds);
  const replicas = new Array<number>(buckets).fill(0);
  const capacityRps = new Array<number>(buckets).fill(0);
  const violationSeconds = new Array<number>(buckets).fill(0);
  return {
    onSecond: (second, ready, existing, violated, cpuLimitCores) => {
      if (second < range.from || second >= range.to) return;
      const bucket = Math.floor((second - range.from) / bucketSeconds);
      const share = 1 / secondsIn(bucket, bucketSeconds, span);
      replicas[bucket] = (replicas[bucket] as number) + existing * share;
      capacityRps[bucket] = (capacityRps[bucket] as number) + ready * capacityAt(cpuLimitCores) * share;
      if (violated) violationSeconds[bucket] = (violationSeconds[bucket] as number) + 1;
    },
    timeline: () => ({ policy, replicas, capacityRps, violationSeconds }),
  };
}
