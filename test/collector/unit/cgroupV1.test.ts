import { describe, expect, it } from 'vitest';
import { parseCgroupV1 } from '../../../collector/cgroupV1.js';
import { parseCgroupV2, parseCpuMax } from '../../../collector/cgroupV2.js';
import { deriveContainerStats } from '../../../collector/containerStats.js';
import { dockerMemoryLimit, readingsFromDockerStats } from '../../../collector/dockerStatsReadings.js';
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

  it('reads a key whose value is not a decimal integer, or is missing, as there but unknown, instead of reading an empty value as 0', () => {
    expect([...parseKeyValues('usage_usec \nnr_periods 0x10\nnr_throttled -4\nthrottled_usec 7\noom_kill\n')]).toEqual([
      ['usage_usec', undefined],
      ['nr_periods', undefined],
      ['nr_throttled', undefined],
      ['throttled_usec', 7],
      ['oom_kill', undefined],
    ]);
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

describe('optional cgroup keys: absent (older kernels) reads as 0, present and garbled as unknown', () => {
  const v2 = (files: { cpuStat?: string; memoryStat?: string; events?: string }) =>
    parseCgroupV2({ 'cpu.stat': `usage_usec 1000000\n${files.cpuStat ?? ''}`, 'cpu.max': '50000 100000\n', 'memory.current': '1000\n', 'memory.stat': files.memoryStat ?? '', 'memory.events': files.events ?? '' });

  it('regression: reads a garbled nr_periods, nr_throttled or throttled_usec as unknown (it read as 0: never throttled)', () => {
    expect(v2({ cpuStat: 'nr_periods 10\nnr_throttled -1\n' })).toMatchObject({ cpuPeriods: 10, cpuThrottledPeriods: undefined });
    expect(v2({ cpuStat: 'nr_periods x\nnr_throttled 3\n' })).toMatchObject({ cpuPeriods: undefined, cpuThrottledPeriods: 3 });
    expect(v2({ cpuStat: 'throttled_usec 1e3\n' })?.cpuThrottledSeconds).toBeUndefined();
    expect(v2({})).toMatchObject({ cpuPeriods: 0, cpuThrottledPeriods: 0, cpuThrottledSeconds: 0 });
  });

  it('regression: reads a garbled oom_kill in memory.events as unknown (it read as 0 kills), and an absent one as 0', () => {
    expect(v2({ events: 'oom 0\noom_kill -1\n' })?.oomKills).toBeUndefined();
    expect(v2({ events: 'oom_kill\n' })?.oomKills).toBeUndefined();
    expect(v2({ events: 'oom 0\n' })?.oomKills).toBe(0);
  });

  it('regression: reads a garbled anon, file or inactive_file as unknown RSS, cache or working set (a garbled inactive_file made the working set the whole usage)', () => {
    expect(v2({ memoryStat: 'anon -1\nfile 200\ninactive_file 100\n' })).toMatchObject({ memoryRssBytes: undefined, memoryCacheBytes: 200, memoryWorkingSetBytes: 900 });
    expect(v2({ memoryStat: 'anon 300\nfile 0x10\ninactive_file 1e2\n' })).toMatchObject({ memoryRssBytes: 300, memoryCacheBytes: undefined, memoryWorkingSetBytes: undefined });
    expect(v2({ memoryStat: '' })).toMatchObject({ memoryRssBytes: 0, memoryCacheBytes: 0, memoryWorkingSetBytes: 1000 });
  });

  it('v1: a garbled hierarchy total is unknown, not the cgroup\'s own figure (which leaves its children out); a garbled oom_kill or nr_throttled is unknown', () => {
    const base = files(2_500_000_000, 40, 30, 1_500_000_000, 2);
    expect(parseCgroupV1({ ...base, 'memory.stat': 'rss 5\ntotal_rss -1\ncache 6\ntotal_cache 7\ninactive_file 1\ntotal_inactive_file x\n' })).toMatchObject({ memoryRssBytes: undefined, memoryCacheBytes: 7, memoryWorkingSetBytes: undefined });
    expect(parseCgroupV1({ ...base, 'memory.stat': 'rss 5\ncache 6\ninactive_file 1\n' })).toMatchObject({ memoryRssBytes: 5, memoryCacheBytes: 6, memoryWorkingSetBytes: 120_000_000 - 1 });
    expect(parseCgroupV1({ ...base, 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill abc\n' })?.oomKills).toBeUndefined();
    // Before Linux 4.13 memory.oom_control has no oom_kill line: 0, as it always read.
    expect(parseCgroupV1({ ...base, 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n' })?.oomKills).toBe(0);
    expect(parseCgroupV1({ ...base, 'cpu.stat': 'nr_periods 40\nnr_throttled -3\nthrottled_time 0\n' })?.cpuThrottledPeriods).toBeUndefined();
  });

  it('derives no throttled fraction or throttled time when either reading\'s counter is unknown, and no OOM count, even with Docker\'s (which may be below one already written)', () => {
    const at = (monotonicSeconds: number, cpuStat: string, events = 'oom_kill 0\n') => ({ ...v2({ cpuStat, events })!, monotonicSeconds });
    const good = at(1, 'nr_periods 10\nnr_throttled 2\nthrottled_usec 0\n');
    const later = at(2, 'nr_periods 20\nnr_throttled 4\nthrottled_usec 500000\n');
    expect(deriveContainerStats(good, later)).toMatchObject({ cpuThrottledFraction: 0.2, cpuThrottledSecondsPerSecond: 0.5, oomKillsTotal: 0 });
    const garbled = at(2, 'nr_periods 20\nnr_throttled x\nthrottled_usec -1\n');
    expect(deriveContainerStats(good, garbled)).toMatchObject({ cpuThrottledFraction: undefined, cpuThrottledSecondsPerSecond: undefined });
    expect(deriveContainerStats(garbled, at(3, 'nr_periods 30\nnr_throttled 6\nthrottled_usec 500\n'))).toMatchObject({ cpuThrottledFraction: undefined, cpuThrottledSecondsPerSecond: undefined });
    expect(deriveContainerStats(good, at(2, '', 'oom_kill ?\n'), 1).oomKillsTotal).toBeUndefined();
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
  /** `docker info` MemTotal of the machine these tests were written on; dockerd's stats give it as an unlimited container's limit. */
  const hostMemory = 25_275_990_016;

  it('maps a stats answer onto the same readings, the CPU limit coming from inspect', () => {
    const readings = readingsFromDockerStats(
      {
        cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, throttling_data: { periods: 50, throttled_periods: 5, throttled_time: 250_000_000 } },
        memory_stats: { usage: 100_000_000, limit: 268_435_456, stats: { total_inactive_file: 30_000_000, total_rss: 60_000_000, total_cache: 35_000_000 } },
      },
      0.5,
      hostMemory,
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

  const answer = (usage: unknown, memory: unknown, extra: { throttling?: Record<string, unknown>; stats?: Record<string, unknown>; limit?: unknown } = {}) => ({
    cpu_stats: { cpu_usage: { total_usage: usage }, ...(extra.throttling ? { throttling_data: extra.throttling } : {}) },
    memory_stats: { usage: memory, ...(extra.stats ? { stats: extra.stats } : {}), ...('limit' in extra ? { limit: extra.limit } : {}) },
  });

  it('regression: gives no reading when the CPU or memory usage is negative, fractional, not finite or not a number, as for an unreadable cgroup file (-5 was a memory usage of -5 bytes)', () => {
    expect(readingsFromDockerStats(answer(1_000_000_000, -5), undefined, hostMemory)).toBeUndefined();
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null, undefined]) {
      expect(readingsFromDockerStats(answer(bad, 100), undefined, hostMemory), String(bad)).toBeUndefined();
      expect(readingsFromDockerStats(answer(1_000_000_000, bad), undefined, hostMemory), String(bad)).toBeUndefined();
    }
  });

  it('reads a garbled optional number as unknown and an absent one as 0 (a negative inactive_file made the working set larger than the usage)', () => {
    expect(readingsFromDockerStats(answer(1, 100, { stats: { inactive_file: -50, anon: 'x', file: 20 } }), undefined, hostMemory)).toMatchObject({ memoryWorkingSetBytes: undefined, memoryRssBytes: undefined, memoryCacheBytes: 20 });
    expect(readingsFromDockerStats(answer(1, 100, { throttling: { periods: 10, throttled_periods: -1, throttled_time: 0.5 } }), 0.5, hostMemory)).toMatchObject({ cpuPeriods: 10, cpuThrottledPeriods: undefined, cpuThrottledSeconds: undefined });
    expect(readingsFromDockerStats(answer(1, 100, { limit: -1 }), undefined, hostMemory)?.memoryLimitBytes).toBeUndefined();
    expect(readingsFromDockerStats(answer(1, 100, { limit: Number.POSITIVE_INFINITY }), undefined, hostMemory)?.memoryLimitBytes).toBeUndefined();
    expect(readingsFromDockerStats(answer(1, 100), undefined, hostMemory)).toMatchObject({ cpuPeriods: 0, cpuThrottledPeriods: 0, cpuThrottledSeconds: 0, memoryWorkingSetBytes: 100, memoryRssBytes: 0, memoryCacheBytes: 0, memoryLimitBytes: undefined, oomKills: 0 });
  });

  it('regression: reads a limit at or above the host\'s memory as no limit: dockerd reports an unlimited container\'s limit as the machine\'s memory (it was taken for a limit)', () => {
    expect(readingsFromDockerStats(answer(1, 100, { limit: hostMemory }), undefined, hostMemory)?.memoryLimitBytes).toBeUndefined();
    expect(dockerMemoryLimit(hostMemory, hostMemory)).toBeUndefined();
    expect(dockerMemoryLimit(hostMemory + 4096, hostMemory)).toBeUndefined();
    expect(dockerMemoryLimit(hostMemory - 4096, hostMemory)).toBe(hostMemory - 4096);
    expect(dockerMemoryLimit(268_435_456, hostMemory)).toBe(268_435_456);
  });

  it('without the host\'s memory (docker info failed), takes a reported limit as it stands, the kernel\'s "no limit" and a garbled or zero limit excepted', () => {
    expect(dockerMemoryLimit(hostMemory, undefined)).toBe(hostMemory);
    expect(dockerMemoryLimit(268_435_456, undefined)).toBe(268_435_456);
    for (const none of [2 ** 60, 2 ** 63, 0, -1, 1.5, '268435456', undefined]) expect(dockerMemoryLimit(none, undefined), String(none)).toBeUndefined();
  });
});
