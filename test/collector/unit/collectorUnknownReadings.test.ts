import type { Point } from '@influxdata/influxdb-client';
import { describe, expect, it, vi } from 'vitest';
import { toLine } from '../../../common/influx/writer.js';
import type { CgroupFileReader } from '../../../collector/cgroupReader.js';
import type { CgroupReadings } from '../../../collector/cgroupSample.js';
import { Collector } from '../../../collector/collector.js';
import type { ContainerEvent, ContainerSource } from '../../../collector/dockerSource.js';
import type { DockerStatsAnswer } from '../../../collector/dockerStatsReadings.js';
import { parseTargetLabels } from '../../../collector/labels.js';
import { defaultRequestMetricNames } from '../../../collector/requestMetrics.js';
import type { MetricsScraper } from '../../../collector/scraper.js';
import { createSelfMetrics } from '../../../collector/selfMetrics.js';
import type { Target } from '../../../collector/target.js';
import { capturingLogger } from '../support/runCollector.js';

/**
 * The Collector, with Docker and the cgroup files replaced by fixed answers, on readings that
 * cannot be told: what it writes, and what it leaves out rather than write as a number.
 */

const labels = parseTargetLabels({ 'scalewright.service': 'web' });
if (!labels) throw new Error('the service label is not read');
const target: Target = { id: 'a'.repeat(64), name: 'web-1', pid: 0, ip: undefined, labels, cpuLimitCores: undefined };

const cgroupReading: CgroupReadings = {
  cpuUsageSeconds: 1,
  cpuPeriods: 0,
  cpuThrottledPeriods: 0,
  cpuThrottledSeconds: 0,
  cpuLimitCores: undefined,
  memoryUsageBytes: 1000,
  memoryWorkingSetBytes: 900,
  memoryRssBytes: 800,
  memoryCacheBytes: 100,
  memoryLimitBytes: undefined,
  oomKills: 0,
  source: 'cgroup-v2',
};

/**
 * A collector of one container: its cgroup read as `reading`, or unseen and read through
 * `dockerStats`, on an engine whose `docker info` gives `hostMemoryBytes` (or fails).
 */
function collectorOf(options: { reading?: CgroupReadings; dockerStats?: DockerStatsAnswer; hostMemoryBytes?: number | 'docker info fails' }) {
  const lines: string[] = [];
  let onEvent: ((event: ContainerEvent) => void) | undefined;
  const source: ContainerSource = {
    listRunning: async () => [target],
    inspect: async () => target,
    watch: (listener) => {
      onEvent = listener;
      return () => undefined;
    },
    stats: async () => options.dockerStats ?? {},
    hostName: async () => 'host-1',
    hostMemoryBytes: async () => {
      if (options.hostMemoryBytes === 'docker info fails') throw new Error('docker info failed');
      return options.hostMemoryBytes;
    },
  };
  const cgroups = {
    locate: async () => (options.reading ? { version: 2 as const, dir: target.id } : undefined),
    read: async () => options.reading,
    forget: () => undefined,
    close: () => undefined,
  } as unknown as CgroupFileReader;
  const metrics = createSelfMetrics(() => ({ pointsWritten: 0, writeRequests: 0, writeErrors: 0, droppedPoints: 0, bufferedPoints: 0, bufferCapacity: 1, reachable: true }));
  const collector = new Collector({
    source,
    cgroups,
    scraper: {} as MetricsScraper,
    sink: { write: (points: readonly Point[]) => lines.push(...points.map((point) => toLine(point) ?? '')) },
    metrics,
    logger: capturingLogger('fatal').logger,
    intervalMs: 3_600_000,
    resyncMs: 60_000,
    metricNames: defaultRequestMetricNames,
    dockerStatsFallback: true,
  });
  /** Sends a Docker event and waits until the collector has acted on it. */
  const event = async (action: ContainerEvent['action']) => {
    onEvent?.({ action, id: target.id });
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { collector, lines, metrics, event };
}

/** Runs `body` against a started collector of one container (see collectorOf), after one collection pass. */
async function afterOnePass(options: Parameters<typeof collectorOf>[0], body: (running: ReturnType<typeof collectorOf>) => Promise<void>): Promise<void> {
  const running = collectorOf(options);
  try {
    await running.collector.start();
    await running.collector.collectOnce(new Date(0));
    await body(running);
  } finally {
    await running.collector.stop();
  }
}

describe('the collector, on readings it cannot tell', () => {
  it('regression: writes no container point from a Docker stats answer with a negative memory usage (it was written as -5 bytes), and counts it as a failed reading', async () => {
    await afterOnePass({ dockerStats: { cpu_stats: { cpu_usage: { total_usage: 1_000_000_000 } }, memory_stats: { usage: -5 } } }, async ({ lines, metrics }) => {
      expect(lines.filter((line) => line.startsWith('container_stats'))).toEqual([]);
      expect(lines).toContain('service_stats,host=host-1,service=web replicas=1i,replicas_read=0i,replicas_with_cpu_usage=0i 0');
      expect((await metrics.cgroupErrors.get()).values[0]?.value).toBeGreaterThanOrEqual(1);
    });
  });

  it('leaves out the OOM count of a container whose memory.events is garbled, in its point, its service\'s, and its last point when it stops', async () => {
    await afterOnePass({ reading: { ...cgroupReading, oomKills: undefined } }, async ({ collector, lines, event }) => {
      expect(lines.some((line) => line.includes('oom_kills_total'))).toBe(false);
      await event('die');
      expect(collector.watchedIds()).toEqual([]);
      expect(lines.some((line) => line.includes('oom_kills_total'))).toBe(false);
    });
  });

  it('still records the kill Docker saw end a container whose memory.events is garbled', async () => {
    await afterOnePass({ reading: { ...cgroupReading, oomKills: undefined } }, async ({ lines, event }) => {
      await event('oom');
      await event('die');
      await vi.waitFor(() => expect(lines.some((line) => /^container_stats,.* oom_kills_total=1i /.test(line))).toBe(true));
    });
  });
});

describe('the collector, reading a container through the Docker stats API', () => {
  const hostMemory = 25_275_990_016;
  const answerWithLimit = (limit: number): DockerStatsAnswer => ({ cpu_stats: { cpu_usage: { total_usage: 1_000_000_000 } }, memory_stats: { usage: 50_000_000, limit } });
  const containerLines = (lines: readonly string[]) => lines.filter((line) => line.startsWith('container_stats'));

  it('regression: writes no memory limit for a container without one, which the stats API gives as the host\'s memory (it was written as a limit, and the working set as a tiny fraction of it)', async () => {
    await afterOnePass({ dockerStats: answerWithLimit(hostMemory), hostMemoryBytes: hostMemory }, async ({ lines }) => {
      expect(containerLines(lines)).toHaveLength(1);
      expect(lines.some((line) => /memory_limit_bytes|memory_fraction_of_limit/.test(line))).toBe(false);
    });
  });

  it('writes the memory limit of a container that has one below the host\'s memory', async () => {
    await afterOnePass({ dockerStats: answerWithLimit(268_435_456), hostMemoryBytes: hostMemory }, async ({ lines }) => {
      expect(containerLines(lines)[0]).toMatch(/memory_limit_bytes=268435456i/);
    });
  });

  it('still reads the container when docker info fails, taking the reported limit as it stands (the host\'s memory cannot be told from a limit then)', async () => {
    await afterOnePass({ dockerStats: answerWithLimit(hostMemory), hostMemoryBytes: 'docker info fails' }, async ({ lines }) => {
      expect(containerLines(lines)[0]).toMatch(new RegExp(`memory_limit_bytes=${hostMemory}i`));
    });
  });
});
