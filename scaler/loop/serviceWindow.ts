import { perReplica, ServiceStatsField as F, type SummedField, type WindowRow } from '../../common/influx/index.js';
import type { Sample } from '../samples.js';

/** The `service_stats` fields the loop reads, per evaluation. */
export const WINDOW_FIELDS = [
  F.replicas, F.replicasRead, F.replicasWithCpuUsage, F.cpuUsageCores, F.cpuLimitCores, F.cpuFractionOfLimit, F.cpuThrottledFraction, F.memoryWorkingSetBytes,
  F.memoryLimitBytes, F.memoryFractionOfLimitMax, F.oomKillsTotal, F.requestsPerSecond, F.queueDepthJobs, F.latencyP95Seconds,
] as const;

/**
 * One service's recent history as the policies read it: one sample series per quantity, oldest
 * first, holes left out (a missing value is not a zero). Per-replica series divide by the replica
 * count the collector saw at that instant (perReplica), so a scale action does not show as a
 * jump in usage.
 */
export interface ServiceWindow {
  readonly requestsPerSecond: Sample[];
  readonly cpuUsageCores: Sample[];
  readonly cpuUsagePerReplicaCores: Sample[];
  readonly cpuFractionOfLimit: Sample[];
  readonly cpuThrottledFraction: Sample[];
  readonly memoryWorkingSetPerReplicaBytes: Sample[];
  readonly memoryFractionOfLimitMax: Sample[];
  readonly oomKillsTotal: Sample[];
  readonly queueDepthJobs: Sample[];
  readonly latencyP95Seconds: Sample[];
  readonly replicas: Sample[];
  /** The CPU limit of one replica (the bridge moves it between evaluations). */
  readonly cpuLimitPerReplicaCores: Sample[];
  /**
   * CPU of each container of the service (`container_stats`), for telling a replica's start-up
   * burn from demand; empty when the per-container series is not available.
   */
  readonly cpuUsageByContainer: ContainerSample[];
  /** Epoch ms of the newest row with any value; undefined when the window is empty. */
  readonly newestTime: number | undefined;
}

/** One container's value at one collection (the collector stamps a whole collection with one time). */
export interface ContainerSample {
  readonly time: number;
  /** Container name, as the collector tags it. */
  readonly container: string;
  readonly value: number;
}

export function serviceWindowFrom(rows: readonly WindowRow[], containerCpu: readonly ContainerSample[] = []): ServiceWindow {
  const sorted = [...rows].sort((a, b) => a.time - b.time);
  const series = (pick: (values: WindowRow['values']) => number | null | undefined): Sample[] => {
    const out: Sample[] = [];
    for (const row of sorted) {
      const value = pick(row.values);
      if (value !== null && value !== undefined && Number.isFinite(value)) out.push({ time: row.time, value });
    }
    return out;
  };
  const eachReplica = (field: SummedField) => (values: WindowRow['values']) => perReplica((name) => values[name] ?? undefined, field);
  const withData = sorted.filter((row) => Object.values(row.values).some((v) => v !== null));
  return {
    requestsPerSecond: series((v) => v[F.requestsPerSecond]),
    cpuUsageCores: series((v) => v[F.cpuUsageCores]),
    cpuUsagePerReplicaCores: series(eachReplica(F.cpuUsageCores)),
    cpuFractionOfLimit: series((v) => v[F.cpuFractionOfLimit]),
    cpuThrottledFraction: series((v) => v[F.cpuThrottledFraction]),
    memoryWorkingSetPerReplicaBytes: series(eachReplica(F.memoryWorkingSetBytes)),
    memoryFractionOfLimitMax: series((v) => v[F.memoryFractionOfLimitMax]),
    oomKillsTotal: series((v) => v[F.oomKillsTotal]),
    queueDepthJobs: series((v) => v[F.queueDepthJobs]),
    latencyP95Seconds: series((v) => v[F.latencyP95Seconds]),
    replicas: series((v) => v[F.replicas]),
    cpuLimitPerReplicaCores: series(eachReplica(F.cpuLimitCores)),
    cpuUsageByContainer: [...containerCpu].sort((a, b) => a.time - b.time),
    newestTime: withData.at(-1)?.time,
  };
}
