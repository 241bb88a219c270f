/** One reading of a container's cgroup, cumulative counters as the kernel keeps them. */
export interface CgroupSample {
  /** Monotonic clock of the reading, in seconds (process.hrtime), for rates. */
  readonly monotonicSeconds: number;
  readonly cpuUsageSeconds: number;
  /**
   * CFS periods elapsed and throttled (0 when no quota is set). Undefined, here and in the
   * memory fields below but the limit: its key was in its file but garbled (a key the file
   * lacks, as on older kernels, reads as 0; see optionalKey).
   */
  readonly cpuPeriods: number | undefined;
  readonly cpuThrottledPeriods: number | undefined;
  readonly cpuThrottledSeconds: number | undefined;
  /** quota / period; undefined when unlimited. */
  readonly cpuLimitCores: number | undefined;
  readonly memoryUsageBytes: number;
  /** usage − inactive_file, what the kernel cannot reclaim easily (cAdvisor's and the kubelet's definition). */
  readonly memoryWorkingSetBytes: number | undefined;
  readonly memoryRssBytes: number | undefined;
  readonly memoryCacheBytes: number | undefined;
  /** undefined when unlimited. */
  readonly memoryLimitBytes: number | undefined;
  readonly oomKills: number | undefined;
  readonly source: 'cgroup-v1' | 'cgroup-v2' | 'docker-stats';
}

export type CgroupReadings = Omit<CgroupSample, 'monotonicSeconds'>;

/** Limits at or above this are the kernel's "no limit" (v1 writes PAGE_COUNTER_MAX × page size). */
export const unlimitedBytes = 2 ** 60;
