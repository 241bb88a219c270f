import { type CgroupReadings, unlimitedBytes } from './cgroupSample.js';
import { optionalKey, parseKeyValues, parseSingleNumber } from './keyValueFile.js';
import { cfsThrottling, workingSetBytes } from './readingParts.js';

/** The v1 files read per container, by controller. */
export const v1Files = {
  cpuacct: ['cpuacct.usage'],
  cpu: ['cpu.stat', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'],
  memory: ['memory.usage_in_bytes', 'memory.stat', 'memory.limit_in_bytes', 'memory.oom_control'],
} as const;

export type V1FileName = (typeof v1Files)[keyof typeof v1Files][number];

/**
 * Turns the contents of a v1 container's cgroup files into readings. Units per the kernel's
 * cgroup-v1 docs: cpuacct.usage and cpu.stat throttled_time in ns, quota/period in µs.
 * memory.stat's `total_*` keys include child cgroups, which is what a container's limit covers.
 */
export function parseCgroupV1(files: Partial<Record<V1FileName, string>>): CgroupReadings | undefined {
  const usageNs = parseSingleNumber(files['cpuacct.usage']);
  const memoryUsage = parseSingleNumber(files['memory.usage_in_bytes']);
  if (usageNs === undefined || memoryUsage === undefined) return undefined;
  const cpuStat = parseKeyValues(files['cpu.stat']);
  // -1 (no quota) is not a kernel integer to parseSingleNumber: undefined, which is what no quota is.
  const quotaUs = parseSingleNumber(files['cpu.cfs_quota_us']);
  const periodUs = parseSingleNumber(files['cpu.cfs_period_us']);
  const memoryStat = parseKeyValues(files['memory.stat']);
  // The hierarchy's total when the kernel writes one; a garbled total is unknown, not the
  // cgroup's own figure, which leaves its children out.
  const stat = (key: string) => (memoryStat.has(`total_${key}`) ? memoryStat.get(`total_${key}`) : optionalKey(memoryStat, key));
  const limit = parseSingleNumber(files['memory.limit_in_bytes']);
  const oomControl = parseKeyValues(files['memory.oom_control']);
  return {
    cpuUsageSeconds: usageNs / 1e9,
    ...cfsThrottling(cpuStat, { key: 'throttled_time', unitsPerSecond: 1e9 }),
    cpuLimitCores: quotaUs !== undefined && quotaUs > 0 && periodUs ? quotaUs / periodUs : undefined,
    memoryUsageBytes: memoryUsage,
    memoryWorkingSetBytes: workingSetBytes(memoryUsage, stat('inactive_file')),
    memoryRssBytes: stat('rss'),
    memoryCacheBytes: stat('cache'),
    memoryLimitBytes: limit !== undefined && limit < unlimitedBytes ? limit : undefined,
    // `oom_kill` is in memory.oom_control since Linux 4.13; older kernels only say `under_oom`.
    oomKills: optionalKey(oomControl, 'oom_kill'),
    source: 'cgroup-v1',
  };
}
