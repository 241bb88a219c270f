import type { PhaseName } from './phasePlan.js';

/** What the demo saw in one second of the run. */
export interface SecondSample {
  second: number;
  phase: PhaseName;
  targetRps: number;
  sent: number;
  ok: number;
  failed: number;
  p95Ms: number | null;
  /** Replicas that are healthy and not draining (the front proxy sends to them), and their CPU limit. */
  servingReplicas: number;
  cpuLimitCores: number;
  /** Every running replica, starting and draining ones too, and their CPU limits summed: what the second cost. */
  runningReplicas: number;
  runningCpuCores: number;
}

export interface Goal {
  name: string;
  met: boolean;
  detail: string;
}

export interface DemoOutcome {
  requests: number;
  failed: number;
  failedPercent: number;
  spikeStartSecond: number | null;
  /** Seconds from the spike's start until more capacity was serving (a new replica or a higher limit). */
  secondsToNewCapacity: number | null;
  /** True when the capacity already serving carried the whole spike within the objective. */
  spikeServedInPlace: boolean;
  worstSpikeP95Ms: number;
  peakReplicas: number;
  finalReplicas: number;
  scaledBackIn: boolean;
  goals: Goal[];
}

/** The CPU serving in a second: the ready replicas at their limit (what the front proxy sends to). */
export function servingCores(sample: SecondSample): number {
  return sample.servingReplicas * sample.cpuLimitCores;
}

export const CAPACITY_GOAL_SECONDS = 10;
/** The latency objective the spike is judged by (the policies' default p95 target). */
export const SPIKE_P95_OBJECTIVE_MS = 500;
export const FAILED_GOAL_PERCENT = 1;

/** Pure judgement of a run against the demo's three goals. */
export function demoOutcome(samples: readonly SecondSample[]): DemoOutcome {
  const requests = samples.reduce((sum, s) => sum + s.ok + s.failed, 0);
  const failed = samples.reduce((sum, s) => sum + s.failed, 0);
  const failedPercent = requests === 0 ? 0 : (100 * failed) / requests;
  const spike = samples.find((s) => s.phase === 'spike');
  let secondsToNewCapacity: number | null = null;
  if (spike) {
    const before = servingCores(spike);
    const grown = samples.find((s) => s.second >= spike.second && servingCores(s) > before + 1e-9);
    if (grown) secondsToNewCapacity = grown.second - spike.second;
  }
  // A trend-aware scaler may have added capacity during the ramp: then the spike needs none, and
  // what counts is that the capacity in place served it within the latency objective.
  const spikeSeconds = samples.filter((s) => s.phase === 'spike');
  const spikeServedInPlace = spikeSeconds.length > 0 && spikeSeconds.every((s) => s.failed === 0 && (s.p95Ms ?? 0) <= SPIKE_P95_OBJECTIVE_MS);
  const worstSpikeP95 = Math.max(0, ...spikeSeconds.map((s) => s.p95Ms ?? 0));
  const peakReplicas = Math.max(0, ...samples.map((s) => s.servingReplicas));
  const finalReplicas = samples.at(-1)?.servingReplicas ?? 0;
  const scaledBackIn = peakReplicas > 1 && finalReplicas < peakReplicas;
  const goals: Goal[] = [
    {
      name: `capacity for the spike within ${CAPACITY_GOAL_SECONDS} s (new capacity serving, or enough in place: p95 ≤ ${SPIKE_P95_OBJECTIVE_MS} ms, no errors)`,
      met: (secondsToNewCapacity !== null && secondsToNewCapacity <= CAPACITY_GOAL_SECONDS) || (secondsToNewCapacity === null && spikeServedInPlace),
      detail:
        (secondsToNewCapacity === null ? 'no new capacity during the spike' : `new capacity serving after ${secondsToNewCapacity} s`) +
        `; worst p95 in the spike ${Math.round(worstSpikeP95)} ms`,
    },
    { name: 'the cool-down scales back in', met: scaledBackIn, detail: `peak ${peakReplicas} replica(s), ${finalReplicas} at the end` },
    { name: `failed requests under ${FAILED_GOAL_PERCENT}%`, met: failedPercent < FAILED_GOAL_PERCENT, detail: `${failed} of ${requests} (${failedPercent.toFixed(2)}%)` },
  ];
  return { requests, failed, failedPercent, spikeStartSecond: spike?.second ?? null, secondsToNewCapacity, spikeServedInPlace, worstSpikeP95Ms: worstSpikeP95, peakReplicas, finalReplicas, scaledBackIn, goals };
}
