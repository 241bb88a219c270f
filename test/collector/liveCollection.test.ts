/**
 * The collector against real containers, the real Docker engine (cgroup v1 here) and the real
 * InfluxDB: what it records must match what the containers are known to do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxConnection } from '../../common/influx/config.js';
import { influxQuery, seriesRows } from '../../common/influx/query.js';
import type { RunningCollector } from '../../collector/runtime.js';
import { docker, ensureBaseImage, newRunId, removeRunContainers, scripts, startContainer } from './support/dockerFixtures.js';
import { capturingLogger, runCollector } from './support/runCollector.js';

const runId = newRunId('swcol');
const service = (name: string) => `${runId}-${name}`;
const MiB = 1024 * 1024;
const held = 256 * MiB;
const allocateAfterMs = 7000;

let running: RunningCollector;
let connection: InfluxConnection;
let selfMetrics = '';
const times: Record<string, number> = {};
/** The burners' own accounts of their CPU time, at two moments of the run. */
const selfReports: Record<string, Array<{ at: number; cpuSeconds: number }>> = { capped: [], steady: [] };

async function selfReportedCpu(name: string): Promise<{ at: number; cpuSeconds: number }> {
  const info = await docker.getContainer(`${runId}-${name}`).inspect();
  const address = Object.values(info.NetworkSettings.Networks).map((network) => network.IPAddress).find(Boolean);
  const before = Date.now();
  const { cpuSeconds } = (await fetch(`http://${address}:9101/`).then((r) => r.json())) as { cpuSeconds: number };
  return { at: (before + Date.now()) / 2, cpuSeconds };
}

async function rows(query: string): Promise<Array<Record<string, unknown>>> {
  const [result] = await influxQuery(connection, query);
  return seriesRows(result?.series ?? []);
}

const numbers = (list: Array<Record<string, unknown>>, field: string) => list.map((row) => row[field]).filter((value): value is number => typeof value === 'number');
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

beforeAll(async () => {
  await ensureBaseImage();
  const { logger } = capturingLogger('warn');
  const labels = (name: string, extra: Record<string, string> = {}) => ({ 'scalewright.service': service(name), ...extra });
  await Promise.all([
    startContainer({ runId, name: 'capped', script: scripts.hungryBurner, cpus: 0.5, labels: labels('capped', { 'scalewright.managed': 'true' }) }),
    // A limit small enough to be hit even when other load on the host slows everything down.
    startContainer({ runId, name: 'throttled', script: scripts.hungryBurner, cpus: 0.05, labels: labels('throttled') }),
    startContainer({ runId, name: 'steady', script: scripts.steadyBurner(0.25), cpus: 1, labels: labels('steady') }),
    startContainer({ runId, name: 'memory', script: scripts.memoryHolder(held, allocateAfterMs), memoryBytes: 1024 * MiB, labels: labels('memory') }),
    startContainer({ runId, name: 'oom', script: scripts.oomChild, memoryBytes: 96 * MiB, memorySwapBytes: 96 * MiB, labels: labels('oom') }),
    startContainer({ runId, name: 'web-1', script: scripts.metricsServer, labels: labels('web', { 'scalewright.metrics.port': '9100', 'scalewright.replica': '1' }) }),
  ]);
  ({ running, connection } = await runCollector(process.env.INFLUX_URL ?? '', `t_${runId.replace(/-/g, '_')}`, logger, { COLLECTOR_REQUIRE_LABEL: `scalewright.test=${runId}` }));
  await sleep(3000);
  for (const name of ['capped', 'steady']) selfReports[name]?.push(await selfReportedCpu(name));
  await sleep(9000);
  for (const name of ['capped', 'steady']) selfReports[name]?.push(await selfReportedCpu(name));
  // A replica that appears while the collector runs, and goes again.
  const second = await startContainer({ runId, name: 'web-2', script: scripts.metricsServer, labels: labels('web', { 'scalewright.metrics.port': '9100', 'scalewright.replica': '2' }) });
  times.secondStarted = Date.parse(((await second.inspect()) as { State: { StartedAt: string } }).State.StartedAt);
  await sleep(5000);
  await second.stop({ t: 0 });
  times.secondStopped = Date.now();
  await sleep(3000);
  selfMetrics = await fetch(`http://127.0.0.1:${running.port}/metrics`).then((r) => r.text());
  await running.writer.flush();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await removeRunContainers(runId);
});

const statsOf = (name: string, fields = '*') => rows(`SELECT ${fields} FROM container_stats WHERE service = '${service(name)}' AND time > now() - 10m`);

describe('CPU, read from cgroup v1', () => {
  /**
   * The CPU a container used, by the collector's cgroup reading and by the container's own
   * getrusage. The cumulative counters are compared at the moment the container reported (the
   * recorded series interpolated there), so other load on this 2-core machine, which can hold a
   * container well below its nominal share, does not blur the comparison; the rates are printed.
   */
  async function recordedAndSelf(name: string) {
    const [first, last] = selfReports[name] as [{ at: number; cpuSeconds: number }, { at: number; cpuSeconds: number }];
    const data = await rows(`SELECT * FROM container_stats WHERE service = '${service(name)}'`);
    const totals = data.filter((row) => typeof row.cpu_usage_seconds_total === 'number') as Array<{ time: number; cpu_usage_seconds_total: number }>;
    const after = totals.findIndex((row) => row.time > last.at);
    const [a, b] = [totals[after - 1], totals[after]] as [{ time: number; cpu_usage_seconds_total: number }, { time: number; cpu_usage_seconds_total: number }];
    const recordedTotal = a.cpu_usage_seconds_total + ((b.cpu_usage_seconds_total - a.cpu_usage_seconds_total) * (last.at - a.time)) / (b.time - a.time);
    const window = data.filter((row) => Number(row.time) > first.at + 1000 && Number(row.time) <= last.at);
    return {
      recordedTotal,
      selfTotal: last.cpuSeconds,
      recordedCores: mean(numbers(window, 'cpu_usage_cores')),
      selfCores: (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000),
      window,
    };
  }

  it('records a container wanting a whole core under a 0.5-core limit: its CPU within 5%, never above the limit', async () => {
    const { recordedTotal, selfTotal, recordedCores, selfCores, window } = await recordedAndSelf('capped');
    console.info(`capped burner: ${recordedTotal.toFixed(3)} s recorded, ${selfTotal.toFixed(3)} s by its own account; ${recordedCores.toFixed(3)} cores recorded, ${selfCores.toFixed(3)} by its own account, limit 0.5`);
    expect(Math.abs(recordedTotal / selfTotal - 1)).toBeLessThan(0.05);
    expect(Math.max(...numbers(window, 'cpu_usage_cores'))).toBeLessThanOrEqual(0.5 * 1.05);
    expect(numbers(window, 'cpu_limit_cores').every((value) => value === 0.5)).toBe(true);
    expect(mean(numbers(window, 'cpu_fraction_of_limit'))).toBeCloseTo(recordedCores / 0.5, 9);
  });

  it('records a container burning 0.25 cores under a 1-core limit: its CPU within 5%', async () => {
    const { recordedTotal, selfTotal, recordedCores, selfCores, window } = await recordedAndSelf('steady');
    console.info(`steady burner: ${recordedTotal.toFixed(3)} s recorded, ${selfTotal.toFixed(3)} s by its own account; ${recordedCores.toFixed(3)} cores recorded, ${selfCores.toFixed(3)} by its own account, aiming at 0.25`);
    expect(Math.abs(recordedTotal / selfTotal - 1)).toBeLessThan(0.05);
    expect(numbers(window, 'cpu_limit_cores').every((value) => value === 1)).toBe(true);
  });

  it('shows throttling when a container wants more than its limit', async () => {
    const data = (await statsOf('throttled')).slice(3);
    expect(mean(numbers(data, 'cpu_throttled_fraction'))).toBeGreaterThan(0.3);
    expect(mean(numbers(data, 'cpu_throttled_seconds_per_second'))).toBeGreaterThan(0);
    expect(mean(numbers(data, 'cpu_usage_cores'))).toBeLessThanOrEqual(0.05 * 1.05);
  });
});

describe('memory, read from cgroup v1', () => {
  it('records 256 MiB held by a container as working-set growth of 256 MiB (within 5%), against its 1 GiB limit', async () => {
    const data = await statsOf('memory', 'memory_working_set_bytes, memory_limit_bytes, memory_fraction_of_limit, memory_rss_bytes');
    const series = numbers(data, 'memory_working_set_bytes');
    const before = series[2] ?? 0;
    const after = series[series.length - 1] ?? 0;
    expect(Math.abs((after - before) / held - 1)).toBeLessThan(0.05);
    expect(numbers(data, 'memory_limit_bytes')[0]).toBe(1024 * MiB);
    const lastFraction = numbers(data, 'memory_fraction_of_limit').at(-1) ?? 0;
    expect(lastFraction).toBeCloseTo(after / (1024 * MiB), 6);
    expect(numbers(data, 'memory_rss_bytes').at(-1) ?? 0).toBeGreaterThan(held);
  });

  it('shows an OOM kill inside a container', async () => {
    const data = await statsOf('oom', 'oom_kills_total');
    expect(Math.max(...numbers(data, 'oom_kills_total'))).toBeGreaterThanOrEqual(1);
  });
});

describe('request metrics, scraped from /metrics', () => {
  it('turns counters into per-second rates: 20 requests/s with 2 errors/s (within 5%)', async () => {
    const data = (await rows(`SELECT * FROM container_requests WHERE service = '${service('web')}' AND replica = '1'`)).slice(2);
    expect(data.length).toBeGreaterThan(10);
    expect(Math.abs(mean(numbers(data, 'requests_per_second')) / 20 - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean(numbers(data, 'errors_per_second')) / 2 - 1)).toBeLessThan(0.05);
    expect(numbers(data, 'scrape_up').every((up) => up === 1)).toBe(true);
  });

  it('estimates latency quantiles from histogram buckets (p95 of 90% fast / 10% slow is 0.75 s)', async () => {
    const data = (await rows(`SELECT * FROM container_requests WHERE service = '${service('web')}' AND replica = '1'`)).slice(2);
    expect(mean(numbers(data, 'latency_p95_seconds'))).toBeGreaterThan(0.6);
    expect(mean(numbers(data, 'latency_p95_seconds'))).toBeLessThan(0.9);
    expect(mean(numbers(data, 'latency_p50_seconds'))).toBeGreaterThan(0.05);
    expect(mean(numbers(data, 'latency_p50_seconds'))).toBeLessThan(0.1);
  });

  it('reads queue depth and job times', async () => {
    const data = (await rows(`SELECT * FROM container_requests WHERE service = '${service('web')}' AND replica = '1'`)).slice(2);
    expect(numbers(data, 'queue_depth_jobs').every((depth) => depth === 7)).toBe(true);
    expect(Math.abs(mean(numbers(data, 'jobs_per_second')) / 2 - 1)).toBeLessThan(0.1);
    const jobP95 = mean(numbers(data, 'job_duration_p95_seconds'));
    expect(jobP95).toBeGreaterThan(1);
    expect(jobP95).toBeLessThanOrEqual(2.5);
  });

  it('sums replicas into the service row: 2 replicas at ~40 requests/s while the second runs', async () => {
    const data = await rows(`SELECT replicas, requests_per_second FROM service_stats WHERE service = '${service('web')}'`);
    const withTwo = data.filter((row) => row.replicas === 2);
    expect(withTwo.length).toBeGreaterThanOrEqual(3);
    // The intervals in which the second replica starts or stops are partial: the steady ones count.
    const rates = numbers(withTwo.slice(1, -1), 'requests_per_second');
    expect(Math.abs(median(rates) / 40 - 1)).toBeLessThan(0.1);
  });
});

describe('following Docker events', () => {
  it('measures a new replica from its first interval, and stops measuring it when it stops', async () => {
    const cgroupRows = await rows(`SELECT cpu_usage_cores, memory_working_set_bytes FROM container_stats WHERE service = '${service('web')}' AND replica = '2'`);
    const first = cgroupRows[0];
    expect(first).toBeDefined();
    expect(Number(first?.time) - (times.secondStarted ?? 0)).toBeLessThanOrEqual(2000);
    expect(typeof first?.cpu_usage_cores).toBe('number');
    const requestRows = await rows(`SELECT requests_per_second FROM container_requests WHERE service = '${service('web')}' AND replica = '2'`);
    expect(typeof requestRows[0]?.requests_per_second).toBe('number');
    const after = cgroupRows.filter((row) => Number(row.time) > (times.secondStopped ?? 0) + 1000 && row.memory_working_set_bytes !== null);
    expect(after).toEqual([]);
  });
});

describe("the collector's own /metrics", () => {
  it('exposes scrape duration, points written, write errors, buffer fill and dropped points', () => {
    for (const name of ['collector_scrape_duration_seconds_bucket', 'collector_points_written_total', 'collector_write_errors_total', 'collector_buffer_points', 'collector_buffer_fill_ratio', 'collector_dropped_points_total', 'collector_targets']) {
      expect(selfMetrics).toContain(name);
    }
    expect(Number(/^collector_points_written_total (\d+)/m.exec(selfMetrics)?.[1])).toBeGreaterThan(50);
    expect(/^collector_dropped_points_total (\d+)/m.exec(selfMetrics)?.[1]).toBe('0');
  });
});
