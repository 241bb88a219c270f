import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type CgroupLocation, type CgroupMount, dockerCgroupCandidates, joinUnderMount, locateCgroup, parseCgroupMounts, parseProcCgroup, cgroupVersion } from './cgroupPaths.js';
import type { CgroupReadings } from './cgroupSample.js';
import { parseCgroupV1, v1Files, type V1FileName } from './cgroupV1.js';
import { parseCgroupV2, v2Files, type V2FileName } from './cgroupV2.js';

export interface CgroupReaderOptions {
  /** Where the host's /proc is visible (`/host/proc` when the collector runs in a container). */
  readonly procRoot: string;
  /** Only cgroup mounts under this path are used (the host's hierarchies, not a container's own). */
  readonly cgroupRoot: string;
  /** The mount table to read; the collector's own view. */
  readonly mountinfoPath?: string;
}

/**
 * Reads containers' cgroup files straight from the cgroup filesystem. Directories are found once
 * per container (from its PID) and then only the counters are read each interval.
 */
export class CgroupFileReader {
  private mounts: Promise<CgroupMount[]> | undefined;

  constructor(private readonly options: CgroupReaderOptions) {}

  async version(): Promise<1 | 2 | undefined> {
    return cgroupVersion(await this.loadMounts());
  }

  /** The container's cgroup directories, from its PID, falling back to Docker's known layouts. */
  async locate(pid: number, containerId: string): Promise<CgroupLocation | undefined> {
    const mounts = await this.loadMounts();
    const procText = pid > 0 ? await readText(`${this.options.procRoot}/${pid}/cgroup`) : undefined;
    const fromPid = procText ? locateCgroup(parseProcCgroup(procText), mounts) : undefined;
    if (fromPid && (await this.usable(fromPid))) return fromPid;
    for (const relative of dockerCgroupCandidates(containerId)) {
      const candidate = locateAt(mounts, `/${relative}`);
      if (candidate && (await this.usable(candidate))) return candidate;
    }
    return undefined;
  }

  /** Current readings, or undefined when the cgroup is gone (container stopped meanwhile). */
  async read(location: CgroupLocation): Promise<CgroupReadings | undefined> {
    // Synchronous on purpose: cgroup files are generated in memory by the kernel and read in
    // microseconds; the thread-pool round trips of async reads cost more CPU than the reads
    // themselves (measured by bench/collectorOverhead.ts).
    if (location.version === 2) {
      const contents: Partial<Record<V2FileName, string>> = {};
      for (const name of v2Files) contents[name] = readTextNow(`${location.dir}/${name}`);
      return parseCgroupV2(contents);
    }
    const contents: Partial<Record<V1FileName, string>> = {};
    for (const [controller, names] of Object.entries(v1Files) as Array<[keyof typeof v1Files, readonly V1FileName[]]>) {
      const dir = location[controller];
      for (const name of names) contents[name] = dir ? readTextNow(`${dir}/${name}`) : undefined;
    }
    return parseCgroupV1(contents);
  }

  private async usable(location: CgroupLocation): Promise<boolean> {
    return (await this.read(location)) !== undefined;
  }

  private loadMounts(): Promise<CgroupMount[]> {
    this.mounts ??= readText(this.options.mountinfoPath ?? '/proc/self/mountinfo').then((text) => {
      const root = this.options.cgroupRoot.replace(/\/+$/, '');
      return parseCgroupMounts(text ?? '').filter((mount) => mount.mountPoint === root || mount.mountPoint.startsWith(`${root}/`));
    });
    return this.mounts;
  }
}

function locateAt(mounts: readonly CgroupMount[], path: string): CgroupLocation | undefined {
  const version = cgroupVersion(mounts);
  if (version === 2) {
    const mount = mounts.find((candidate) => candidate.version === 2);
    const dir = mount ? joinUnderMount(mount, path) : undefined;
    return dir ? { version: 2, dir } : undefined;
  }
  const dirFor = (controller: string) => {
    const mount = mounts.find((candidate) => candidate.version === 1 && candidate.controllers.includes(controller));
    return mount ? joinUnderMount(mount, path) : undefined;
  };
  return version === 1 ? { version: 1, cpu: dirFor('cpu'), cpuacct: dirFor('cpuacct'), memory: dirFor('memory') } : undefined;
}

function readTextNow(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
