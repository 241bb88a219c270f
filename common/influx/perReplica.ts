import { ServiceStatsField as F } from './schema.js';

/**
 * The `service_stats` sums read per replica, each with the count of the replicas it covers (the
 * collector's `summariseServices`): the usage of those with a CPU usage, the limits and the
 * working set of those read.
 */
const coveredBy = {
  [F.cpuUsageCores]: F.replicasWithCpuUsage,
  [F.cpuLimitCores]: F.replicasRead,
  [F.memoryWorkingSetBytes]: F.replicasRead,
  [F.memoryLimitBytes]: F.replicasRead,
} as const;

export type SummedField = keyof typeof coveredBy;

/**
 * A service sum of one `service_stats` point (`read` gives its fields) per replica: divided by the
 * replicas the sum covers, since a replica without a reading adds nothing to it and, counted,
 * would lower the figure; in points written before the collector wrote those counts, by every
 * replica it watched. Undefined without the sum or a count.
 */
export function perReplica(read: (field: string) => number | undefined, field: SummedField): number | undefined {
  const value = read(field);
  const replicas = read(coveredBy[field]) ?? read(F.replicas);
  return value !== undefined && replicas ? value / replicas : undefined;
}
