import type { CgroupReadings } from './cgroupSample.js';
import { unlimitedBytes } from './cgroupSample.js';

/** The parts of a Docker `/containers/{id}/stats?stream=false` answer used here (v1 and v2 hosts). */
export interface DockerStatsAnswer {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; throttling_data?: { periods?: number; throttled_periods?: number; throttled_time?: number } };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/**
 * Readings from the Docker stats API: the fallback when a container's cgroup files cannot be
 * seen (the collector lacks the mounts). It is slow (Docker samples for a second) and knows no
 * CPU limit or OOM count, so those come from `docker inspect` (cpuLimitCores) or stay 0.
 */
export function readingsFromDockerStats(stats: DockerStatsAnswer, cpuLimitCores: number | undefined): CgroupReadings | undefined {
  const usageNs = stats.cpu_stats?.cpu_usage?.total_usage;
  const memoryUsage = stats.memory_stats?.usage;
  if (usageNs === undefined || memoryUsage === undefined) return undefined;
  const memoryStat = stats.memory_stats?.stats ?? {};
  const inactiveFile = memoryStat.total_inactive_file ?? memoryStat.inactive_file ?? 0;
  const limit = stats.memory_stats?.limit;
  const throttling = stats.cpu_stats?.throttling_data ?? {};
  return {
    cpuUsageSeconds: usageNs / 1e9,
    cpuPeriods: throttling.periods ?? 0,
    cpuThrottledPeriods: throttling.throttled_periods ?? 0,
    cpuThrottledSeconds: (throttling.throttled_time ?? 0) / 1e9,
    cpuLimitCores,
    memoryUsageBytes: memoryUsage,
    memoryWorkingSetBytes: Math.max(0, memoryUsage - inactiveFile),
    memoryRssBytes: memoryStat.total_rss ?? memoryStat.rss ?? memoryStat.anon ?? 0,
    memoryCacheBytes: memoryStat.total_cache ?? memoryStat.cache ?? memoryStat.file ?? 0,
    memoryLimitBytes: limit !== undefined && limit > 0 && limit < unlimitedBytes ? limit : undefined,
    oomKills: 0,
    source: 'docker-stats',
  };
}
