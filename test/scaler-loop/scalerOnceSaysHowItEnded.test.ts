/**
 * `scaler --once` says how its pass ended, and nothing after it: an action that failed fails the
 * pass (exit 1, its last line naming the service and why), a Redis that refuses is said so in its
 * own words and costs no wait, a `--retention-policy` the database does not have is refused
 * (exit 2) instead of created and made the default, and a `--service` the platform does not
 * manage is said plainly, with nothing recorded for it. The long-running loop warns once where a
 * tick would repeat itself (an unknown `--service`, a service's invalid policy), and `--dry-run`
 * records a bridge change proposed every second once.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { influxQuery, seriesRows, type InfluxConnection } from '../../common/influx/index.js';
import { quoteIdentifier } from '../../common/influx/influxql.js';
import type { Actuator } from '../../scaler/actuators/actuator.js';
import { ActuatorError } from '../../scaler/actuators/actuator.js';
import { scalerCommand } from '../../scaler/command.js';
import { ScalerLoop } from '../../scaler/loop/controller.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { scalerMetrics } from '../../scaler/loop/metrics.js';
import { startScaler } from '../../scaler/loop/runtime.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { capturingStderr } from '../support/failingDependencies.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { burstRows, burstServiceState, now, steadyValues } from './support/burstScenario.js';
import { capturingLogger, privateDatabase, selectRows, writeLines } from './support/influx.js';
import { scalerLoopOptions } from './support/loopOptions.js';

const runId = randomUUID().slice(0, 8);
const database = `once_ended_${runId}`;
let connection: InfluxConnection;
let redis: PrivateRedis;

beforeAll(async () => {
  connection = await privateDatabase(database);
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** A platform that records what it is asked, `web` (2 replicas, 40 requests/s each) its one service unless told. */
function platform(overrides: Partial<Actuator> = {}): Actuator {
  return {
    kind: 'swarm', // replicas only: one action, no start-up bridge
    listServices: async () => ['web'],
    observe: async (service) => burstServiceState(service),
    tidy: async () => 0,
    setReplicas: async () => undefined,
    setLimits: async () => undefined,
    ...overrides,
  };
}

/** The burst of `burstScenario`, ending now, as the collector writes it: `web` is to scale out. */
async function writeBurst(service: string): Promise<void> {
  const end = Date.now();
  await writeLines(connection, burstRows.map((row, i) => {
    const fields = Object.entries({ ...steadyValues, requests_per_second: row.values.requests_per_second as number }).map(([k, v]) => `${k}=${k === 'replicas' ? `${v}i` : v}`).join(',');
    return `service_stats,service=${service} ${fields} ${end - (burstRows.length - 1 - i) * 1000}`;
  }));
}

const onceConfig = (env: Record<string, string>) => loadScalerConfig({ ...process.env, INFLUX_DB: database, REDIS_URL: '', SCALER_ONCE: 'true', ...env });

describe('scaler --once: an action that failed fails the pass', () => {
  it('the summary says failed with the error, the last line names the service and why, exit 1; the action is counted failed', async () => {
    await writeBurst('web');
    const { logger, lines } = capturingLogger('info');
    const actuator = platform({ setReplicas: async (service) => { throw new ActuatorError(`${service}: no running replica to copy`); } });
    const running = await startScaler(onceConfig({ SCALER_SERVICES: 'web' }), logger, actuator);
    expect(running.onceFailure).toBe('the action on web (scale_out) failed: no running replica to copy');
    const last = lines.at(-1) as Record<string, unknown>;
    expect(last).toMatchObject({ level: 50, msg: 'scaler --once: the action on web (scale_out) failed: no running replica to copy', services: [{ service: 'web', outcome: 'failed', error: 'web: no running replica to copy' }] });
  });

  it('in the loop, `applied` means started: the evaluation counts applied, the action failed, and actionFailure says why once it ended', async () => {
    const metrics = scalerMetrics();
    const actuator = platform({ setReplicas: async () => { throw new ActuatorError('web: no running replica to copy'); } });
    const loop = new ScalerLoop(scalerLoopOptions({ actuator, readWindow: async () => ({ ok: true, window: serviceWindowFrom(burstRows) }), dryRun: false, metrics, now: () => now }));
    expect(await loop.tick()).toEqual([expect.objectContaining({ service: 'web', outcome: 'applied' })]);
    await loop.settle();
    expect(loop.actionFailure('web')).toBe('web: no running replica to copy');
    const evaluations = (await metrics.evaluations.get()).values.map((v) => [v.labels.outcome, v.value]);
    const actions = (await metrics.actions.get()).values.map((v) => [v.labels.action, v.labels.result, v.value]);
    expect(evaluations).toEqual([['applied', 1]]);
    expect(actions).toEqual([['scale_out', 'failed', 1]]);
  });
});

describe('scaler --once: Redis problems end with the final line', () => {
  it('a Redis that refuses: said as refused (no client jargon), nothing logged after the final line, no wait', async () => {
    const port = await freePort();
    const { logger, lines } = capturingLogger('info');
    const started = Date.now();
    const running = await startScaler(onceConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, SCALER_DRY_RUN: 'true' }), logger, platform());
    const why = `the lease is not held: Redis at 127.0.0.1:${port}: lease acquire (INCR scalewright:scaler:lease:fence) failed: connect ECONNREFUSED 127.0.0.1:${port}`;
    expect(running.onceFailure).toBe(why);
    expect(Date.now() - started).toBeLessThan(1500);
    // What is still pending on the client would be said within its deadline (5 s) and ioredis's own.
    await new Promise((resolve) => setTimeout(resolve, 6500));
    expect(lines.at(-1)).toMatchObject({ msg: `scaler --once: the pass could not evaluate: ${why}` });
    expect(JSON.stringify(lines)).not.toMatch(/max retries|maxRetriesPerRequest|did not answer/);
  }, 15_000);

  it('another instance holds the lease: the final line is the last, no "Connection is closed" after it', async () => {
    const key = `scalewright:test:${runId}:held`;
    const { Redis } = await import('ioredis');
    const other = new Redis(redis.url);
    await other.set(key, 'another-instance:1', 'PX', 60_000);
    const { logger, lines } = capturingLogger('info');
    const running = await startScaler(onceConfig({ REDIS_URL: redis.url, SCALER_LEASE_KEY: key, SCALER_LEASE_TTL_MS: '3000', SCALER_DRY_RUN: 'true' }), logger, platform());
    expect(running.onceFailure).toBe('the lease is not held (another instance holds it, or Redis is unreachable)');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(lines.at(-1)).toMatchObject({ msg: `scaler --once: the pass could not evaluate: ${running.onceFailure}` });
    expect(await other.get(key)).toBe('another-instance:1');
    other.disconnect();
  });
});

describe('scaler: a --retention-policy the database does not have', () => {
  const scaler = (args: string[]) => capturingStderr(() => scalerCommand().exitOverride().parseAsync(['--dry-run', '--require-label', `scalewright.test.run=${runId}`, ...args], { from: 'user' }));
  const policies = async (db: string) => {
    const [result] = await influxQuery(connection, `SHOW RETENTION POLICIES ON ${quoteIdentifier(db)}`, { retentionPolicy: '' });
    return seriesRows(result?.series ?? []).map((row) => `${String(row.name)}${row.default === true ? ' (default)' : ''}`);
  };

  it('--once: refused with exit 2 and one line naming the policies it has; the database is left as it was', async () => {
    const before = await policies(database);
    const { exitCode, stderr } = await scaler(['--once', '--influx-db', database, '--retention-policy', 'rwa']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(`--retention-policy: database "${database}" has no retention policy "rwa" (it has: autogen, raw, history)\n`);
    expect(await policies(database)).toEqual(before);
    expect(before).toContain('raw (default)');
  });

  it('long-running: refused at the start the same way, exit 2, nothing left running', async () => {
    const { exitCode, stderr } = await scaler(['--influx-db', database, '--retention-policy', 'rwa', '--port', '0', '--host', '127.0.0.1']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(`--retention-policy: database "${database}" has no retention policy "rwa" (it has: autogen, raw, history)\n`);
  });

  it('long-running, InfluxDB away at the start: once it answers, said once, and the scaler stops to exit 2', async () => {
    // An InfluxDB that answers 503 at first (the setup is retried in the background), then as itself.
    let unavailable = true;
    const front = createServer((req, res) => {
      if (unavailable) return void res.writeHead(503).end('starting');
      // What the scaler writes meanwhile is not what is under test.
      if (req.url?.startsWith('/write')) return void req.resume().on('end', () => res.writeHead(204).end());
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void fetch(`${process.env.INFLUX_URL}${req.url}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? '') }, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) }).then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
        }, () => res.writeHead(502).end());
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const { logger, lines } = capturingLogger('info');
    try {
      const config = loadScalerConfig({ ...process.env, INFLUX_URL: `http://127.0.0.1:${(front.address() as AddressInfo).port}`, INFLUX_DB: database, INFLUX_RETENTION_POLICY: 'rwa', REDIS_URL: '', SCALER_DRY_RUN: 'true', SCALER_PORT: '0', SCALER_HOST: '127.0.0.1', SCALER_INTERVAL_SECONDS: '60' });
      const running = await startScaler(config, logger, platform());
      unavailable = false;
      const refused = await running.refused;
      await running.stop();
      const message = `--retention-policy: database "${database}" has no retention policy "rwa" (it has: autogen, raw, history)`;
      expect(refused?.message).toBe(message);
      expect(lines.filter((line) => line.level === 50).map((line) => line.msg)).toEqual([`${message}: stopping (exit 2)`]);
    } finally {
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('a database that does not exist yet (the scaler started before the collector): set up as before, the policy made its default', async () => {
    const fresh = `${database}_fresh`;
    const { exitCode } = await scaler(['--once', '--influx-db', fresh]);
    expect(exitCode).toBeUndefined();
    expect(await policies(fresh)).toEqual(['autogen', 'raw (default)', 'history']);
  });
});

describe('scaler: a --service the platform does not manage', () => {
  it('--once: said plainly, with the services it manages; exit 1; nothing recorded for it', async () => {
    const { logger, lines } = capturingLogger('info');
    const running = await startScaler(onceConfig({ SCALER_SERVICES: `nosuch${runId}`, SCALER_DRY_RUN: 'true' }), logger, platform({ listServices: async () => ['a', 'b'] }));
    const why = `--service nosuch${runId}: no managed service of that name on the platform (managed: a, b)`;
    expect(running.onceFailure).toBe(why);
    expect(lines.at(-1)).toMatchObject({ msg: `scaler --once: the pass could not evaluate: ${why}` });
    expect(await selectRows(connection, `SELECT * FROM scaler_decision WHERE service = 'nosuch${runId}'`)).toEqual([]);
    expect(lines.filter((line) => String(line.msg).includes('is the collector running'))).toEqual([]);
  });

  it('the loop: a warning once, not every tick; a service named beside it goes on; nothing asked of the platform or InfluxDB for it', async () => {
    const { logger, lines } = capturingLogger('info');
    const asked: string[] = [];
    const actuator = platform({
      observe: async (service) => {
        asked.push(`observe ${service}`);
        return burstServiceState(service);
      },
    });
    const loop = new ScalerLoop(scalerLoopOptions({
      actuator,
      readWindow: async (service) => {
        asked.push(`window ${service}`);
        return { ok: true, window: serviceWindowFrom(burstRows) };
      },
      readPredecessorRecords: async (service) => {
        asked.push(`records ${service}`);
        return { ok: true, records: { lastScaleOutAt: undefined, lastScaleInAt: undefined } };
      },
      dryRun: true,
      logger,
      services: ['web', 'wbe'],
      now: () => now,
    }));
    const first = await loop.tick();
    await loop.tick();
    expect(first.map((report) => [report.service, report.outcome])).toEqual([['web', 'dry_run'], ['wbe', 'not_managed']]);
    expect(lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual(['--service wbe: no managed service of that name on the platform (managed: web)']);
    expect(asked.filter((what) => what.endsWith('wbe'))).toEqual([]);
    expect(asked.filter((what) => what.endsWith('web'))).toEqual(['observe web', 'records web', 'window web', 'observe web', 'window web']);
  });
});

describe('the loop says a service\'s invalid policy when it starts or changes, not every tick', () => {
  it('three ticks of one bad label: one error line; another bad value: a second', async () => {
    const { logger, lines } = capturingLogger('info');
    let labels: Record<string, string> = { 'scalewright.min-replicas': 'many' };
    const actuator = platform({ observe: async (service) => ({ ...burstServiceState(service), labels }) });
    const metrics = scalerMetrics();
    const loop = new ScalerLoop(scalerLoopOptions({ actuator, readWindow: async () => ({ ok: true, window: serviceWindowFrom(burstRows) }), dryRun: true, logger, metrics, now: () => now }));
    for (let i = 0; i < 3; i++) await loop.tick();
    labels = { 'scalewright.min-replicas': 'lots' };
    await loop.tick();
    expect(lines.filter((line) => line.level === 50).length).toBe(2);
    expect((await metrics.evaluations.get()).values.map((v) => [v.labels.outcome, v.value])).toEqual([['config_error', 4]]);
  });
});

describe('--dry-run: a bridge change proposed every second is recorded once', () => {
  it('the same would-be scale_up, pass after pass: one line, one record, one count; a different one is new', async () => {
    const MiB = 2 ** 20;
    // Right-sized (the evaluation holds), then a burst in the newest second: the bridge would raise the CPU limit.
    const rightSized = { ...steadyValues, cpu_usage_cores: 0.8, memory_working_set_bytes: 2 * 225 * MiB, requests_per_second: 60 };
    const windowAt = (rps: number, end: number) => serviceWindowFrom(Array.from({ length: 300 }, (_, i) => ({ time: end - (299 - i) * 1000, values: { ...rightSized, requests_per_second: i === 299 ? rps : 60 } })));
    let clock = now;
    let window = windowAt(60, clock);
    const points: string[] = [];
    const { logger, lines } = capturingLogger('info');
    const metrics = scalerMetrics();
    const loop = new ScalerLoop(scalerLoopOptions({
      actuator: platform({ kind: 'docker', observe: async (service) => ({ ...burstServiceState(service), cpuLimitCores: 0.5 }) }),
      readWindow: async () => ({ ok: true, window }),
      dryRun: true,
      logger,
      metrics,
      write: (batch) => points.push(...batch.map((p) => p.toLineProtocol() ?? '')),
      now: () => clock,
    }));
    expect((await loop.tick())[0]?.outcome).toBe('hold');
    const passes: string[] = [];
    for (const [second, rps] of [[1, 300], [2, 300], [3, 300], [4, 400]] as const) {
      clock = now + second * 1000;
      window = windowAt(rps, clock);
      const [pass] = await loop.bridgeTick();
      passes.push(`${pass?.outcome} ${pass?.bridge?.to}`);
    }
    const recorded = points.filter((p) => p.startsWith('scaler_decision') && p.includes('dry_run=T'));
    const said = lines.filter((line) => String(line.msg).startsWith('dry-run: would'));
    const counted = (await metrics.actions.get()).values.map((v) => [v.labels.action, v.labels.result, v.value]);
    expect(passes[0]).toBe(passes[1]);
    expect(passes[1]).toBe(passes[2]);
    expect(passes[3]).not.toBe(passes[2]);
    expect(recorded).toHaveLength(2);
    expect(said).toHaveLength(2);
    expect(counted).toEqual([['scale_up', 'dry_run', 2]]);
  });
});
