import type { Decision } from '../decision.js';

/**
 * The replica bounds (`replicas.min`, `replicas.max`) as a reason of their own. A service outside
 * them is brought inside whatever its load, by every horizontal policy; that change then owes
 * nothing to any signal, and its reason says the bound and nothing else, first, so that a dry-run
 * of a service with no replica running does not read as if the load or a vertical cap had asked
 * for one.
 */
export type ReplicaBound = 'minimum' | 'maximum';

/** `below the minimum of 1 replica → scale out to 1`, `above the maximum of 5 replicas → scale in to 5`. */
export function replicaBoundReason(bound: ReplicaBound, limit: number): string {
  const replicas = `${limit} ${limit === 1 ? 'replica' : 'replicas'}`;
  return bound === 'minimum' ? `below the minimum of ${replicas} → scale out to ${limit}` : `above the maximum of ${replicas} → scale in to ${limit}`;
}

/**
 * The bound a horizontal decision only brings the service to, if that is all it does: from below
 * the minimum to exactly it, or from above the maximum to exactly it. Read from the bounds every
 * horizontal policy records among its thresholds (`minReplicas`, `maxReplicas`).
 */
export function boundDrivingChange(decision: Decision): ReplicaBound | undefined {
  if (decision.resource !== 'replicas') return undefined;
  const { minReplicas, maxReplicas } = decision.thresholds;
  if (decision.action === 'scale_out' && typeof minReplicas === 'number' && decision.from < minReplicas && decision.to === minReplicas) return 'minimum';
  if (decision.action === 'scale_in' && typeof maxReplicas === 'number' && decision.from > maxReplicas && decision.to === maxReplicas) return 'maximum';
  return undefined;
}
