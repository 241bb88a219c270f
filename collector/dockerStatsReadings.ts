import { type CgroupReadings, unlimitedBytes } from './cgroupSample.js';
import { toSeconds, workingSetBytes } from './readingParts.js';

/**
 * The parts of a Docker `/containers/{id}/stats?stream=false` answer used here (v1 and v2 hosts).
 * Numbers are typed unknown: the answer is JSON from another process, and every one of them is
 * checked (dockerInteger) before it is used.
 */
export interface DockerStatsAnswer {
  cpu_stats?: { cpu_usage?: { total_usage?: unknown }; throttling_data?: { periods?: unknown; throttled_periods?: unknown; throttled_time?: unknown } };
  memory_stats?: { usage?: unknown; limit?: unknown; stats?: Record<string, unknown> };
}

/**
 * Readings from the Docker stats API: the fallback when a container's cgroup files cannot be
 * seen (the collector lacks the mounts). It is slow (Docker samples for a second) and knows no
 * CPU limit or OOM count, so those come from `docker inspect` (cpuLimitCores) or stay 0.
 *
 * Its numbers are read as the cgroup files are: Docker copies them from those files, unsigned
 * integers all, so anything else (negative, fractional, not finite, not a number) is garbled.
 * A garbled CPU usage or memory usage gives no reading, as an unreadable `cpu.stat` or
 * `memory.current` does; any other field garbled is unknown, and absent reads as 0 or no limit.
 */
export function readingsFromDockerStats(stats: DockerStatsAnswer, cpuLimitCores: number | undefined): CgroupReadings | undefined {
  const usageNs = dockerInteger(stats.cpu_stats?.cpu_usage?.total_usage);
  const memoryUsage = dockerInteger(stats.memory_stats?.usage);
  if (usageNs === undefined || memoryUsage === undefined) return undefined;
  const memoryStat = stats.memory_stats?.stats ?? {};
  // v1 hosts give the hierarchy's `total_*` as well as the cgroup's own figure; v2 hosts `anon` and `file`.
  const stat = (...keys: string[]) => {
    const key = keys.find((one) => memoryStat[one] !== undefined);
    return key === undefined ? 0 : dockerInteger(memoryStat[key]);
  };
  const throttling = stats.cpu_stats?.throttling_data ?? {};
  const optional = (value: unknown) => (value === undefined ? 0 : dockerInteger(value));
  const limit = stats.memory_stats?.limit;
  const limitBytes = limit === undefined ? undefined : dockerInteger(limit);
  return {
    cpuUsageSeconds: usageNs / 1e9,
    cpuPeriods: optional(throttling.periods),
    cpuThrottledPeriods: optional(throttling.throttled_periods),
    cpuThrottledSeconds: toSeconds(optional(throttling.throttled_time), 1e9),
    cpuLimitCores,
    memoryUsageBytes: memoryUsage,
    memoryWorkingSetBytes: workingSetBytes(memoryUsage, stat('total_inactive_file', 'inactive_file')),
    memoryRssBytes: stat('total_rss', 'rss', 'anon'),
    memoryCacheBytes: stat('total_cache', 'cache', 'file'),
    memoryLimitBytes: limitBytes !== undefined && limitBytes > 0 && limitBytes < unlimitedBytes ? limitBytes : undefined,
    oomKills: 0,
    source: 'docker-stats',
  };
}

/** A number of the stats answer as Docker writes one (an unsigned integer); else undefined. */
function dockerInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
