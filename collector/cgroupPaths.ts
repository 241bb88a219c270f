/**
 * Where a process's cgroups are, worked out the way runc and cAdvisor do it: `/proc/<pid>/cgroup`
 * names the cgroup path in each hierarchy, `/proc/self/mountinfo` says where each hierarchy is
 * mounted (and from which root). This works for the cgroupfs and the systemd drivers alike, and
 * inside a container that has the host's /sys/fs/cgroup mounted.
 */

export interface ProcCgroupEntry {
  readonly hierarchyId: number;
  /** v1 controllers of the hierarchy (`cpu`, `cpuacct`, `memory`, `name=systemd`); empty for v2. */
  readonly controllers: readonly string[];
  readonly path: string;
}

export interface CgroupMount {
  readonly mountPoint: string;
  /** The cgroup path that is visible at `mountPoint` (`/` unless a sub-tree was bind-mounted). */
  readonly root: string;
  readonly version: 1 | 2;
  readonly controllers: readonly string[];
}

export type CgroupLocation =
  | { readonly version: 1; readonly cpu: string | undefined; readonly cpuacct: string | undefined; readonly memory: string | undefined }
  | { readonly version: 2; readonly dir: string };

export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    entries.push({ hierarchyId: Number(match[1]), controllers: match[2] ? match[2].split(',') : [], path: match[3] ?? '/' });
  }
  return entries;
}

/** The cgroup and cgroup2 mounts from a mountinfo text (proc(5) format). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.trim().split(' ');
    const separator = fields.indexOf('-');
    if (separator < 6) continue;
    const fsType = fields[separator + 1];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const superOptions = (fields[separator + 3] ?? '').split(',');
    mounts.push({
      mountPoint: unescapeMountField(fields[4] ?? ''),
      root: unescapeMountField(fields[3] ?? '/'),
      version: fsType === 'cgroup2' ? 2 : 1,
      controllers: fsType === 'cgroup2' ? [] : superOptions.filter((option) => option !== 'rw' && option !== 'ro'),
    });
  }
  return mounts;
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountField(value: string): string {
  return value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Unified (v2-only) when no v1 hierarchy carries the cpu or memory controller; a hybrid host
 * (v1 controllers plus an empty cgroup2 at /sys/fs/cgroup/unified) counts as v1.
 */
export function cgroupVersion(mounts: readonly CgroupMount[]): 1 | 2 | undefined {
  if (mounts.some((mount) => mount.version === 1 && (mount.controllers.includes('cpu') || mount.controllers.includes('memory')))) return 1;
  if (mounts.some((mount) => mount.version === 2)) return 2;
  return undefined;
}

/** The directories holding a process's cgroup files, or undefined where they cannot be seen. */
export function locateCgroup(entries: readonly ProcCgroupEntry[], mounts: readonly CgroupMount[]): CgroupLocation | undefined {
  const version = cgroupVersion(mounts);
  if (version === 2) {
    const entry = entries.find((candidate) => candidate.hierarchyId === 0 && candidate.controllers.length === 0);
    const mount = mounts.find((candidate) => candidate.version === 2);
    const dir = entry && mount ? joinUnderMount(mount, entry.path) : undefined;
    return dir === undefined ? undefined : { version: 2, dir };
  }
  if (version === 1) {
    const dirFor = (controller: string) => {
      const mount = mounts.find((candidate) => candidate.version === 1 && candidate.controllers.includes(controller));
      const entry = entries.find((candidate) => candidate.controllers.includes(controller));
      return mount && entry ? joinUnderMount(mount, entry.path) : undefined;
    };
    return { version: 1, cpu: dirFor('cpu'), cpuacct: dirFor('cpuacct'), memory: dirFor('memory') };
  }
  return undefined;
}

/** `path` seen through a mount of `mount.root`; undefined when the path lies outside that root. */
export function joinUnderMount(mount: CgroupMount, path: string): string | undefined {
  const root = mount.root === '/' ? '' : mount.root.replace(/\/+$/, '');
  if (root && path !== root && !path.startsWith(`${root}/`)) return undefined;
  const relative = path.slice(root.length).replace(/^\/+/, '');
  return relative ? `${mount.mountPoint.replace(/\/+$/, '')}/${relative}` : mount.mountPoint;
}

/**
 * Where Docker's drivers put a container's cgroup, relative to a hierarchy's mount point: used
 * when the process's own view does not resolve (a collector in a private cgroup namespace).
 */
export function dockerCgroupCandidates(containerId: string): string[] {
  return [`docker/${containerId}`, `system.slice/docker-${containerId}.scope`, `docker.slice/docker-${containerId}.scope`];
}
