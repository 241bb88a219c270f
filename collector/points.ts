import { Point } from '@influxdata/influxdb-client';
import { ContainerRequestsField as R, ContainerStatsField as C, Measurement, ServiceStatsField as S, Tag } from '../common/influx/schema.js';
import type { ContainerStats } from './containerStats.js';
import type { RequestStats } from './requestMetrics.js';
import type { ServiceStats } from './serviceStats.js';
import { replicaOf, type Target } from './target.js';

/** Tags every per-container point carries. */
export function containerTags(target: Target, host: string): Record<string, string> {
  return {
    [Tag.service]: target.labels.service,
    [Tag.container]: target.name,
    [Tag.containerId]: target.id.slice(0, 12),
    [Tag.replica]: replicaOf(target),
    [Tag.managed]: String(target.labels.managed),
    [Tag.host]: host,
  };
}

export function containerStatsPoint(tags: Record<string, string>, stats: ContainerStats, fromCgroup: boolean, time: Date): Point {
  const point = withTags(new Point(Measurement.containerStats), tags).timestamp(time);
  floats(point, {
    [C.cpuUsageCores]: stats.cpuUsageCores,
    [C.cpuLimitCores]: stats.cpuLimitCores,
    [C.cpuFractionOfLimit]: stats.cpuFractionOfLimit,
    [C.cpuThrottledFraction]: stats.cpuThrottledFraction,
    [C.cpuThrottledSecondsPerSecond]: stats.cpuThrottledSecondsPerSecond,
    [C.cpuUsageSecondsTotal]: stats.cpuUsageSecondsTotal,
    [C.memoryFractionOfLimit]: stats.memoryFractionOfLimit,
  });
  ints(point, {
    [C.memoryUsageBytes]: stats.memoryUsageBytes,
    [C.memoryWorkingSetBytes]: stats.memoryWorkingSetBytes,
    [C.memoryRssBytes]: stats.memoryRssBytes,
    [C.memoryCacheBytes]: stats.memoryCacheBytes,
    [C.memoryLimitBytes]: stats.memoryLimitBytes,
    [C.oomKillsTotal]: stats.oomKillsTotal,
    [C.fromCgroup]: fromCgroup ? 1 : 0,
  });
  return point;
}

export function containerRequestsPoint(tags: Record<string, string>, requests: RequestStats | undefined, scrapeSeconds: number, time: Date): Point {
  const point = withTags(new Point(Measurement.containerRequests), tags).timestamp(time);
  floats(point, { [R.scrapeDurationSeconds]: scrapeSeconds });
  ints(point, { [R.scrapeUp]: requests ? 1 : 0 });
  if (!requests) return point;
  floats(point, {
    [R.requestsPerSecond]: requests.requestsPerSecond,
    [R.errorsPerSecond]: requests.errorsPerSecond,
    [R.errorFraction]: requests.errorFraction,
    [R.latencyP50Seconds]: requests.latencyP50Seconds,
    [R.latencyP95Seconds]: requests.latencyP95Seconds,
    [R.latencyP99Seconds]: requests.latencyP99Seconds,
    [R.inFlightRequests]: requests.inFlightRequests,
    [R.queueDepthJobs]: requests.queueDepthJobs,
    [R.jobsPerSecond]: requests.jobsPerSecond,
    [R.jobDurationP95Seconds]: requests.jobDurationP95Seconds,
    [R.jobLeadTimeP95Seconds]: requests.jobLeadTimeP95Seconds,
  });
  return point;
}

export function serviceStatsPoint(stats: ServiceStats, host: string, time: Date): Point {
  const point = new Point(Measurement.serviceStats).tag(Tag.service, stats.service).tag(Tag.host, host).timestamp(time);
  ints(point, { [S.replicas]: stats.replicas, [S.memoryWorkingSetBytes]: stats.memoryWorkingSetBytes, [S.memoryLimitBytes]: stats.memoryLimitBytes, [S.oomKillsTotal]: stats.oomKillsTotal });
  floats(point, {
    [S.cpuUsageCores]: stats.cpuUsageCores,
    [S.cpuLimitCores]: stats.cpuLimitCores,
    [S.cpuFractionOfLimit]: stats.cpuFractionOfLimit,
    [S.cpuFractionOfLimitMax]: stats.cpuFractionOfLimitMax,
    [S.cpuThrottledFraction]: stats.cpuThrottledFraction,
    [S.memoryFractionOfLimitMax]: stats.memoryFractionOfLimitMax,
    [S.requestsPerSecond]: stats.requestsPerSecond,
    [S.errorsPerSecond]: stats.errorsPerSecond,
    [S.errorFraction]: stats.errorFraction,
    [S.latencyP50Seconds]: stats.latencyP50Seconds,
    [S.latencyP95Seconds]: stats.latencyP95Seconds,
    [S.latencyP99Seconds]: stats.latencyP99Seconds,
    [S.queueDepthJobs]: stats.queueDepthJobs,
    [S.jobsPerSecond]: stats.jobsPerSecond,
    [S.jobDurationP95Seconds]: stats.jobDurationP95Seconds,
    [S.jobLeadTimeP95Seconds]: stats.jobLeadTimeP95Seconds,
  });
  return point;
}

function withTags(point: Point, tags: Record<string, string>): Point {
  // Line protocol cannot carry an empty tag value; such a tag is left out.
  for (const [key, value] of Object.entries(tags)) if (value !== '') point.tag(key, value);
  return point;
}

/** Float fields: every value is written as a float so a field never changes type between points. */
function floats(point: Point, fields: Record<string, number | undefined>): void {
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && Number.isFinite(value)) point.floatField(name, value);
}

/** Integer fields (bytes, counts): always integers, for the same reason. */
function ints(point: Point, fields: Record<string, number | undefined>): void {
  // Outside InfluxDB's int64 `intField` throws, which failed the whole collection pass (every
  // container's points) over one absurd reading (a sum of exabyte limits, a garbled cgroup file):
  // such a value is left out like a non-finite one, "could not tell".
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && Number.isFinite(value) && Math.abs(value) < 2 ** 63) point.intField(name, Math.round(value));
}
