/**
 * The collector's start-up when InfluxDB does not answer or its port is taken: /healthz answers
 * while the schema setup waits (one bounded attempt, then retried in the background), points wait
 * for a database not created yet, and a busy --port ends it with one line.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorCommand } from '../../collector/command.js';
import { freePort } from '../../common/freePort.js';
import type { InfluxConnection } from '../../common/influx/config.js';
import { influxQuery, seriesRows } from '../../common/influx/query.js';
import { ensureInfluxSchemaInBackground } from '../../common/influx/setup.js';
import { InfluxWriter } from '../../common/influx/writer.js';
import { busyPort, capturingStderr, silentServer } from '../support/failingDependencies.js';
import { capturingLogger, runCollector } from './support/runCollector.js';

const runId = randomUUID().slice(0, 8);
const retention = { rawDuration: '7d', historyPolicy: 'history', historyDuration: '90d', downsampleEvery: '1m' };
const influx: InfluxConnection = { url: process.env.INFLUX_URL ?? '', database: `startup_${runId}`, retentionPolicy: '', auth: { kind: 'none' } };

async function databases(): Promise<string[]> {
  const [result] = await influxQuery(influx, 'SHOW DATABASES', { database: '', retentionPolicy: '' });
  return seriesRows(result?.series ?? []).map((row) => String(row.name));
}

async function eventually(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('collector start-up', () => {
  const savedLevel = process.env.LOG_LEVEL;
  beforeAll(() => {
    process.env.LOG_LEVEL = 'silent';
  });
  afterAll(() => {
    if (savedLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = savedLevel;
  });

  it('--port already in use: one line naming it, exit 1, and no signal handler left behind', async () => {
    const busy = await busyPort();
    // The command handles SIGTERM and SIGINT from its start (a signal during start-up stops it cleanly); a start that fails removes them again.
    const handlers = () => [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const before = handlers();
    try {
      const { stderr, exitCode } = await capturingStderr(() =>
        collectorCommand().exitOverride().parseAsync(['--port', String(busy.port), '--host', '127.0.0.1', '--require-label', `scalewright.test.run=${runId}`], { from: 'user' }),
      );
      expect(exitCode).toBe(1);
      expect(stderr).toBe(`error: port ${busy.port} is already in use (--port)\n`);
      expect(handlers()).toEqual(before);
    } finally {
      await busy.close();
    }
  });

  it('answers /healthz while the schema setup waits on an InfluxDB that does not answer, then warns and starts collecting', async () => {
    const silent = await silentServer();
    const port = await freePort();
    const { logger, lines } = capturingLogger('warn');
    // The timeout is long: the setup is cut short by hanging up, not by waiting for it.
    const starting = runCollector(silent.url, `startup_${runId}`, logger, { COLLECTOR_PORT: String(port), INFLUX_TIMEOUT_MS: '60000', COLLECTOR_REQUIRE_LABEL: `scalewright.test.run=${runId}` });
    try {
      await eventually(async () => silent.connections() > 0);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(lines).toEqual([]);
      silent.hangUp();
      await starting;
      expect(lines.find((line) => String(line.msg).startsWith('influxdb not answering: schema setup'))).toMatchObject({ url: silent.url });
    } finally {
      await silent.close();
      await (await starting).running.stop();
    }
  });
});

describe('InfluxDB not answering when the collector starts', () => {
  it('the schema setup is retried in the background until InfluxDB answers', async () => {
    // Hangs up on every request while "down"; passes them on to the real influxd once up.
    let down = true;
    const proxy = createServer((req, res) => {
      if (down) return req.socket.destroy();
      const target = new URL(process.env.INFLUX_URL ?? '');
      const forward = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const connection = { ...influx, url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, retentionPolicy: 'raw' };
    const { logger, lines } = capturingLogger('warn');
    const schema = await ensureInfluxSchemaInBackground(connection, retention, logger, { retryMinMs: 50, retryMaxMs: 200 });
    try {
      expect(lines.filter((line) => String(line.msg).startsWith('influxdb not answering: schema setup'))).toHaveLength(1);
      expect(await databases()).not.toContain(influx.database);
      down = false;
      await eventually(async () => (await databases()).includes(influx.database));
      // One warning when it started, not one per retry.
      expect(lines.filter((line) => String(line.msg).startsWith('influxdb not answering'))).toHaveLength(1);
    } finally {
      schema.stop();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('points written before their database exists wait for it instead of being dropped', async () => {
    const { logger } = capturingLogger('fatal');
    const connection = { ...influx, database: `later_${runId}` };
    const writer = new InfluxWriter(connection, { logger, retryMinMs: 10, retryMaxMs: 10 });
    try {
      writer.writeLines(['m v=1', 'm v=2']);
      await writer.flush();
      expect(writer.stats()).toMatchObject({ droppedPoints: 0, bufferedPoints: 2, pointsWritten: 0, reachable: false });
      await influxQuery(connection, `CREATE DATABASE "${connection.database}"`, { write: true, database: '', retentionPolicy: '' });
      await eventually(async () => {
        await writer.flush();
        return writer.stats().pointsWritten === 2;
      });
      expect(writer.stats()).toMatchObject({ droppedPoints: 0, bufferedPoints: 0, reachable: true });
    } finally {
      await writer.close(0);
    }
  });
});
