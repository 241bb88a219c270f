import type { CgroupReadings } from './cgroupSample.js';
import { optionalKey, parseKernelInteger, parseKeyValues, parseSingleNumber } from './keyValueFile.js';
import { cfsThrottling, workingSetBytes } from './readingParts.js';

/** The v2 (unified) files read per container, all in the container's one directory. */
export const v2Files = ['cpu.stat', 'cpu.max', 'memory.current', 'memory.stat', 'memory.max', 'memory.events'] as const;

export type V2FileName = (typeof v2Files)[number];

/**
 * Turns the contents of a v2 container's cgroup files into readings, per the kernel's
 * cgroup-v2 document: cpu.stat in µs, `cpu.max` as "$MAX $PERIOD" ("max" = no limit),
 * memory.max as bytes or "max", OOM kills from memory.events `oom_kill`.
 */
export function parseCgroupV2(files: Partial<Record<V2FileName, string>>): CgroupReadings | undefined {
  const cpuStat = parseKeyValues(files['cpu.stat']);
  const usageUs = cpuStat.get('usage_usec');
  const memoryUsage = parseSingleNumber(files['memory.current']);
  if (usageUs === undefined || memoryUsage === undefined) return undefined;
  const memoryStat = parseKeyValues(files['memory.stat']);
  const events = parseKeyValues(files['memory.events']);
  return {
    cpuUsageSeconds: usageUs / 1e6,
    ...cfsThrottling(cpuStat, { key: 'throttled_usec', unitsPerSecond: 1e6 }),
    cpuLimitCores: parseCpuMax(files['cpu.max']),
    memoryUsageBytes: memoryUsage,
    memoryWorkingSetBytes: workingSetBytes(memoryUsage, optionalKey(memoryStat, 'inactive_file')),
    memoryRssBytes: optionalKey(memoryStat, 'anon'),
    memoryCacheBytes: optionalKey(memoryStat, 'file'),
    // "max" is not a number, so reads as undefined, which is what no limit is.
    memoryLimitBytes: parseSingleNumber(files['memory.max']),
    oomKills: optionalKey(events, 'oom_kill'),
    source: 'cgroup-v2',
  };
}

/**
 * `cpu.max` is "$MAX $PERIOD" in µs; "max" means no limit. Either field not a kernel integer
 * reads as no limit known: Number() would take `1 1e-320` for an infinite limit, `1 1e400` for 0.
 */
export function parseCpuMax(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const fields = text.trim().split(/[ \t]+/);
  if (fields.length > 2) return undefined;
  const quota = parseKernelInteger(fields[0] ?? '');
  const periodUs = fields[1] === undefined ? 100_000 : parseKernelInteger(fields[1]);
  return quota !== undefined && quota > 0 && periodUs !== undefined && periodUs > 0 ? quota / periodUs : undefined;
}
