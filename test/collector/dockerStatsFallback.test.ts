/**
 * The collector reading real containers through the Docker stats API (the fallback for when it
 * cannot see the cgroup files), against the real Docker engine and the real InfluxDB. The
 * fallback is forced by pointing COLLECTOR_CGROUP_ROOT where no cgroup hierarchy is mounted.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxConnection } from '../../common/influx/config.js';
import { influxQuery, seriesRows } from '../../common/influx/query.js';
import type { RunningCollector } from '../../collector/runtime.js';
import { docker, ensureBaseImage, newRunId, removeRunContainers, startContainer } from './support/dockerFixtures.js';
import { capturingLogger, runCollector } from './support/runCollector.js';

const runId = newRunId('swfb');
const service = (name: string) => `${runId}-${name}`;
const MiB = 1024 * 1024;
const idle = 'setInterval(() => {}, 1000);';

let running: RunningCollector;
let connection: InfluxConnection;
let warnings: Array<Record<string, unknown>> = [];
/** What dockerd's stats API gives as the limit of the container started without one, and the engine's memory. */
let reportedUnlimited = 0;
let hostMemory = 0;

async function rows(query: string): Promise<Array<Record<string, unknown>>> {
  const [result] = await influxQuery(connection, query);
  return seriesRows(result?.series ?? []);
}

beforeAll(async () => {
  await ensureBaseImage();
  const captured = capturingLogger('warn');
  warnings = captured.lines;
  const labels = (name: string) => ({ 'scalewright.service': service(name) });
  const [unlimited] = await Promise.all([
    startContainer({ runId, name: 'unlimited', script: idle, labels: labels('unlimited') }),
    startContainer({ runId, name: 'limited', script: idle, memoryBytes: 256 * MiB, labels: labels('limited') }),
  ]);
  const answer = (await unlimited.stats({ stream: false })) as { memory_stats?: { limit?: number } };
  reportedUnlimited = answer.memory_stats?.limit ?? 0;
  hostMemory = ((await docker.info()) as { MemTotal?: number }).MemTotal ?? 0;
  ({ running, connection } = await runCollector(process.env.INFLUX_URL ?? '', `t_${runId.replace(/-/g, '_')}`, captured.logger, {
    COLLECTOR_REQUIRE_LABEL: `scalewright.test=${runId}`,
    // No cgroup hierarchy is mounted under a folder that does not exist: every container is read through Docker.
    COLLECTOR_CGROUP_ROOT: join(tmpdir(), `${runId}-no-cgroups`),
    // A stats answer takes Docker about a second to sample.
    COLLECTOR_INTERVAL_MS: '2000',
  }));
  await sleep(9000);
  await running.writer.flush();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await removeRunContainers(runId);
});

const statsOf = (name: string) => rows(`SELECT * FROM container_stats WHERE service = '${service(name)}' AND time > now() - 10m`);

describe('the Docker stats API fallback, on a real engine', () => {
  it('is what the collector used: every container point says it is not from the cgroup files', async () => {
    expect(warnings.some((line) => String(line.msg).startsWith('cgroup files not visible for container'))).toBe(true);
    for (const name of ['unlimited', 'limited']) {
      const data = await statsOf(name);
      expect(data.length, name).toBeGreaterThanOrEqual(2);
      expect(data.every((row) => row.from_cgroup === 0), name).toBe(true);
    }
  });

  it('is given the host\'s memory by dockerd as the limit of a container without one', () => {
    // The premise of the next test: dockerd reports min(cgroup limit, machine memory).
    expect(hostMemory).toBeGreaterThan(0);
    expect(reportedUnlimited).toBe(hostMemory);
  });

  it('regression: records no memory limit for a container without one, in its points and its service\'s (the host\'s memory was recorded as its limit)', async () => {
    const data = await statsOf('unlimited');
    expect(data.every((row) => typeof row.memory_usage_bytes === 'number')).toBe(true);
    // A field no point of the series has reads as null (or is not a column at all).
    expect(data.map((row) => row.memory_limit_bytes ?? null)).toEqual(data.map(() => null));
    expect(data.map((row) => row.memory_fraction_of_limit ?? null)).toEqual(data.map(() => null));
    const serviceRows = await rows(`SELECT memory_limit_bytes, replicas FROM service_stats WHERE service = '${service('unlimited')}'`);
    expect(serviceRows.length).toBeGreaterThanOrEqual(2);
    expect(serviceRows.map((row) => row.memory_limit_bytes ?? null)).toEqual(serviceRows.map(() => null));
  });

  it('records the memory limit of a container that has one: 256 MiB, the working set a fraction of it', async () => {
    const data = await statsOf('limited');
    expect(data.map((row) => row.memory_limit_bytes)).toEqual(data.map(() => 256 * MiB));
    for (const row of data) expect(row.memory_fraction_of_limit).toBeCloseTo(Number(row.memory_working_set_bytes) / (256 * MiB), 9);
  });
});
