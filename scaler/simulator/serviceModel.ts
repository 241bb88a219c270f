/**
 * The model of a service both policies are run against. A replica has a CPU limit and serves at
 * most `concurrency` requests at once, each needing `cpuSecondsPerRequest` of CPU, so:
 *
 *   capacity per replica μ = min(cpuLimit, concurrency) / cpuSecondsPerRequest   (requests/s)
 *   service time of one request s = cpuSecondsPerRequest × max(1, concurrency / cpuLimit)
 *     (with the limit below the concurrency the slots share the cores: each runs slower)
 *
 * A replica asked for serves `startupSeconds` later; a new CPU limit (`docker update`) applies to
 * the running replicas at once, and all replicas share one limit. Requests beyond what the ready replicas
 * serve wait in a queue (bounded at `queueLimitPerReplica` × ready replicas; the excess is
 * dropped). Each simulated second the p95 latency is estimated as
 *
 *   p95 ≈ backlog / (ready × μ)  +  ln 20 × (s + Wq)  +  dependency
 *
 * the time to drain the requests ahead plus the 95th percentile of an exponential sojourn whose
 * mean is the M/M/c one, with c = ready × concurrency servers and Sakasegawa's approximation
 * Wq ≈ s × ρ^(√(2(c+1)) − 1) / (c (1 − ρ)) for the queueing delay at utilisation ρ (capped at
 * 0.99; above that the backlog term takes over). A second violates the SLO when that p95 is
 * above the objective or when requests were dropped.
 */
export interface ServiceModel {
  cpuLimitCores: number;
  cpuSecondsPerRequest: number;
  concurrency: number;
  startupSeconds: number;
  queueLimitPerReplica: number;
  sloP95Seconds: number;
  /**
   * Time every request also waits on a dependency (an awaited database call) that holds neither
   * CPU nor a slot: added to the p95 whatever the replicas (default 0). Latency that replicas do
   * not cure, which latency feedback must not read as short capacity.
   */
  dependencySeconds?: number;
}

export const DEFAULT_SERVICE_MODEL: ServiceModel = {
  cpuLimitCores: 0.5,
  cpuSecondsPerRequest: 0.01,
  concurrency: 4,
  startupSeconds: 30,
  queueLimitPerReplica: 200,
  sloP95Seconds: 0.5,
};

/** Requests/s one replica serves at its CPU limit (the model's, unless a live limit is given). */
export function capacityPerReplica(model: ServiceModel, cpuLimitCores = model.cpuLimitCores): number {
  return Math.min(cpuLimitCores, model.concurrency) / model.cpuSecondsPerRequest;
}

export function serviceTimeSeconds(model: ServiceModel, cpuLimitCores = model.cpuLimitCores): number {
  return model.cpuSecondsPerRequest * Math.max(1, model.concurrency / cpuLimitCores);
}

const LN20 = Math.log(20);

/** What one second did: requests served, the backlog left, requests dropped, the p95 and whether the second violated the SLO. */
export interface ServedSecond {
  served: number;
  backlog: number;
  dropped: number;
  p95Seconds: number;
  violated: boolean;
}

/**
 * One second of the service: the arrivals join the backlog, `capacity` (requests/s of the `ready`
 * replicas at `cpuLimitCores`) serves what it can, what waits beyond the queue bound is dropped,
 * and the second violates the SLO with a p95 above the objective or with drops. The one
 * accounting every replay of the model shares (the policies' and the clairvoyant planner's).
 */
export function serveSecond(model: ServiceModel, ready: number, capacity: number, cpuLimitCores: number, backlog: number, arrivals: number): ServedSecond {
  const waiting = backlog + arrivals;
  const served = Math.min(waiting, capacity);
  const limit = model.queueLimitPerReplica * Math.max(1, ready);
  const left = Math.min(waiting - served, limit);
  const dropped = waiting - served - left;
  const p95Seconds = p95LatencySeconds(model, ready, arrivals, left, cpuLimitCores);
  return { served, backlog: left, dropped, p95Seconds, violated: dropped > 0 || p95Seconds > model.sloP95Seconds };
}

/** The p95 latency (seconds) of a second with `arrivals` requests, `backlog` left waiting, `ready` replicas. */
export function p95LatencySeconds(model: ServiceModel, ready: number, arrivalsPerSecond: number, backlog: number, cpuLimitCores = model.cpuLimitCores): number {
  if (ready <= 0) return Infinity;
  const mu = capacityPerReplica(model, cpuLimitCores);
  const s = serviceTimeSeconds(model, cpuLimitCores);
  const servers = ready * model.concurrency;
  const rho = Math.min(0.99, arrivalsPerSecond / (ready * mu));
  const wq = rho <= 0 ? 0 : (s * rho ** (Math.sqrt(2 * (servers + 1)) - 1)) / (servers * (1 - rho));
  return backlog / (ready * mu) + LN20 * (s + wq) + (model.dependencySeconds ?? 0);
}
