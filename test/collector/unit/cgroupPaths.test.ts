import { describe, expect, it } from 'vitest';
import { cgroupVersion, joinUnderMount, locateCgroup, parseCgroupMounts, parseProcCgroup } from '../../../collector/cgroupPaths.js';

const id = 'a'.repeat(64);

/** A hybrid host like this one: v1 controllers, an empty cgroup2 at /sys/fs/cgroup/unified. */
const hybridMountinfo = [
  '25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct',
  '35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory',
  '36 30 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids',
].join('\n');

const unifiedMountinfo = '30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';

describe('finding a container cgroup from its PID', () => {
  it('reads /proc/<pid>/cgroup lines, v1 controllers and the v2 entry', () => {
    const entries = parseProcCgroup(`12:memory:/docker/${id}\n4:cpu,cpuacct:/docker/${id}\n1:name=systemd:/docker/${id}\n0::/docker/${id}\n`);
    expect(entries).toHaveLength(4);
    expect(entries[1]).toEqual({ hierarchyId: 4, controllers: ['cpu', 'cpuacct'], path: `/docker/${id}` });
    expect(entries[3]).toEqual({ hierarchyId: 0, controllers: [], path: `/docker/${id}` });
  });

  it('reads cgroup mounts from mountinfo, with their controllers', () => {
    const mounts = parseCgroupMounts(hybridMountinfo);
    expect(mounts.map((mount) => mount.mountPoint)).toEqual(['/sys/fs/cgroup/unified', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/pids']);
    expect(mounts[1]?.controllers).toEqual(['cpu', 'cpuacct']);
    expect(cgroupVersion(mounts)).toBe(1);
    expect(cgroupVersion(parseCgroupMounts(unifiedMountinfo))).toBe(2);
  });

  it('locates a v1 container of the cgroupfs driver in each controller hierarchy', () => {
    const location = locateCgroup(parseProcCgroup(`4:cpu,cpuacct:/docker/${id}\n12:memory:/docker/${id}\n0::/docker/${id}`), parseCgroupMounts(hybridMountinfo));
    expect(location).toEqual({
      version: 1,
      cpu: `/sys/fs/cgroup/cpu,cpuacct/docker/${id}`,
      cpuacct: `/sys/fs/cgroup/cpu,cpuacct/docker/${id}`,
      memory: `/sys/fs/cgroup/memory/docker/${id}`,
    });
  });

  it('locates a v2 container of the systemd driver in the unified hierarchy', () => {
    const location = locateCgroup(parseProcCgroup(`0::/system.slice/docker-${id}.scope`), parseCgroupMounts(unifiedMountinfo));
    expect(location).toEqual({ version: 2, dir: `/sys/fs/cgroup/system.slice/docker-${id}.scope` });
  });

  it('maps a path through a mount of a sub-tree (a bind-mounted cgroup root), and refuses paths outside it', () => {
    const mount = { mountPoint: '/host/cgroup', root: '/system.slice', version: 2 as const, controllers: [] };
    expect(joinUnderMount(mount, '/system.slice/docker-x.scope')).toBe('/host/cgroup/docker-x.scope');
    expect(joinUnderMount(mount, '/user.slice/x')).toBeUndefined();
  });

  it('decodes octal escapes in mount points', () => {
    const [mount] = parseCgroupMounts('40 30 0:40 / /mnt/with\\040space rw - cgroup2 cgroup2 rw');
    expect(mount?.mountPoint).toBe('/mnt/with space');
  });
});
