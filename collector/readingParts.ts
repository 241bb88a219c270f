/** Parts of a cgroup reading that the v1 and v2 readers and the Docker stats fallback make alike. */
import type { CgroupReadings } from './cgroupSample.js';
import { optionalKey } from './keyValueFile.js';

/** usage − inactive file, never below 0 (the two are read at slightly different moments); unknown without the inactive file. */
export function workingSetBytes(usageBytes: number, inactiveFileBytes: number | undefined): number | undefined {
  return inactiveFileBytes === undefined ? undefined : Math.max(0, usageBytes - inactiveFileBytes);
}

/** A time the kernel counts in ns or µs, in seconds; unknown when it is. */
export function toSeconds(value: number | undefined, unitsPerSecond: number): number | undefined {
  return value === undefined ? undefined : value / unitsPerSecond;
}

/**
 * CFS throttling from `cpu.stat`, whose `nr_periods` and `nr_throttled` v1 and v2 share; the
 * throttled time is v1's `throttled_time` (ns) or v2's `throttled_usec` (µs).
 */
export function cfsThrottling(cpuStat: ReadonlyMap<string, number | undefined>, throttledTime: { readonly key: string; readonly unitsPerSecond: number }): Pick<CgroupReadings, 'cpuPeriods' | 'cpuThrottledPeriods' | 'cpuThrottledSeconds'> {
  return {
    cpuPeriods: optionalKey(cpuStat, 'nr_periods'),
    cpuThrottledPeriods: optionalKey(cpuStat, 'nr_throttled'),
    cpuThrottledSeconds: toSeconds(optionalKey(cpuStat, throttledTime.key), throttledTime.unitsPerSecond),
  };
}
