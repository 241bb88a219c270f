import type { ContainerStats } from './containerStats.js';
import { addHistograms, histogramQuantile } from './histogramQuantile.js';
import { errorFraction, type RequestSignals, type RequestStats } from './requestMetrics.js';

/** What one interval produced for one container. */
export interface ContainerObservation {
  readonly service: string;
  readonly stats: ContainerStats | undefined;
  readonly requests: RequestStats | undefined;
}

/**
 * A service's request signals are its replicas', merged (queue depth: the largest reported, as
 * the queue is shared by all replicas in Redis, so a sum would count it once per replica).
 */
export interface ServiceStats extends RequestSignals {
  readonly service: string;
  readonly replicas: number;
  /**
   * The replicas each sum covers, so that a per-replica figure divides by them, not by every
   * replica watched: those whose resources were read this interval (the limit and memory sums),
   * and those of them with a CPU usage (the usage sum).
   */
  readonly replicasRead: number;
  readonly replicasWithCpuUsage: number;
  /**
   * Sum of the CPU used by the replicas that have a usage this interval; one read without a usage
   * (no earlier reading to take a rate from, or its counter went back) adds nothing. Undefined
   * when none has one. A replica whose read failed is in none of the CPU figures.
   */
  readonly cpuUsageCores: number | undefined;
  /**
   * Sum of the limits of every replica read this interval, with a usage or not (the capacity the
   * service has); undefined if any of them is unlimited (the sum would lie).
   */
  readonly cpuLimitCores: number | undefined;
  /**
   * Usage over limit of the same replicas: those with a usage this interval. Not cpuUsageCores
   * over cpuLimitCores, which sets a replica's limit against no usage: after a scale-out the new
   * replica's limit would lower the fraction by about 1/n, read as falling load. Undefined when
   * no replica has a usage, or one that has is unlimited.
   */
  readonly cpuFractionOfLimit: number | undefined;
  readonly cpuFractionOfLimitMax: number | undefined;
  readonly cpuThrottledFraction: number | undefined;
  readonly memoryWorkingSetBytes: number | undefined;
  readonly memoryLimitBytes: number | undefined;
  readonly memoryFractionOfLimitMax: number | undefined;
  readonly oomKillsTotal: number | undefined;
}

/**
 * Folds one interval's container observations into one row per service. Latency quantiles come
 * from the replicas' histogram increases added together, which is correct; averaging the
 * replicas' p95s would not be.
 */
export function summariseServices(observations: readonly ContainerObservation[]): ServiceStats[] {
  const byService = new Map<string, ContainerObservation[]>();
  for (const observation of observations) {
    const list = byService.get(observation.service) ?? [];
    list.push(observation);
    byService.set(observation.service, list);
  }
  return [...byService].map(([service, list]) => summariseOne(service, list));
}

function summariseOne(service: string, list: readonly ContainerObservation[]): ServiceStats {
  const stats = list.map((one) => one.stats).filter((one): one is ContainerStats => one !== undefined);
  const requests = list.map((one) => one.requests).filter((one): one is RequestStats => one !== undefined);
  const withCpuUsage = stats.filter((one) => known(one.cpuUsageCores));
  const cpuUsage = sumDefined(withCpuUsage.map((one) => one.cpuUsageCores));
  const cpuLimit = sumOfAll(stats.map((one) => one.cpuLimitCores));
  const limitOfThoseWithUsage = sumOfAll(withCpuUsage.map((one) => one.cpuLimitCores));
  const memoryLimit = sumOfAll(stats.map((one) => one.memoryLimitBytes));
  const latency = addHistograms(requests.map((one) => one.latencyIncrease));
  const jobDuration = addHistograms(requests.map((one) => one.jobDurationIncrease));
  const jobLeadTime = addHistograms(requests.map((one) => one.jobLeadTimeIncrease));
  const requestsPerSecond = sumDefined(requests.map((one) => one.requestsPerSecond));
  const errorsPerSecond = sumDefined(requests.map((one) => one.errorsPerSecond));
  return {
    service,
    replicas: list.length,
    replicasRead: stats.length,
    replicasWithCpuUsage: withCpuUsage.length,
    cpuUsageCores: cpuUsage,
    cpuLimitCores: cpuLimit,
    cpuFractionOfLimit: cpuUsage !== undefined && limitOfThoseWithUsage ? cpuUsage / limitOfThoseWithUsage : undefined,
    cpuFractionOfLimitMax: maxDefined(stats.map((one) => one.cpuFractionOfLimit)),
    cpuThrottledFraction: meanDefined(stats.map((one) => one.cpuThrottledFraction)),
    memoryWorkingSetBytes: sumOfAll(stats.map((one) => one.memoryWorkingSetBytes)),
    memoryLimitBytes: memoryLimit,
    memoryFractionOfLimitMax: maxDefined(stats.map((one) => one.memoryFractionOfLimit)),
    oomKillsTotal: sumOfAll(stats.map((one) => one.oomKillsTotal)),
    requestsPerSecond,
    errorsPerSecond,
    // Replicas that expose no error counter have no errors to add.
    errorFraction: errorFraction(requestsPerSecond, errorsPerSecond ?? 0),
    latencyP50Seconds: histogramQuantile(0.5, latency),
    latencyP95Seconds: histogramQuantile(0.95, latency),
    latencyP99Seconds: histogramQuantile(0.99, latency),
    queueDepthJobs: maxDefined(requests.map((one) => one.queueDepthJobs)),
    jobsPerSecond: sumDefined(requests.map((one) => one.jobsPerSecond)),
    jobDurationP95Seconds: histogramQuantile(0.95, jobDuration),
    jobLeadTimeP95Seconds: histogramQuantile(0.95, jobLeadTime),
  };
}

/** A replica's figure that can be added up: there, and finite. */
function known(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

function defined(values: ReadonlyArray<number | undefined>): number[] {
  return values.filter(known);
}

function sumDefined(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = defined(values);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

/**
 * A sum that needs every replica's value: undefined when one has none (a limit: the replica is
 * unlimited) or it is unknown (a garbled cgroup key). Without one replica a sum of limits would
 * lie, the working set would drop for an interval, and the OOM count would drop and rise again,
 * which the scaler takes for a new kill.
 */
function sumOfAll(values: ReadonlyArray<number | undefined>): number | undefined {
  return values.every(known) ? sumDefined(values) : undefined;
}

function maxDefined(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = defined(values);
  return present.length ? Math.max(...present) : undefined;
}

function meanDefined(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = defined(values);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : undefined;
}
