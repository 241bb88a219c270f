/**
 * cgroup v2 cannot run on this host (it is v1), so the reader is checked against a file tree
 * laid out as Documentation/admin-guide/cgroup-v2.rst describes it: a unified hierarchy mounted
 * once, the container's directory holding cpu.stat (usage_usec, user_usec, system_usec,
 * nr_periods, nr_throttled, throttled_usec), cpu.max ("$MAX $PERIOD"), memory.current,
 * memory.max, memory.stat and memory.events, found from /proc/<pid>/cgroup ("0::$PATH").
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupFileReader } from '../../../collector/cgroupReader.js';
import { deriveContainerStats } from '../../../collector/containerStats.js';

const id = 'b'.repeat(64);
const pid = 4242;
let root: string;
let cgroupMount: string;
let containerDir: string;
let reader: CgroupFileReader;

function memoryStat(anon: number, file: number, inactiveFile: number): string {
  return [`anon ${anon}`, `file ${file}`, 'kernel_stack 98304', 'sock 0', 'shmem 0', `active_anon 0`, `inactive_anon ${anon}`, `active_file ${file - inactiveFile}`, `inactive_file ${inactiveFile}`, 'unevictable 0', 'pgfault 1234'].join('\n') + '\n';
}

async function writeCounters(usageUsec: number, periods: number, throttled: number, throttledUsec: number, current: number, inactiveFile: number, oomKills: number) {
  await writeFile(join(containerDir, 'cpu.stat'), `usage_usec ${usageUsec}\nuser_usec ${Math.floor(usageUsec * 0.9)}\nsystem_usec ${Math.ceil(usageUsec * 0.1)}\nnr_periods ${periods}\nnr_throttled ${throttled}\nthrottled_usec ${throttledUsec}\nnr_bursts 0\nburst_usec 0\n`);
  await writeFile(join(containerDir, 'memory.current'), `${current}\n`);
  await writeFile(join(containerDir, 'memory.stat'), memoryStat(current - 40_000_000, 40_000_000, inactiveFile));
  await writeFile(join(containerDir, 'memory.events'), `low 0\nhigh 0\nmax 12\noom ${oomKills}\noom_kill ${oomKills}\noom_group_kill 0\n`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-cgroup2-'));
  cgroupMount = join(root, 'sys', 'fs', 'cgroup');
  containerDir = join(cgroupMount, 'system.slice', `docker-${id}.scope`);
  await mkdir(containerDir, { recursive: true });
  await writeFile(join(cgroupMount, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  await writeFile(join(containerDir, 'cgroup.controllers'), 'cpu memory pids\n');
  await writeFile(join(containerDir, 'cpu.max'), '50000 100000\n');
  await writeFile(join(containerDir, 'memory.max'), `${512 * 1024 * 1024}\n`);
  await writeCounters(1_000_000, 100, 10, 200_000, 300_000_000, 30_000_000, 0);
  await mkdir(join(root, 'proc', String(pid)), { recursive: true });
  await writeFile(join(root, 'proc', String(pid), 'cgroup'), `0::/system.slice/docker-${id}.scope\n`);
  await writeFile(join(root, 'mountinfo'), `30 25 0:26 / ${cgroupMount} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`);
  reader = new CgroupFileReader({ procRoot: join(root, 'proc'), cgroupRoot: cgroupMount, mountinfoPath: join(root, 'mountinfo') });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('cgroup v2 reader on a kernel-documented file tree', () => {
  it('detects the unified hierarchy and finds the container from its PID (systemd driver layout)', async () => {
    expect(await reader.version()).toBe(2);
    expect(await reader.locate(pid, id)).toEqual({ version: 2, dir: containerDir });
  });

  it('falls back to Docker\'s known layout when the PID cannot be seen', async () => {
    expect(await reader.locate(999_999, id)).toEqual({ version: 2, dir: containerDir });
  });

  it('reads usage, throttling, limits, working set and OOM kills in base units', async () => {
    const location = await reader.locate(pid, id);
    const readings = await reader.read(location!);
    expect(readings).toMatchObject({
      cpuUsageSeconds: 1,
      cpuPeriods: 100,
      cpuThrottledPeriods: 10,
      cpuThrottledSeconds: 0.2,
      cpuLimitCores: 0.5,
      memoryUsageBytes: 300_000_000,
      memoryWorkingSetBytes: 270_000_000,
      memoryRssBytes: 260_000_000,
      memoryCacheBytes: 40_000_000,
      memoryLimitBytes: 512 * 1024 * 1024,
      oomKills: 0,
      source: 'cgroup-v2',
    });
  });

  it('derives cores, throttled fraction and OOM kills between two readings', async () => {
    const location = (await reader.locate(pid, id))!;
    const first = { ...(await reader.read(location))!, monotonicSeconds: 10 };
    // Two seconds later: 0.9 s more CPU, 20 periods of which 15 throttled, one OOM kill.
    await writeCounters(1_900_000, 120, 25, 500_000, 310_000_000, 30_000_000, 1);
    const second = { ...(await reader.read(location))!, monotonicSeconds: 12 };
    const stats = deriveContainerStats(first, second);
    expect(stats.cpuUsageCores).toBeCloseTo(0.45, 10);
    expect(stats.cpuFractionOfLimit).toBeCloseTo(0.9, 10);
    expect(stats.cpuThrottledFraction).toBeCloseTo(0.75, 10);
    expect(stats.cpuThrottledSecondsPerSecond).toBeCloseTo(0.15, 10);
    expect(stats.memoryWorkingSetBytes).toBe(280_000_000);
    expect(stats.memoryFractionOfLimit).toBeCloseTo(280_000_000 / (512 * 1024 * 1024), 10);
    expect(stats.oomKillsTotal).toBe(1);
  });

  it('reads "max" limits as no limit', async () => {
    await writeFile(join(containerDir, 'cpu.max'), 'max 100000\n');
    await writeFile(join(containerDir, 'memory.max'), 'max\n');
    const readings = await reader.read((await reader.locate(pid, id))!);
    expect(readings?.cpuLimitCores).toBeUndefined();
    expect(readings?.memoryLimitBytes).toBeUndefined();
  });

  it('reads a garbled limit file as that limit unknown, and the container\'s other files as usual', async () => {
    const location = (await reader.locate(pid, id))!;
    await writeFile(join(containerDir, 'cpu.max'), '50000 100000\n');
    await writeFile(join(containerDir, 'memory.max'), `${512 * 1024 * 1024}\n`);
    const intact = await reader.read(location);
    // Number() read these as an infinite CPU limit and a memory limit of -5 bytes.
    await writeFile(join(containerDir, 'cpu.max'), '1 1e-320\n');
    await writeFile(join(containerDir, 'memory.max'), '-5\n');
    expect(await reader.read(location)).toEqual({ ...intact, cpuLimitCores: undefined, memoryLimitBytes: undefined });
  });
});
