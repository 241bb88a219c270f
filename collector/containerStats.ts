import type { CgroupSample } from './cgroupSample.js';

/**
 * The per-container signals the scaler needs, derived from two cgroup readings. Rates need a
 * previous reading; a counter that went backwards (cgroup recreated) yields no rate this time
 * rather than a negative or huge one.
 */
export interface ContainerStats {
  readonly cpuUsageCores: number | undefined;
  readonly cpuLimitCores: number | undefined;
  readonly cpuFractionOfLimit: number | undefined;
  /** Share of CFS periods in which the container was throttled (0–1); undefined without a quota. */
  readonly cpuThrottledFraction: number | undefined;
  readonly cpuThrottledSecondsPerSecond: number | undefined;
  readonly cpuUsageSecondsTotal: number;
  readonly memoryUsageBytes: number;
  /** This and the fields below that may be undefined: a cgroup key read garbled (see optionalKey). */
  readonly memoryWorkingSetBytes: number | undefined;
  readonly memoryRssBytes: number | undefined;
  readonly memoryCacheBytes: number | undefined;
  readonly memoryLimitBytes: number | undefined;
  readonly memoryFractionOfLimit: number | undefined;
  readonly oomKillsTotal: number | undefined;
}

export function deriveContainerStats(previous: CgroupSample | undefined, current: CgroupSample, oomKillsSeenByDocker = 0): ContainerStats {
  const elapsed = previous ? current.monotonicSeconds - previous.monotonicSeconds : 0;
  const cpuDelta = previous ? current.cpuUsageSeconds - previous.cpuUsageSeconds : -1;
  const usable = previous !== undefined && elapsed > 0 && cpuDelta >= 0;
  const cpuUsageCores = usable ? cpuDelta / elapsed : undefined;
  const periods = increase(previous?.cpuPeriods, current.cpuPeriods);
  const throttledPeriods = increase(previous?.cpuThrottledPeriods, current.cpuThrottledPeriods);
  const throttledSeconds = increase(previous?.cpuThrottledSeconds, current.cpuThrottledSeconds);
  const hasQuota = current.cpuLimitCores !== undefined;
  return {
    cpuUsageCores,
    cpuLimitCores: current.cpuLimitCores,
    cpuFractionOfLimit: cpuUsageCores !== undefined && current.cpuLimitCores ? cpuUsageCores / current.cpuLimitCores : undefined,
    cpuThrottledFraction: usable && hasQuota && periods !== undefined && throttledPeriods !== undefined ? (periods > 0 ? Math.min(1, throttledPeriods / periods) : 0) : undefined,
    cpuThrottledSecondsPerSecond: usable && hasQuota && throttledSeconds !== undefined ? throttledSeconds / elapsed : undefined,
    cpuUsageSecondsTotal: current.cpuUsageSeconds,
    memoryUsageBytes: current.memoryUsageBytes,
    memoryWorkingSetBytes: current.memoryWorkingSetBytes,
    memoryRssBytes: current.memoryRssBytes,
    memoryCacheBytes: current.memoryCacheBytes,
    memoryLimitBytes: current.memoryLimitBytes,
    memoryFractionOfLimit: current.memoryLimitBytes && current.memoryWorkingSetBytes !== undefined ? current.memoryWorkingSetBytes / current.memoryLimitBytes : undefined,
    // Docker's `oom` events also catch a kill of the main process, after which the cgroup (and
    // its counter) is gone before it can be read; the larger of the two counts is the truth.
    // Docker's alone would be a count lower than one already written: unknown instead.
    oomKillsTotal: current.oomKills === undefined ? undefined : Math.max(current.oomKills, oomKillsSeenByDocker),
  };
}

/** How much a cgroup counter grew between two readings; unknown when either is, or when it went back (cgroup recreated). */
function increase(before: number | undefined, now: number | undefined): number | undefined {
  return before === undefined || now === undefined || now < before ? undefined : now - before;
}
