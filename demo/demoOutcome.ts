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
  servingReplicas: number;
  cpuLimitCores: number;
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
  peakReplicas: number;
  finalReplicas: number;
  scaledBackIn: boolean;
  goals: Goal[];
}

export const CAPACITY_GOAL_SECONDS = 10;
export const FAILED_GOAL_PERCENT = 1;

/** Pure judgement of a run against the demo's three goals. */
export function demoOutcome(samples: readonly SecondSample[]): DemoOutcome {
  const requests = samples.reduce((sum, s) => sum + s.ok + s.failed, 0);
  const failed = samples.reduce((sum, s) => sum + s.failed, 0);
  const failedPercent = requests === 0 ? 0 : (100 * failed) / requests;
  const spike = samples.find((s) => s.phase === 'spike');
  let secondsToNewCapacity: number | null = null;
  if (spike) {
    const capacityAt = (s: SecondSample) => s.servingReplicas * s.cpuLimitCores;
    const before = capacityAt(spike);
    const grown = samples.find((s) => s.second >= spike.second && capacityAt(s) > before + 1e-9);
    if (grown) secondsToNewCapacity = grown.second - spike.second;
  }
  const peakReplicas = Math.max(0, ...samples.map((s) => s.servingReplicas));
  const finalReplicas = samples.at(-1)?.servingReplicas ?? 0;
  const scaledBackIn = peakReplicas > 1 && finalReplicas < peakReplicas;
  const goals: Goal[] = [
    {
      name: `new capacity serving within ${CAPACITY_GOAL_SECONDS} s of the spike`,
      met: secondsToNewCapacity !== null && secondsToNewCapacity <= CAPACITY_GOAL_SECONDS,
      detail: secondsToNewCapacity === null ? 'no new capacity during the run' : `${secondsToNewCapacity} s`,
    },
    { name: 'the cool-down scales back in', met: scaledBackIn, detail: `peak ${peakReplicas} replica(s), ${finalReplicas} at the end` },
    { name: `failed requests under ${FAILED_GOAL_PERCENT}%`, met: failedPercent < FAILED_GOAL_PERCENT, detail: `${failed} of ${requests} (${failedPercent.toFixed(2)}%)` },
  ];
  return { requests, failed, failedPercent, spikeStartSecond: spike?.second ?? null, secondsToNewCapacity, peakReplicas, finalReplicas, scaledBackIn, goals };
}
