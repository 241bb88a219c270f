import { describe, expect, it } from 'vitest';
import { toLine } from '../../../common/influx/writer.js';
import type { ContainerStats } from '../../../collector/containerStats.js';
import { parseEvent, targetFromInspect } from '../../../collector/dockerSource.js';
import { parseTargetLabels } from '../../../collector/labels.js';
import { containerRequestsPoint, containerStatsPoint, containerTags, serviceStatsPoint } from '../../../collector/points.js';
import type { RequestStats } from '../../../collector/requestMetrics.js';
import { type ServiceStats, summariseServices } from '../../../collector/serviceStats.js';

const stats = (cpu: number, limit: number | undefined, ws: number, memLimit: number | undefined): ContainerStats => ({
  cpuUsageCores: cpu,
  cpuLimitCores: limit,
  cpuFractionOfLimit: limit ? cpu / limit : undefined,
  cpuThrottledFraction: limit ? 0.5 : undefined,
  cpuThrottledSecondsPerSecond: undefined,
  cpuUsageSecondsTotal: 10,
  memoryUsageBytes: ws,
  memoryWorkingSetBytes: ws,
  memoryRssBytes: ws,
  memoryCacheBytes: 0,
  memoryLimitBytes: memLimit,
  memoryFractionOfLimit: memLimit ? ws / memLimit : undefined,
  oomKillsTotal: 1,
});

const requests = (rps: number, fast: number, slow: number): RequestStats => ({
  requestsPerSecond: rps,
  errorsPerSecond: rps / 10,
  errorFraction: 0.1,
  latencyP50Seconds: undefined,
  latencyP95Seconds: undefined,
  latencyP99Seconds: undefined,
  inFlightRequests: 1,
  queueDepthJobs: 5,
  jobsPerSecond: undefined,
  jobDurationP95Seconds: undefined,
  jobLeadTimeP95Seconds: undefined,
  latencyIncrease: new Map([[0.1, fast], [1, fast + slow], [Number.POSITIVE_INFINITY, fast + slow]]),
  jobDurationIncrease: new Map(),
  jobLeadTimeIncrease: new Map(),
});

describe('service rows from replicas', () => {
  it('sums usage and limits, takes the worst fraction, and merges histograms for quantiles', () => {
    const [row] = summariseServices([
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: requests(10, 90, 0) },
      { service: 'web', stats: stats(0.2, 0.5, 150, 200), requests: requests(30, 0, 10) },
    ]);
    expect(row).toMatchObject({ service: 'web', replicas: 2, cpuLimitCores: 1, memoryWorkingSetBytes: 250, memoryLimitBytes: 400, memoryFractionOfLimitMax: 0.75, requestsPerSecond: 40, errorsPerSecond: 4, queueDepthJobs: 5, oomKillsTotal: 2 });
    expect(row?.cpuUsageCores).toBeCloseTo(0.6, 12);
    expect(row?.cpuFractionOfLimit).toBeCloseTo(0.6, 12);
    expect(row?.cpuFractionOfLimitMax).toBeCloseTo(0.8, 12);
    // 100 requests merged: 90 fast, 10 slow → p95 at 0.1 + 0.9 × (5 / 10).
    expect(row?.latencyP95Seconds).toBeCloseTo(0.55, 12);
  });

  it('regression: leaves the service working set and OOM count out when one replica\'s is unknown (a garbled cgroup key), rather than the others\' sum', () => {
    // A partial sum dropped for an interval and came back: an OOM count that rises again is a new kill to the scaler.
    const unknown = { ...stats(0.2, 0.5, 150, 200), memoryWorkingSetBytes: undefined, memoryFractionOfLimit: undefined, oomKillsTotal: undefined };
    const [row] = summariseServices([
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: unknown, requests: undefined },
    ]);
    expect(row).toMatchObject({ replicas: 2, memoryWorkingSetBytes: undefined, oomKillsTotal: undefined, memoryLimitBytes: 400, memoryFractionOfLimitMax: 0.5 });
    expect(toLine(serviceStatsPoint(row!, 'h', new Date(0)))).not.toMatch(/memory_working_set_bytes|oom_kills_total/);
  });

  it('takes the throttled fraction as the mean over the replicas that have one (unknown for a garbled nr_throttled, as without a quota)', () => {
    const [row] = summariseServices([
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: { ...stats(0.4, 0.5, 100, 200), cpuThrottledFraction: 0.1 }, requests: undefined },
      { service: 'web', stats: { ...stats(0.4, 0.5, 100, 200), cpuThrottledFraction: undefined }, requests: undefined },
    ]);
    expect(row?.cpuThrottledFraction).toBeCloseTo(0.3, 12);
  });

  /** A replica read this interval without a CPU usage: no earlier reading to take a rate from. */
  const withoutCpuUsage = (limit: number | undefined): ContainerStats => ({ ...stats(0, limit, 100, 200), cpuUsageCores: undefined, cpuFractionOfLimit: undefined, cpuThrottledFraction: undefined });

  it('regression: a replica without a CPU usage this interval leaves the service CPU fraction that of the others (its limit, set against no usage, lowered it by ~1/n after each scale-out: falling load to the scaler)', () => {
    const read = [
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: stats(0.2, 0.5, 100, 200), requests: undefined },
    ];
    const [before] = summariseServices(read);
    const [afterScaleOut] = summariseServices([...read, { service: 'web', stats: withoutCpuUsage(0.5), requests: undefined }]);
    expect(before?.cpuFractionOfLimit).toBeCloseTo(0.6, 12);
    expect(afterScaleOut?.cpuFractionOfLimit).toBeCloseTo(0.6, 12);
    // The sums keep their meaning: the CPU used by the replicas that have a usage, the limits of all read.
    expect(afterScaleOut?.cpuUsageCores).toBeCloseTo(0.6, 12);
    expect(afterScaleOut?.cpuLimitCores).toBeCloseTo(1.5, 12);
    expect(afterScaleOut?.replicas).toBe(3);
  });

  it('says how many replicas each sum covers: those read (limits, memory) and those with a CPU usage, apart from every replica watched', () => {
    const [row] = summariseServices([
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: withoutCpuUsage(0.5), requests: undefined },
      { service: 'web', stats: undefined, requests: undefined },
    ]);
    expect(row).toMatchObject({ replicas: 3, replicasRead: 2, replicasWithCpuUsage: 1 });
    expect(toLine(serviceStatsPoint(row as ServiceStats, 'h', new Date(0)))).toMatch(/replicas=3i,replicas_read=2i,replicas_with_cpu_usage=1i/);
  });

  it('with every replica read, the service CPU fraction is their usage over their limits', () => {
    const [row] = summariseServices([
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: stats(0.2, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: stats(0.3, 1, 100, 200), requests: undefined },
    ]);
    expect(row?.cpuFractionOfLimit).toBeCloseTo(0.9 / 2, 12);
  });

  it('has no service CPU fraction when a replica with a usage is unlimited, or when no replica has a usage; an unlimited one without a usage leaves the others\' fraction', () => {
    const limited = { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined };
    expect(summariseServices([limited, { service: 'web', stats: stats(0.2, undefined, 100, 200), requests: undefined }])[0]?.cpuFractionOfLimit).toBeUndefined();
    expect(summariseServices([{ service: 'web', stats: withoutCpuUsage(0.5), requests: undefined }])[0]?.cpuFractionOfLimit).toBeUndefined();
    const [row] = summariseServices([limited, { service: 'web', stats: withoutCpuUsage(undefined), requests: undefined }]);
    expect(row?.cpuFractionOfLimit).toBeCloseTo(0.8, 12);
    expect(row?.cpuLimitCores).toBeUndefined();
  });

  it('leaves the service limit out when one replica is unlimited (a sum would lie)', () => {
    const [row] = summariseServices([
      { service: 'web', stats: stats(0.4, 0.5, 100, 200), requests: undefined },
      { service: 'web', stats: stats(0.2, undefined, 100, undefined), requests: undefined },
    ]);
    expect(row?.cpuLimitCores).toBeUndefined();
    expect(row?.memoryLimitBytes).toBeUndefined();
    expect(row?.requestsPerSecond).toBeUndefined();
  });
});

describe('line protocol', () => {
  it('writes a container point with its tags, floats for ratios and integers for bytes and counts, in ms', () => {
    const target = { id: 'f'.repeat(64), name: 'web-1', pid: 1, ip: undefined, cpuLimitCores: 0.5, labels: { service: 'web', managed: true, metrics: undefined, replica: '1' } };
    const line = toLine(containerStatsPoint(containerTags(target, 'host a'), stats(0.25, 0.5, 1024, 4096), true, new Date(1_700_000_000_123)));
    expect(line).toBe(
      'container_stats,container=web-1,container_id=ffffffffffff,host=host\\ a,managed=true,replica=1,service=web ' +
        'cpu_fraction_of_limit=0.5,cpu_limit_cores=0.5,cpu_throttled_fraction=0.5,cpu_usage_cores=0.25,cpu_usage_seconds_total=10,from_cgroup=1i,' +
        'memory_cache_bytes=0i,memory_fraction_of_limit=0.25,memory_limit_bytes=4096i,memory_rss_bytes=1024i,memory_usage_bytes=1024i,memory_working_set_bytes=1024i,oom_kills_total=1i ' +
        '1700000000123',
    );
  });
});

describe('line protocol: what could not be told, and the request fields', () => {
  it('writes a container point without the fields its cgroup could not tell (working set, RSS, cache, OOM count), never as 0', () => {
    const unknown: ContainerStats = { ...stats(0.25, 0.5, 1024, 4096), memoryWorkingSetBytes: undefined, memoryRssBytes: undefined, memoryCacheBytes: undefined, memoryFractionOfLimit: undefined, oomKillsTotal: undefined };
    expect(toLine(containerStatsPoint({ service: 'web' }, unknown, true, new Date(0)))).toBe(
      'container_stats,service=web cpu_fraction_of_limit=0.5,cpu_limit_cores=0.5,cpu_throttled_fraction=0.5,cpu_usage_cores=0.25,cpu_usage_seconds_total=10,from_cgroup=1i,memory_limit_bytes=4096i,memory_usage_bytes=1024i 0',
    );
  });

  it('writes the request signals under the same names in a replica\'s point and its service\'s, the names the dashboards and the scaler read', () => {
    const signals = { requestsPerSecond: 1, errorsPerSecond: 2, errorFraction: 3, latencyP50Seconds: 4, latencyP95Seconds: 5, latencyP99Seconds: 6, queueDepthJobs: 7, jobsPerSecond: 8, jobDurationP95Seconds: 9, jobLeadTimeP95Seconds: 10 };
    const replica: RequestStats = { ...signals, inFlightRequests: 11, latencyIncrease: new Map(), jobDurationIncrease: new Map(), jobLeadTimeIncrease: new Map() };
    expect(toLine(containerRequestsPoint({ service: 'web' }, replica, 0.5, new Date(0)))).toBe(
      'container_requests,service=web error_fraction=3,errors_per_second=2,in_flight_requests=11,job_duration_p95_seconds=9,job_lead_time_p95_seconds=10,jobs_per_second=8,' +
        'latency_p50_seconds=4,latency_p95_seconds=5,latency_p99_seconds=6,queue_depth_jobs=7,requests_per_second=1,scrape_duration_seconds=0.5,scrape_up=1i 0',
    );
    expect(toLine(serviceStatsPoint({ ...signals, service: 'web', replicas: 2 } as ServiceStats, 'h', new Date(0)))).toBe(
      'service_stats,host=h,service=web error_fraction=3,errors_per_second=2,job_duration_p95_seconds=9,job_lead_time_p95_seconds=10,jobs_per_second=8,' +
        'latency_p50_seconds=4,latency_p95_seconds=5,latency_p99_seconds=6,queue_depth_jobs=7,replicas=2i,requests_per_second=1 0',
    );
  });
});

describe('labels and Docker', () => {
  it('watches only containers with a service label, and reads where their metrics are', () => {
    expect(parseTargetLabels({ 'com.docker.compose.service': 'x' })).toBeUndefined();
    expect(parseTargetLabels({ 'scalewright.service': 'web', 'scalewright.metrics.port': '8080', 'scalewright.managed': 'true', 'com.docker.compose.container-number': '3' })).toEqual({
      service: 'web',
      managed: true,
      metrics: { port: 8080, path: '/metrics' },
      replica: '3',
    });
    expect(parseTargetLabels({ 'scalewright.service': 'web', 'scalewright.metrics.port': 'nope' })?.metrics).toBeUndefined();
  });

  it('reads container events of the kinds it follows', () => {
    expect(parseEvent('{"Type":"container","Action":"start","Actor":{"ID":"abc"}}')).toEqual({ action: 'start', id: 'abc' });
    expect(parseEvent('{"Type":"container","Action":"oom","Actor":{"ID":"abc"}}')).toEqual({ action: 'oom', id: 'abc' });
    expect(parseEvent('{"Type":"container","Action":"exec_start: sh","Actor":{"ID":"abc"}}')).toBeUndefined();
    expect(parseEvent('not json')).toBeUndefined();
  });

  it('takes the address on the preferred network and the CPU limit from NanoCpus', () => {
    const target = targetFromInspect(
      {
        Id: 'abc',
        Name: '/web-1',
        State: { Running: true, Pid: 42 },
        Config: { Labels: { 'scalewright.service': 'web' } },
        HostConfig: { NanoCpus: 1_500_000_000 },
        NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' }, app: { IPAddress: '10.0.0.5' } } },
      },
      'app',
    );
    expect(target).toMatchObject({ name: 'web-1', pid: 42, ip: '10.0.0.5', cpuLimitCores: 1.5 });
  });
});
