import { Point } from '@influxdata/influxdb-client';
import { addFloatField, addIntegerField } from '../common/influx/numericFields.js';
import { ContainerRequestsField as R, ContainerStatsField as C, Measurement, RequestField, ServiceStatsField as S, Tag } from '../common/influx/schema.js';
import type { ContainerStats } from './containerStats.js';
import type { RequestSignals, RequestStats } from './requestMetrics.js';
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
  requestSignalFloats(point, requests);
  floats(point, { [R.inFlightRequests]: requests.inFlightRequests });
  return point;
}

export function serviceStatsPoint(stats: ServiceStats, host: string, time: Date): Point {
  const point = new Point(Measurement.serviceStats).tag(Tag.service, stats.service).tag(Tag.host, host).timestamp(time);
  ints(point, { [S.replicas]: stats.replicas, [S.replicasRead]: stats.replicasRead, [S.replicasWithCpuUsage]: stats.replicasWithCpuUsage, [S.memoryWorkingSetBytes]: stats.memoryWorkingSetBytes, [S.memoryLimitBytes]: stats.memoryLimitBytes, [S.oomKillsTotal]: stats.oomKillsTotal });
  floats(point, {
    [S.cpuUsageCores]: stats.cpuUsageCores,
    [S.cpuLimitCores]: stats.cpuLimitCores,
    [S.cpuFractionOfLimit]: stats.cpuFractionOfLimit,
    [S.cpuFractionOfLimitMax]: stats.cpuFractionOfLimitMax,
    [S.cpuThrottledFraction]: stats.cpuThrottledFraction,
    [S.memoryFractionOfLimitMax]: stats.memoryFractionOfLimitMax,
  });
  requestSignalFloats(point, stats);
  return point;
}

/**
 * Every request signal with the field it is written to, in a replica's point and in its
 * service's alike. Typed by the signals, so that a signal added without a field does not compile.
 */
const requestSignalFields: { readonly [K in keyof RequestSignals]: string } = RequestField;

function requestSignalFloats(point: Point, signals: RequestSignals): void {
  for (const key of Object.keys(requestSignalFields) as Array<keyof RequestSignals>) addFloatField(point, requestSignalFields[key], signals[key]);
}

function withTags(point: Point, tags: Record<string, string>): Point {
  // Line protocol cannot carry an empty tag value; such a tag is left out.
  for (const [key, value] of Object.entries(tags)) if (value !== '') point.tag(key, value);
  return point;
}

/** Float fields: every value is written as a float so a field never changes type between points. */
function floats(point: Point, fields: Record<string, number | undefined>): void {
  // A value InfluxDB cannot store is left out ("could not tell") rather than failing the whole
  // collection pass, every container's points, over one absurd reading (numericFields.ts).
  for (const [name, value] of Object.entries(fields)) addFloatField(point, name, value);
}

/** Integer fields (bytes, counts): always integers, for the same reason. */
function ints(point: Point, fields: Record<string, number | undefined>): void {
  for (const [name, value] of Object.entries(fields)) addIntegerField(point, name, value);
}
