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
 * `hostMemoryBytes` is the engine's MemTotal (`docker info`), needed to tell an unlimited
 * container's memory limit (see dockerMemoryLimit).
 */
export function readingsFromDockerStats(stats: DockerStatsAnswer, cpuLimitCores: number | undefined, hostMemoryBytes: number | undefined): CgroupReadings | undefined {
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
    memoryLimitBytes: dockerMemoryLimit(stats.memory_stats?.limit, hostMemoryBytes),
    oomKills: 0,
    source: 'docker-stats',
  };
}

/**
 * The memory limit a stats answer gives, or undefined for none. dockerd does not pass on the
 * cgroup's "no limit" (2^63 rounded down to a page on v1, `max` on v2): a limit above the
 * machine's memory is replaced by the machine's memory (moby daemon/stats_unix.go: "if the
 * container does not set memory limit, use the machineMemory"), so an unlimited container reads
 * as limited to the host's MemTotal, and its working set as a small fraction of a limit it does
 * not have. A limit at or above the host's memory is therefore no limit: one set that high could
 * never be reached either, and the answer cannot tell the two apart. Without the host's memory
 * (`docker info` failed) only the kernel's own "no limit" can be recognised, so an unlimited
 * container still reads as limited to the host's memory, a fault worth less than the rest of the
 * answer it would cost to drop.
 */
export function dockerMemoryLimit(reported: unknown, hostMemoryBytes: number | undefined): number | undefined {
  const limitBytes = reported === undefined ? undefined : dockerInteger(reported);
  if (limitBytes === undefined || limitBytes === 0 || limitBytes >= unlimitedBytes) return undefined;
  return hostMemoryBytes !== undefined && limitBytes >= hostMemoryBytes ? undefined : limitBytes;
}

/** A number of the stats answer as Docker writes one (an unsigned integer); else undefined. */
function dockerInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
