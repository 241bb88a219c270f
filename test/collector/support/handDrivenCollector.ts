import type { Point } from '@influxdata/influxdb-client';
import type { CgroupFileReader } from '../../../collector/cgroupReader.js';
import { Collector } from '../../../collector/collector.js';
import type { ContainerSource } from '../../../collector/dockerSource.js';
import { defaultRequestMetricNames } from '../../../collector/requestMetrics.js';
import type { MetricsScraper } from '../../../collector/scraper.js';
import { createSelfMetrics } from '../../../collector/selfMetrics.js';
import type { Logger } from '../../../common/logger.js';
import { toLine } from '../../../common/influx/writer.js';
import { capturingLogger } from './runCollector.js';

/** No cgroup file to read: for a test about what else the collector does. */
export const noCgroups = { locate: async () => undefined, read: async () => undefined, forget: () => undefined, close: () => undefined } as unknown as CgroupFileReader;

/**
 * A collector over `source` driven by hand: its timers never fire within a test, so each pass is
 * the test's `collectOnce()`. What it writes is kept as line protocol in `lines`; by default it
 * reads no cgroup, scrapes nothing and logs nothing.
 */
export function handDrivenCollector(source: ContainerSource, parts: { cgroups?: CgroupFileReader; scraper?: MetricsScraper; logger?: Logger; dockerStatsFallback?: boolean } = {}): { collector: Collector; lines: string[] } {
  const lines: string[] = [];
  const collector = new Collector({
    source,
    cgroups: parts.cgroups ?? noCgroups,
    scraper: parts.scraper ?? ({} as MetricsScraper),
    sink: { write: (points: readonly Point[]) => lines.push(...points.map((point) => toLine(point) ?? '')) },
    metrics: createSelfMetrics(() => ({ pointsWritten: 0, writeRequests: 0, writeErrors: 0, droppedPoints: 0, bufferedPoints: 0, bufferCapacity: 1, reachable: true })),
    logger: parts.logger ?? capturingLogger('fatal').logger,
    intervalMs: 3_600_000,
    resyncMs: 3_600_000,
    metricNames: defaultRequestMetricNames,
    dockerStatsFallback: parts.dockerStatsFallback ?? false,
  });
  return { collector, lines };
}
