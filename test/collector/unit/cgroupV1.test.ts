import { describe, expect, it } from 'vitest';
import { parseCgroupV1 } from '../../../collector/cgroupV1.js';
import { parseCgroupV2, parseCpuMax } from '../../../collector/cgroupV2.js';
import { deriveContainerStats } from '../../../collector/containerStats.js';
import { parseKeyValues, parseSingleNumber } from '../../../collector/keyValueFile.js';

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

describe('garbled cgroup files (the kernel writes non-negative decimal integers, and v2 "max")', () => {
  it('reads a single-number file that is not a decimal integer as unknown, never as a number', () => {
    // Number() read these as -5, 16, 1000 and 7.
    for (const text of ['-5\n', '0x10\n', '1e3\n', '+7\n', '12abc\n', '1e400\n', '', '\n', '1.5\n', '\u00a05\n']) expect(parseSingleNumber(text), JSON.stringify(text)).toBeUndefined();
    expect(parseSingleNumber(' 42 \r\n')).toBe(42);
  });

  it('leaves out a key whose value is not a decimal integer, instead of reading an empty value as 0', () => {
    expect([...parseKeyValues('usage_usec \nnr_periods 0x10\nnr_throttled -4\nthrottled_usec 7\n')]).toEqual([['throttled_usec', 7]]);
  });

  it('gives no CPU limit for a cpu.max field that is not a decimal integer, where Number() gave an infinite or a zero limit', () => {
    expect(parseCpuMax('1 1e-320\n')).toBeUndefined();
    expect(parseCpuMax('50000 1e400\n')).toBeUndefined();
    expect(parseCpuMax('0x10 100000\n')).toBeUndefined();
    expect(parseCpuMax('50000 100000 7\n')).toBeUndefined();
    expect(parseCpuMax('50000 100000\n')).toBe(0.5);
    expect(parseCpuMax('max 100000\n')).toBeUndefined();
  });

  it('reads a negative memory limit as no limit known, and the container\'s other readings as usual', () => {
    expect(parseCgroupV1({ ...files(2_500_000_000, 40, 30, 1_500_000_000, 2), 'memory.limit_in_bytes': '-5\n' })).toEqual({ ...parseCgroupV1(files(2_500_000_000, 40, 30, 1_500_000_000, 2)), memoryLimitBytes: undefined });
  });

  it('gives no v2 reading, rather than a negative CPU usage, when usage_usec reads -5 (a reading cannot leave its usage out)', () => {
    expect(parseCgroupV2({ 'cpu.stat': 'usage_usec -5\n', 'memory.current': '1\n' })).toBeUndefined();
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
