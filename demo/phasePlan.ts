/**
 * The load shape of the demo: warm-up, a ramp, a sudden spike, a plateau, a cool-down. Pure: the
 * driver asks `rateAt` for the target request rate of each second.
 */
export type PhaseName = 'warm-up' | 'ramp' | 'spike' | 'plateau' | 'cool-down';

export interface Phase {
  name: PhaseName;
  startSecond: number;
  seconds: number;
  fromRps: number;
  toRps: number;
}

export interface LoadShape {
  warmupSeconds: number;
  rampSeconds: number;
  spikeSeconds: number;
  plateauSeconds: number;
  cooldownSeconds: number;
  baseRps: number;
  peakRps: number;
  spikeRps: number;
}

/** About six minutes: long enough for the slow, stepwise scale-in to show. */
export const FULL_SHAPE: LoadShape = { warmupSeconds: 30, rampSeconds: 60, spikeSeconds: 45, plateauSeconds: 60, cooldownSeconds: 150, baseRps: 20, peakRps: 80, spikeRps: 250 };

/** About two and a half minutes, for CI and a first look. */
export const SHORT_SHAPE: LoadShape = { warmupSeconds: 10, rampSeconds: 15, spikeSeconds: 25, plateauSeconds: 20, cooldownSeconds: 80, baseRps: 20, peakRps: 80, spikeRps: 250 };

export function phasePlan(shape: LoadShape): Phase[] {
  const phases: Array<Omit<Phase, 'startSecond'>> = [
    { name: 'warm-up', seconds: shape.warmupSeconds, fromRps: shape.baseRps, toRps: shape.baseRps },
    { name: 'ramp', seconds: shape.rampSeconds, fromRps: shape.baseRps, toRps: shape.peakRps },
    { name: 'spike', seconds: shape.spikeSeconds, fromRps: shape.spikeRps, toRps: shape.spikeRps },
    { name: 'plateau', seconds: shape.plateauSeconds, fromRps: shape.peakRps, toRps: shape.peakRps },
    { name: 'cool-down', seconds: shape.cooldownSeconds, fromRps: Math.max(1, Math.round(shape.baseRps / 4)), toRps: Math.max(1, Math.round(shape.baseRps / 4)) },
  ];
  let start = 0;
  return phases
    .filter((phase) => phase.seconds > 0)
    .map((phase) => {
      const placed = { ...phase, startSecond: start };
      start += phase.seconds;
      return placed;
    });
}

export const totalSeconds = (plan: readonly Phase[]): number => plan.reduce((sum, phase) => sum + phase.seconds, 0);

/** The phase and target rate at a second of the run, or undefined once the plan is over. */
export function rateAt(plan: readonly Phase[], second: number): { phase: Phase; rps: number } | undefined {
  const phase = plan.find((candidate) => second >= candidate.startSecond && second < candidate.startSecond + candidate.seconds);
  if (!phase) return undefined;
  const progress = phase.seconds <= 1 ? 1 : (second - phase.startSecond) / (phase.seconds - 1);
  return { phase, rps: Math.round(phase.fromRps + (phase.toRps - phase.fromRps) * progress) };
}
