/** The shared InfluxDB client (common/influx) against the real influxd of the test setup. */
import { createServer } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Point } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type InfluxConnection } from '../../common/influx/config.js';
import { freePort } from '../../common/freePort.js';
import { influxQuery, InfluxQueryError, queryRows, seriesRows } from '../../common/influx/query.js';
import { readContainerWindow, readServiceWindow, listServices } from '../../common/influx/readers.js';
import { continuousQueryStatement, downsampleSelect, ensureInfluxSchema, sameStatement } from '../../common/influx/setup.js';
import { InfluxWriter } from '../../common/influx/writer.js';
import { silentServer } from '../support/failingDependencies.js';
import { capturingLogger } from './support/runCollector.js';

const url = process.env.INFLUX_URL ?? '';
const database = `c_${Date.now()}`;
const connection: InfluxConnection = { url, database, retentionPolicy: 'raw', auth: { kind: 'none' } };
const retention = { rawDuration: '7d', historyPolicy: 'history', historyDuration: '90d', downsampleEvery: '1m' };

describe('schema setup', () => {
  it('creates the database, the raw (default) and history policies and the downsampling continuous query, idempotently', async () => {
    const { logger } = capturingLogger('warn');
    expect(await ensureInfluxSchema(connection, retention, logger)).toBe(true);
    expect(await ensureInfluxSchema(connection, { ...retention, rawDuration: '14d' }, logger)).toBe(true);
    const [policies] = await influxQuery(connection, `SHOW RETENTION POLICIES ON "${database}"`, { retentionPolicy: '' });
    const rows = seriesRows(policies?.series ?? []);
    expect(rows.find((row) => row.name === 'raw')).toMatchObject({ duration: '336h0m0s', default: true });
    expect(rows.find((row) => row.name === 'history')).toMatchObject({ duration: '2160h0m0s', default: false });
    const [queries] = await influxQuery(connection, 'SHOW CONTINUOUS QUERIES', { retentionPolicy: '' });
    const ours = seriesRows((queries?.series ?? []).filter((series) => series.name === database));
    expect(ours).toHaveLength(1);
    expect(sameStatement(String(ours[0]?.query), continuousQueryStatement(connection, retention))).toBe(true);
  });

  it('its downsampling statement averages raw points into the history policy', async () => {
    const { logger } = capturingLogger('warn');
    const writer = new InfluxWriter(connection, { logger });
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    writer.write([0, 1, 2, 3].map((i) => new Point('service_stats').tag('service', 'web').floatField('cpu_usage_cores', i).timestamp(new Date(minute + i * 1000))));
    await writer.flush();
    await influxQuery(connection, downsampleSelect(connection, retention, `time >= ${minute}ms AND time < ${minute + 60_000}ms`), { write: true });
    const rows = await queryRows(connection, 'SELECT mean_cpu_usage_cores FROM "history"."service_stats"', z.object({ time: z.number(), mean_cpu_usage_cores: z.number() }), { retentionPolicy: 'history' });
    expect(rows).toEqual([{ time: minute, mean_cpu_usage_cores: 1.5 }]);
  });
});

describe('writing and reading', () => {
  it('writes batches gzip-compressed, and reads them back as typed rows', async () => {
    const { logger } = capturingLogger('warn');
    const writer = new InfluxWriter(connection, { logger, batchSize: 100 });
    const now = Date.now();
    const points = Array.from({ length: 250 }, (_, i) => new Point('container_stats').tag('service', 'web').tag('container', `web-${i % 2}`).tag('replica', String(i % 2)).floatField('cpu_usage_cores', 0.5).intField('memory_working_set_bytes', i).timestamp(new Date(now - (250 - i) * 100)));
    writer.write(points);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ pointsWritten: 250, writeRequests: 3, droppedPoints: 0, bufferedPoints: 0, reachable: true });
    const rows = await queryRows(connection, `SELECT count(memory_working_set_bytes) AS n FROM container_stats WHERE time > now() - 1m`, z.object({ time: z.number(), n: z.number() }));
    expect(rows[0]?.n).toBe(250);
  });

  it('reads a service window and per-container windows for the scaler, with holes as null', async () => {
    const { logger } = capturingLogger('warn');
    const writer = new InfluxWriter(connection, { logger });
    const now = Date.now();
    writer.write([
      new Point('service_stats').tag('service', 'api').floatField('cpu_usage_cores', 1.5).intField('replicas', 3).timestamp(new Date(now - 2000)),
      new Point('service_stats').tag('service', 'api').intField('replicas', 3).timestamp(new Date(now - 1000)),
    ]);
    await writer.flush();
    const window = await readServiceWindow(connection, { service: 'api', fields: ['cpu_usage_cores', 'replicas'], windowSeconds: 60 });
    expect(window.map((row) => row.values)).toEqual([{ cpu_usage_cores: 1.5, replicas: 3 }, { cpu_usage_cores: null, replicas: 3 }]);
    const containers = await readContainerWindow(connection, 'container_stats', { service: 'web', fields: ['cpu_usage_cores'], windowSeconds: 60, bucketSeconds: 10 });
    expect(new Set(containers.map((row) => row.container))).toEqual(new Set(['web-0', 'web-1']));
    expect(await listServices(connection)).toContain('api');
  });

  it('throws on a wrong query rather than returning "no data"', async () => {
    await expect(influxQuery(connection, 'SELEKT 1')).rejects.toThrow();
    await expect(influxQuery(connection, 'SELECT x FROM "m" WHERE time > now() - foo')).rejects.toBeInstanceOf(InfluxQueryError);
  });
});

describe('while InfluxDB is unreachable', () => {
  it('keeps at most its bound of points, drops the oldest, counts them, and never throws at the caller', async () => {
    const { logger, lines } = capturingLogger('info');
    const closedPort = await freePort();
    const writer = new InfluxWriter({ ...connection, url: `http://127.0.0.1:${closedPort}` }, { logger, maxBufferedPoints: 10, retryMinMs: 10_000 });
    writer.write(Array.from({ length: 25 }, (_, i) => new Point('m').floatField('v', i)));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ bufferedPoints: 10, droppedPoints: 15, pointsWritten: 0, reachable: false, writeErrors: 1 });
    expect(lines.filter((line) => String(line.msg).startsWith('influxdb unreachable'))).toHaveLength(1);
    await writer.close(100);
  });

  it('counts a batch whose write is still hanging as buffered: it is not written yet', async () => {
    const { logger } = capturingLogger('fatal');
    // Accepts the connection and never answers: the batch sits in flight until the timeout.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const writer = new InfluxWriter({ ...connection, url: `http://127.0.0.1:${port}` }, { logger, requestTimeoutMs: 500, retryMinMs: 10_000 });
    writer.write(Array.from({ length: 7 }, (_, i) => new Point('m').floatField('v', i)));
    const sending = writer.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(writer.stats()).toMatchObject({ bufferedPoints: 7, pointsWritten: 0 });
    await sending;
    expect(writer.stats()).toMatchObject({ bufferedPoints: 7, pointsWritten: 0, reachable: false });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
    await writer.close(0);
  });

  it('drops a batch InfluxDB rejects whole as malformed (it cannot succeed on retry) and counts it', async () => {
    const { logger } = capturingLogger('fatal');
    const writer = new InfluxWriter(connection, { logger });
    // No line parses: influxd answers 400 `unable to parse …` with no count, and stores nothing.
    writer.writeLines(['malformed v=oops=', 'malformed,t=a\\ ']);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ pointsWritten: 0, droppedPoints: 2, writeErrors: 1, bufferedPoints: 0, reachable: true });
  });

  it('an InfluxDB that comes back and refuses the first batch it is sent is reachable again: it answered', async () => {
    const { logger, lines } = capturingLogger('info');
    const port = await freePort();
    const writer = new InfluxWriter({ ...connection, url: `http://127.0.0.1:${port}` }, { logger, retryMinMs: 1, retryMaxMs: 1 });
    writer.writeLines(['malformed v=oops=']);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ reachable: false, bufferedPoints: 1 });
    // The real influxd comes back behind that port.
    const upstream = new URL(url);
    const open = new Set<Socket>();
    const proxy = createNetServer((socket) => {
      const toInflux = connect(Number(upstream.port), upstream.hostname);
      open.add(socket).add(toInflux);
      socket.pipe(toInflux).pipe(socket);
      const end = () => { socket.destroy(); toInflux.destroy(); };
      socket.on('error', end);
      toInflux.on('error', end);
    });
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    try {
      await sleep(5);
      await writer.flush();
      expect(writer.stats()).toMatchObject({ reachable: true, droppedPoints: 1, bufferedPoints: 0 });
      expect(lines.filter((line) => line.msg === 'influxdb reachable again: sending buffered points')).toHaveLength(1);
    } finally {
      await writer.close(1000);
      // A kept-alive connection would hold close() for its idle timeout.
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('a partial write (one line conflicting with a stored point) counts the lines influxd stored as written, only the one it dropped as dropped', async () => {
    const { logger, lines } = capturingLogger('error');
    const writer = new InfluxWriter(connection, { logger });
    const start = Date.now() - 60_000;
    writer.writeLines([`partial v=1i ${start}`]);
    await writer.flush();
    // The fifth line's string cannot join the integers already stored: influxd drops it, stores the other 9.
    const batch = Array.from({ length: 10 }, (_, i) => (i === 4 ? `partial v="text" ${start + 1 + i}` : `partial v=${i}i ${start + 1 + i}`));
    writer.writeLines(batch);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ pointsWritten: 1 + 9, droppedPoints: 1, writeRequests: 2, writeErrors: 1, bufferedPoints: 0, reachable: true });
    const rows = await queryRows(connection, `SELECT count(v) AS n FROM partial WHERE time > ${start}ms`, z.object({ time: z.number(), n: z.number() }));
    expect(rows[0]?.n).toBe(9);
    expect(lines.filter((line) => line.dropped === 1 && line.written === 9)).toHaveLength(1);
  });
});

describe('closing the writer (the process is stopping)', () => {
  /** pino's number for `warn`. */
  const WARN = 40;
  const points = (count: number) => Array.from({ length: count }, (_, i) => new Point('m').floatField('v', i));

  it('close(timeoutMs) returns within about timeoutMs when InfluxDB never answers: the write in flight is aborted, not waited for its 10 s request timeout', async () => {
    const { logger, lines } = capturingLogger('info');
    const silent = await silentServer();
    try {
      const writer = new InfluxWriter({ ...connection, url: silent.url }, { logger, requestTimeoutMs: 10_000, retryMinMs: 10_000 });
      writer.write(points(7));
      const sending = writer.flush();
      await expect.poll(() => silent.requests()).toBe(1);
      // The collector goes on measuring while that batch hangs.
      writer.write(points(3));
      const started = Date.now();
      await writer.close(300);
      expect(Date.now() - started).toBeLessThan(1000);
      await sending;
      expect(writer.stats()).toMatchObject({ bufferedPoints: 10, pointsWritten: 0 });
      // One warning, the points it leaves behind; a request cut short by close is not an outage to report.
      const warnings = lines.filter((line) => line.level === WARN);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ unsent: 10, timeoutMs: 300, msg: 'influx writer closed with 10 points unsent after 300 ms: the process is stopping, so they are lost' });
    } finally {
      await silent.close();
    }
  });

  it('a batch in flight counts as unsent: close waits for it (within its time) and says it is lost, rather than returning at once in silence', async () => {
    const { logger, lines } = capturingLogger('info');
    const silent = await silentServer();
    try {
      const writer = new InfluxWriter({ ...connection, url: silent.url }, { logger, requestTimeoutMs: 10_000, retryMinMs: 10_000 });
      writer.write(points(7));
      void writer.flush();
      await expect.poll(() => silent.requests()).toBe(1);
      const started = Date.now();
      await writer.close(300);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(lines.filter((line) => line.level === WARN).map((line) => line.unsent)).toEqual([7]);
    } finally {
      await silent.close();
    }
  });

  it('close sends what is left when InfluxDB answers, and says nothing', async () => {
    const { logger, lines } = capturingLogger('info');
    const writer = new InfluxWriter(connection, { logger }).start();
    writer.write(points(5));
    await writer.close(5000);
    expect(writer.stats()).toMatchObject({ bufferedPoints: 0, pointsWritten: 5 });
    expect(lines.filter((line) => line.level === WARN)).toEqual([]);
  });
});
