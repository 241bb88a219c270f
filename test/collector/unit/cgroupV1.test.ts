import { describe, expect, it } from 'vitest';
import { parseCgroupV1 } from '../../../collector/cgroupV1.js';
import { deriveContainerStats } from '../../../collector/containerStats.js';

const files = (usageNs: number, periods: number, throttled: number, throttledNs: number, oomKill: number) => ({
  'cpuacct.usage': `${usageNs}\n`,
  'cpu.stat': `nr_periods ${periods}\nnr_throttled ${throttled}\nthrottled_time ${throttledNs}\nnr_bursts 0\nburst_time 0\n`,
  'cpu.cfs_quota_us': '50000\n',
  'cpu.cfs_period_us': '100000\n',
  'memory.usage_in_bytes': '120000000\n',
  'memory.stat': 'cache 60000000\nrss 5000000\ninactive_file 1\ntotal_cache 70000000\ntotal_rss 45000000\ntotal_inactive_file 40000000\ntotal_active_file 21000000\n',
  'memory.limit_in_bytes': '268435456\n',
  'memory.oom_control': `oom_kill_disable 0\nunder_oom 0\noom_kill ${oomKill}\n`,
});

describe('cgroup v1 files', () => {
  it('reads CPU in seconds and cores, memory with hierarchy totals, and the OOM kill count', () => {
    expect(parseCgroupV1(files(2_500_000_000, 40, 30, 1_500_000_000, 2))).toEqual({
      cpuUsageSeconds: 2.5,
      cpuPeriods: 40,
      cpuThrottledPeriods: 30,
      cpuThrottledSeconds: 1.5,
      cpuLimitCores: 0.5,
      memoryUsageBytes: 120_000_000,
      memoryWorkingSetBytes: 80_000_000,
      memoryRssBytes: 45_000_000,
      memoryCacheBytes: 70_000_000,
      memoryLimitBytes: 268_435_456,
      oomKills: 2,
      source: 'cgroup-v1',
    });
  });

  it('treats quota -1 and the kernel\'s huge default memory limit as "no limit"', () => {
    const readings = parseCgroupV1({ ...files(1, 0, 0, 0, 0), 'cpu.cfs_quota_us': '-1\n', 'memory.limit_in_bytes': '9223372036854771712\n' });
    expect(readings?.cpuLimitCores).toBeUndefined();
    expect(readings?.memoryLimitBytes).toBeUndefined();
  });

  it('gives nothing when the cgroup is gone (files unreadable)', () => {
    expect(parseCgroupV1({})).toBeUndefined();
  });
});

describe('derived container signals', () => {
  const sample = (at: number, usageNs: number, periods: number, throttled: number, throttledNs: number) => ({ ...parseCgroupV1(files(usageNs, periods, throttled, throttledNs, 0))!, monotonicSeconds: at });

  it('has no rates on the first reading, only levels', () => {
    const stats = deriveContainerStats(undefined, sample(1, 1e9, 10, 0, 0));
    expect(stats.cpuUsageCores).toBeUndefined();
    expect(stats.cpuThrottledFraction).toBeUndefined();
    expect(stats.memoryWorkingSetBytes).toBe(80_000_000);
    expect(stats.memoryFractionOfLimit).toBeCloseTo(80_000_000 / 268_435_456, 12);
  });

  it('turns counters into cores, fraction of limit and throttled fraction', () => {
    const stats = deriveContainerStats(sample(1, 1e9, 10, 0, 0), sample(3, 2e9, 30, 15, 0.5e9));
    expect(stats.cpuUsageCores).toBeCloseTo(0.5, 12);
    expect(stats.cpuFractionOfLimit).toBeCloseTo(1, 12);
    expect(stats.cpuThrottledFraction).toBeCloseTo(0.75, 12);
    expect(stats.cpuThrottledSecondsPerSecond).toBeCloseTo(0.25, 12);
  });

  it('gives no rate when a counter went backwards (cgroup recreated) instead of a negative one', () => {
    expect(deriveContainerStats(sample(1, 5e9, 10, 0, 0), sample(2, 1e9, 12, 0, 0)).cpuUsageCores).toBeUndefined();
  });

  it('counts an OOM kill Docker reported even when the cgroup counter missed it', () => {
    expect(deriveContainerStats(undefined, sample(1, 1, 0, 0, 0), 1).oomKillsTotal).toBe(1);
  });
});

describe('the Docker stats API fallback', () => {
  it('maps a stats answer onto the same readings, the CPU limit coming from inspect', async () => {
    const { readingsFromDockerStats } = await import('../../../collector/dockerStatsReadings.js');
    const readings = readingsFromDockerStats(
      {
        cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, throttling_data: { periods: 50, throttled_periods: 5, throttled_time: 250_000_000 } },
        memory_stats: { usage: 100_000_000, limit: 268_435_456, stats: { total_inactive_file: 30_000_000, total_rss: 60_000_000, total_cache: 35_000_000 } },
      },
      0.5,
    );
    expect(readings).toEqual({
      cpuUsageSeconds: 3,
      cpuPeriods: 50,
      cpuThrottledPeriods: 5,
      cpuThrottledSeconds: 0.25,
      cpuLimitCores: 0.5,
      memoryUsageBytes: 100_000_000,
      memoryWorkingSetBytes: 70_000_000,
      memoryRssBytes: 60_000_000,
      memoryCacheBytes: 35_000_000,
      memoryLimitBytes: 268_435_456,
      oomKills: 0,
      source: 'docker-stats',
    });
  });
});
