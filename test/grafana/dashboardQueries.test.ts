/**
 * Every query of every dashboard, run against what the real collector wrote into the real
 * InfluxDB from real containers: each must return data. The scaler's measurements are written
 * here in their documented schema (common/influx/schema.ts), since the scaler is another part.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Point } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxQuery, seriesRows } from '../../common/influx/query.js';
import { Measurement, ScalerDecisionField, ScalerSignalField, Tag } from '../../common/influx/schema.js';
import type { InfluxConnection } from '../../common/influx/config.js';
import type { RunningCollector } from '../../collector/runtime.js';
import { ensureBaseImage, newRunId, removeRunContainers, scripts, startContainer } from '../collector/support/dockerFixtures.js';
import { capturingLogger, runCollector } from '../collector/support/runCollector.js';
import { allQueries, type DashboardQuery, loadDashboards, renderQuery } from './support/dashboards.js';

const runId = newRunId('swgrf');
const service = `${runId}-web`;
const containerNames = [`${runId}-web-1`, `${runId}-web-2`];
let running: RunningCollector;
let connection: InfluxConnection;

beforeAll(async () => {
  await ensureBaseImage();
  const labels = (replica: string) => ({ 'scalewright.service': service, 'scalewright.metrics.port': '9100', 'scalewright.managed': 'true', 'scalewright.replica': replica });
  await Promise.all(
    ['1', '2'].map((replica) =>
      startContainer({ runId, name: `web-${replica}`, script: scripts.metricsServer, cpus: 0.5, memoryBytes: 256 * 1024 * 1024, labels: labels(replica) }),
    ),
  );
  ({ running, connection } = await runCollector(process.env.INFLUX_URL ?? '', `g_${runId.replace(/-/g, '_')}`, capturingLogger('warn').logger, { COLLECTOR_REQUIRE_LABEL: `scalewright.test=${runId}` }));
  // What the scaler will write (its own issue): a signal per evaluation and one decision.
  const now = Date.now();
  const scalerPoints: Point[] = [];
  for (let i = 0; i < 8; i++) {
    scalerPoints.push(
      new Point(Measurement.scalerSignal).tag(Tag.service, service).tag(Tag.signal, 'cpu').timestamp(new Date(now - i * 1000))
        .floatField(ScalerSignalField.value, 0.6 + i / 100).floatField(ScalerSignalField.smoothed, 0.6).floatField(ScalerSignalField.target, 0.7)
        .floatField(ScalerSignalField.forecast, 0.65).floatField(ScalerSignalField.capacityFactor, 1 - i / 20).intField(ScalerSignalField.replicas, 2),
    );
  }
  scalerPoints.push(
    new Point(Measurement.scalerDecision).tag(Tag.service, service).tag(Tag.action, 'scale_out').timestamp(new Date(now - 3000))
      .intField(ScalerDecisionField.replicasBefore, 1).intField(ScalerDecisionField.replicasAfter, 2)
      .floatField(ScalerDecisionField.cpuLimitCoresBefore, 0.5).floatField(ScalerDecisionField.cpuLimitCoresAfter, 0.5)
      .intField(ScalerDecisionField.memoryLimitBytesBefore, 268435456).intField(ScalerDecisionField.memoryLimitBytesAfter, 268435456)
      .booleanField(ScalerDecisionField.dryRun, false).stringField(ScalerDecisionField.reason, 'cpu 0.86 of limit > target 0.70: ceil(1 × 0.86 / 0.70) = 2'),
  );
  running.writer.write(scalerPoints);
  await sleep(8000);
  await running.writer.flush();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await removeRunContainers(runId);
});

const queries: DashboardQuery[] = loadDashboards().flatMap(({ dashboard }) => allQueries(dashboard));

describe('every dashboard query returns data from a real collection run', () => {
  it('has queries to run', () => {
    expect(queries.length).toBeGreaterThan(40);
  });

  it.each(queries.map((query) => [`${query.dashboard}: ${query.where}`, query] as const))('%s', async (_, query) => {
    for (const interval of ['1s', '5s']) {
      const rendered = renderQuery(query.query, { range: '5m', interval, variables: { service: [service], container: containerNames } });
      const [result] = await influxQuery(connection, rendered);
      const rows = seriesRows(result?.series ?? []);
      const values = rows.flatMap((row) => Object.entries(row).filter(([key]) => key !== 'time').map(([, value]) => value));
      expect(values.filter((value) => value !== null && value !== undefined), `${rendered} returned no data`).not.toHaveLength(0);
      if (query.where.startsWith('variable $service')) expect(rows.map((row) => row.value)).toContain(service);
      if (query.where.startsWith('variable $container')) expect(rows.map((row) => row.value).sort()).toEqual(containerNames);
      // An annotation whose title or tags column is not in its result shows no title or tags.
      for (const column of query.columns ?? []) expect(rows.map((row) => row[column]), `${rendered}: column ${column}`).toContainEqual(expect.anything());
    }
  });
});
