/**
 * Square-root staffing (Halfin and Whitt's regime for many-server queues): to keep the chance of
 * waiting about constant as a service grows, its headroom grows with the square root of its load,
 * not in proportion to it. A load worth R servers needs R + β√R of them. So a small service runs
 * with more headroom (with few request slots the latency knee comes early) and a large one with
 * less: at β = 0.3, 2 replicas' worth of load runs at 82% and 8 replicas' worth at 90%, the old
 * fixed allowance; 32 at 95%.
 *
 * @param loadInReplicas the load in units of one replica's full capacity (R)
 * @param headroom β, in square roots of the load
 * @returns the replicas needed, fractional (the caller rounds up)
 */
export function squareRootStaffing(loadInReplicas: number, headroom: number): number {
  if (!(loadInReplicas > 0)) return 0;
  return loadInReplicas + headroom * Math.sqrt(loadInReplicas);
}

/**
 * A busy second as the demand that needs as many replicas at the target utilisation, to set
 * beside the means: (R + β√R) × capacity × target, with R = busyRps / capacity. Without a known
 * capacity, the busy second itself.
 */
export function staffedDemand(busyRps: number, capacityPerReplicaRps: number, targetUtilisation: number, headroom: number): number {
  if (!(capacityPerReplicaRps > 0)) return busyRps;
  return squareRootStaffing(busyRps / capacityPerReplicaRps, headroom) * (capacityPerReplicaRps * targetUtilisation);
}
