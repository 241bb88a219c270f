/**
 * InfluxDB goes away for 60 s in the middle of a run and comes back: the collector keeps
 * collecting, buffers (within its bound), says so once when InfluxDB goes and once when it
 * returns, and loses no point. Uses its own influxd, so it can be stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxConnection } from '../../common/influx/config.js';
import { influxQuery, seriesRows } from '../../common/influx/query.js';
import type { RunningCollector } from '../../collector/runtime.js';
import { ensureBaseImage, newRunId, removeRunContainers, startContainer } from './support/dockerFixtures.js';
import { PrivateInfluxd } from './support/influxd.js';
import { capturingLogger, runCollector } from './support/runCollector.js';

const runId = newRunId('swout');
const outageMs = 60_000;
const bufferBound = 2000;
let influxd: PrivateInfluxd;
let running: RunningCollector;
let connection: InfluxConnection;
const { logger, lines } = capturingLogger('info');
const moments: Record<string, number> = {};
let bufferedAtPeak = 0;

beforeAll(async () => {
  await ensureBaseImage();
  influxd = await PrivateInfluxd.create();
  await influxd.start();
  await Promise.all(
    ['a', 'b'].map((name) => startContainer({ runId, name, script: 'setInterval(() => {}, 1000)', cpus: 0.2, memoryBytes: 64 * 1024 * 1024, labels: { 'scalewright.service': `${runId}-idle` } })),
  );
  ({ running, connection } = await runCollector(influxd.url, 'outage', logger, { COLLECTOR_BUFFER_POINTS: String(bufferBound), COLLECTOR_REQUIRE_LABEL: `scalewright.test=${runId}` }));
  await sleep(5000);
  moments.stopped = Date.now();
  await influxd.stop();
  await sleep(outageMs);
  bufferedAtPeak = running.writer.stats().bufferedPoints;
  await influxd.start();
  moments.restarted = Date.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (running.writer.stats().bufferedPoints > 10 || !running.writer.stats().reachable)) await sleep(250);
  moments.drained = Date.now();
  await sleep(3000);
  await running.stop();
}, 180_000);

afterAll(async () => {
  await running?.stop().catch(() => undefined);
  await removeRunContainers(runId);
  await influxd?.destroy();
});

describe('InfluxDB stopped for 60 s during a run', () => {
  it('keeps collecting into the buffer while InfluxDB is away', () => {
    // 2 containers + 1 service row per second, for 60 s: well inside the bound.
    expect(bufferedAtPeak).toBeGreaterThan(150);
    expect(bufferedAtPeak).toBeLessThanOrEqual(bufferBound);
  });

  it('says once, clearly, when InfluxDB goes and when it comes back', () => {
    const gone = lines.filter((line) => String(line.msg).startsWith('influxdb unreachable'));
    const back = lines.filter((line) => String(line.msg).startsWith('influxdb reachable again'));
    expect(gone).toHaveLength(1);
    expect(back).toHaveLength(1);
    expect(gone[0]?.level).toBe(40);
    expect(Number(back[0]?.outageSeconds)).toBeGreaterThanOrEqual(outageMs / 1000 - 5);
    expect(back[0]?.droppedDuringOutage).toBe(0);
  });

  it('sends the backlog within seconds of InfluxDB returning', () => {
    expect((moments.drained ?? 0) - (moments.restarted ?? 0)).toBeLessThan(15_000);
  });

  it('loses no point: every container has one point per second across the outage, and nothing was dropped', async () => {
    expect(running.writer.stats().droppedPoints).toBe(0);
    const [result] = await influxQuery(connection, `SELECT memory_usage_bytes FROM container_stats WHERE service = '${runId}-idle' GROUP BY container`);
    const series = result?.series ?? [];
    expect(series).toHaveLength(2);
    for (const one of series) {
      const times = seriesRows([one]).map((row) => Number(row.time));
      const first = times[0] ?? 0;
      const last = times[times.length - 1] ?? 0;
      expect(first).toBeLessThan(moments.stopped ?? 0);
      expect(last).toBeGreaterThan(moments.restarted ?? 0);
      // One per interval (1 s), no holes: the outage window is fully covered.
      expect(times.length).toBe((last - first) / 1000 + 1);
    }
  });
});
