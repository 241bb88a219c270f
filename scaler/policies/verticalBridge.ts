import { resourceDecision, type Decision } from '../decision.js';

/**
 * Bridging the start-up delay: a new replica serves only after its start-up delay, but a new CPU
 * limit applies to running containers at once (`docker update`, or an in-place resize). While
 * the ready replicas cannot carry the demand at the target utilisation, their CPU limit is raised
 * (up to the vertical cap) by the missing share; once enough replicas serve at the base size, it
 * returns to the base. The horizontal rule keeps counting base-size replicas, so the bridge never
 * moves its denominator, and the bridge's extra cores are paid for in the cost accounting.
 */
export interface BridgeInput {
  /** Demand now (requests/s), including any backlog to drain. */
  demandRps: number;
  readyReplicas: number;
  /** Requests/s one replica serves at the base CPU limit, at 100%. */
  baseCapacityPerReplicaRps: number;
  targetUtilisation: number;
  baseCpuLimitCores: number;
  currentCpuLimitCores: number;
  maxCpuLimitCores: number;
  /** The median second of the same window (`BridgeDemand.typicalSecond`): whether the service is idle. */
  typicalSecondRps: number;
  /**
   * The smallest move the bridge makes between two sizes above the base on an idle service (config
   * `cpu.bridgeStepCores`, 0.05). A return to the base, and any move that brings a limit outside
   * [base, cap] back within it, is made whatever its size.
   */
  minStepCores: number;
}

/**
 * What the bridge sizes for, as the adaptive evaluation and the per-second bridge pass read it
 * (`bridgeDemand.ts`): the demand now and the window's median second.
 */
export type BridgeSizing = Pick<BridgeInput, 'demandRps' | 'typicalSecondRps'>;

/** Nothing to size for: the bridge returns to the base (a window the replica rule could not read). */
export const AT_REST: BridgeSizing = { demandRps: 0, typicalSecondRps: 0 };

/**
 * An idle service: its median second needs at most this share of what its ready replicas carry at
 * the base size and the target. The live compose worker's is 0.15 with healthchecks included.
 */
export const IDLE_SHARE = 0.25;

/**
 * The base to remember while the bridge holds a limit: the base itself while the limit is above
 * it (so that the limit returns to it), nothing once the limit is back at rest.
 */
export function bridgeBaseWhileAt(limitCores: number, baseCores: number): number | undefined {
  return limitCores > baseCores + 1e-9 ? baseCores : undefined;
}

export function bridgeCpuLimit(input: BridgeInput): Decision {
  const { baseCpuLimitCores: base, currentCpuLimitCores: current } = input;
  const readyAtBase = Math.max(1, input.readyReplicas) * input.baseCapacityPerReplicaRps * input.targetUtilisation;
  const needed = base * (input.demandRps / readyAtBase);
  // Whole hundredths of a core, so that noise does not turn into a stream of updates.
  const to = Math.min(input.maxCpuLimitCores, Math.max(base, Math.ceil(needed * 100) / 100));
  const signals = { demandRps: input.demandRps, readyReplicas: input.readyReplicas, readyCapacityAtBaseRps: readyAtBase };
  const thresholds = { baseCpuLimitCores: base, maxCpuLimitCores: input.maxCpuLimitCores, targetUtilisation: input.targetUtilisation, minStepCores: input.minStepCores };
  if (to !== current && belowStep(to, input, readyAtBase)) {
    return resourceDecision('bridge', 'cpu', current, current, `CPU limit ${coresText(current)} cores held: ${coresText(to)} cores for ${input.demandRps.toFixed(1)} rps is a move under the ${coresText(input.minStepCores)}-core step, and the service is idle (median second ${input.typicalSecondRps.toFixed(1)} rps)`, { ...signals, typicalSecondRps: input.typicalSecondRps }, thresholds);
  }
  if (to === current) return resourceDecision('bridge', 'cpu', current, current, `CPU limit ${coresText(current)} cores fits ${input.demandRps.toFixed(1)} rps on ${input.readyReplicas} ready replicas`, signals, thresholds);
  const reason =
    to > base
      ? `${input.demandRps.toFixed(1)} rps exceeds what ${input.readyReplicas} ready replicas carry at ${coresText(base)} cores: bridge at ${coresText(to)} cores until it passes or replicas serve`
      : `ready replicas carry ${input.demandRps.toFixed(1)} rps at the base size: back to ${coresText(base)} cores`;
  return resourceDecision('bridge', 'cpu', current, to, reason, signals, thresholds);
}

/**
 * A move too small to make: on an idle service, between two sizes above the base, under the step.
 * An idle service's busy seconds are its own housekeeping: Docker's healthcheck `exec`, charged to
 * a 0.1-core container, comes and goes every 10 s, and without the step its limit changed every
 * 5-6 s by hundredths of a core. Idle, it has the headroom to let them pass. A loaded service does
 * not: each hundredth it is refused is capacity its next second may need (held on every service,
 * the step cost wikipedia played backwards 2.8x the HPA rule's violations: 0.13x before). A return
 * to the base is never held: it is what the bridge's cores are paid back by; nor is a limit outside
 * [base, cap] (the base or the cap changed under it).
 */
function belowStep(to: number, input: BridgeInput, readyAtBase: number): boolean {
  const { baseCpuLimitCores: base, currentCpuLimitCores: current, maxCpuLimitCores: max } = input;
  const withinBounds = current >= base - 1e-9 && current <= max + 1e-9;
  const idle = input.typicalSecondRps <= IDLE_SHARE * readyAtBase;
  return idle && withinBounds && to > base + 1e-9 && Math.abs(to - current) < input.minStepCores - 1e-9;
}

/**
 * Whether a bridge's change leaves the limit above the base (lowered, or raised, but still a bridge)
 * or brings it back to the base: the two read alike as `scale_down`, and an operator needs to
 * know which.
 */
export function bridgeStillAbove(bridge: Pick<Decision, 'to' | 'thresholds'>): boolean {
  const base = bridge.thresholds.baseCpuLimitCores;
  return typeof base !== 'number' || bridgeBaseWhileAt(bridge.to, base) !== undefined;
}

/**
 * Cores as a reason reads them, to the millicore: a base set by the vertical recommender is any
 * fraction (0.127838686), which said nothing more than 0.128 and made the line harder to read.
 */
function coresText(cores: number): string {
  return String(Number(cores.toFixed(3)));
}
