/**
 * The `scaler` command when a dependency cannot be reached. `--once` answers "what would you do
 * now?": exit 0 when the pass could evaluate, 1 when it could not (the lease not held, the platform
 * unreachable, or not one service evaluated because the platform or InfluxDB did not answer). An
 * InfluxDB that lets a request time out is asked nothing more in that pass. A busy --port ends the
 * scaler at once with one line, before anything else is started.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { scalerCommand } from '../../scaler/command.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { startScaler } from '../../scaler/loop/runtime.js';
import type { Actuator, ServiceState } from '../../scaler/actuators/actuator.js';
import { busyPort, capturingStderr, influxThatStopsAnswering, silentServer } from '../support/failingDependencies.js';
import { capturingLogger } from './support/influx.js';

const runId = randomUUID().slice(0, 8);
// Its own lease key, database and label, so that parallel suites sharing the test Redis, influxd and Docker are not touched.
const leaseKey = `scalewright:test:${runId}:lease`;
const base = ['--influx-db', `once_${runId}`, '--lease-key', leaseKey, '--require-label', `scalewright.test.run=${runId}`];
const scaler = (args: string[]) => capturingStderr(() => scalerCommand().exitOverride().parseAsync([...base, ...args], { from: 'user' }));

describe('scaler, when a dependency cannot be reached', () => {
  const saved = { LOG_LEVEL: process.env.LOG_LEVEL, INFLUX_TIMEOUT_MS: process.env.INFLUX_TIMEOUT_MS };
  let redis: Redis;
  beforeAll(() => {
    process.env.LOG_LEVEL = 'silent';
    process.env.INFLUX_TIMEOUT_MS = '500';
    redis = new Redis(process.env.REDIS_URL as string);
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    redis.disconnect();
  });

  it('--once exits 1 when the platform cannot be reached (Docker socket missing)', async () => {
    const { exitCode } = await scaler(['--once', '--dry-run', '--docker-socket', '/nonexistent/docker.sock']);
    expect(exitCode).toBe(1);
  });

  it('--once exits 1 when the Docker engine takes the request and never answers, after --platform-timeout of silence, not never', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'silent-dockerd-'));
    const engine = await silentServer({ socketPath: join(folder, 'docker.sock') });
    try {
      const { exitCode } = await scaler(['--once', '--dry-run', '--docker-socket', engine.url, '--platform-timeout', '1', '--drain', '0']);
      expect(exitCode).toBe(1);
      expect(engine.requests()).toBeGreaterThanOrEqual(1);
    } finally {
      await engine.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('--once exits 1 when Redis takes the lease\'s commands and never answers: the lease is not held, after a third of its TTL, not never', async () => {
    const silent = await silentServer();
    try {
      const { exitCode } = await scaler(['--once', '--dry-run', '--redis-url', `redis://127.0.0.1:${silent.port}`, '--lease-ttl', '1500']);
      expect(exitCode).toBe(1);
      expect(silent.requests()).toBeGreaterThanOrEqual(1);
    } finally {
      await silent.close();
    }
  });

  it('--once says it started before the pass, and after the pass why it failed', async () => {
    const { logger, lines } = capturingLogger('info');
    const config = loadScalerConfig({ ...process.env, INFLUX_DB: `once_${runId}`, REDIS_URL: '', SCALER_ONCE: 'true', SCALER_DRY_RUN: 'true', DOCKER_SOCKET: '/nonexistent/docker.sock' });
    const running = await startScaler(config, logger);
    // The engine and the request it could not be asked, not node's bare "connect ENOENT".
    const why = 'cannot list managed services from the platform: Docker engine at /nonexistent/docker.sock: GET /containers/json failed: connect ENOENT /nonexistent/docker.sock';
    expect(running.onceFailure).toBe(why);
    const messages = lines.map((line) => String(line.msg));
    const started = messages.findIndex((msg) => msg.startsWith('scaler started in dry-run'));
    expect(started).toBeGreaterThanOrEqual(0);
    expect(messages.slice(started + 1)).toEqual([why, `scaler --once: the pass could not evaluate: ${why}`]);
  });

  it('--once gives up on an InfluxDB that does not answer at its first timeout: one line naming it, exit 1, one request, not one timeout per read', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const { stderr, exitCode } = await scaler(['--once', '--dry-run', '--influx-url', silent.url, '--service', `absent-${runId}`]);
      const seconds = (Date.now() - started) / 1000;
      expect(exitCode).toBe(1);
      expect(stderr).toBe(`error: InfluxDB at ${silent.url} did not answer POST /query (CREATE DATABASE "once_${runId}") within 0.5 s (set by INFLUX_TIMEOUT_MS)\n`);
      // The schema setup's first statement, and nothing after it: not the records, the window and the writes, each waiting its 500 ms.
      expect(silent.connections()).toBe(1);
      expect(seconds).toBeLessThan(1.5);
    } finally {
      await silent.close();
    }
  });

  it('--once that InfluxDB stops answering during the pass: the first read that times out ends the others at once; the pass fails', async () => {
    const influx = await influxThatStopsAnswering();
    const { logger } = capturingLogger('fatal');
    const state = (service: string): ServiceState => ({ service, replicas: 1, readyReplicas: 1, cpuLimitCores: 0.5, memoryLimitBytes: 256 * 1024 * 1024, converging: false, members: [], labels: {} });
    const actuator: Actuator = { kind: 'docker', listServices: async () => ['a', 'b'], observe: async (service) => state(service), tidy: async () => 0, setReplicas: async () => undefined, setLimits: async () => undefined };
    try {
      const config = loadScalerConfig({ ...process.env, INFLUX_URL: influx.url, REDIS_URL: '', SCALER_ONCE: 'true', SCALER_DRY_RUN: 'true', SCALER_SERVICES: 'a,b' });
      const started = Date.now();
      const running = await startScaler(config, logger, actuator);
      const seconds = (Date.now() - started) / 1000;
      expect(running.onceFailure).toMatch(/^no service could be evaluated \(a: influx_unreachable, b: influx_unreachable\): /);
      const reads = influx.asked().filter((request) => !/^query (CREATE|ALTER|DROP|SHOW)$/.test(request));
      // Each service's first read (its predecessor's records), both at once; then neither window is asked for, nor the records written.
      expect(reads).toEqual(['query SELECT', 'query SELECT']);
      expect(seconds).toBeLessThan(1.5);
    } finally {
      await influx.close();
    }
  });

  it('--once exits 1 when it cannot hold the lease (Redis unreachable)', async () => {
    const { exitCode } = await scaler(['--once', '--dry-run', '--redis-url', `redis://127.0.0.1:${await freePort()}`]);
    expect(exitCode).toBe(1);
  });

  it('--once exits 0 when the pass could evaluate: here, no managed service to evaluate', async () => {
    const { exitCode } = await scaler(['--once', '--dry-run']);
    expect(exitCode).toBeUndefined();
  });

  it('--port already in use: one line naming it, exit 1, and nothing started (the lease never taken)', async () => {
    const busy = await busyPort();
    const ownKey = `${leaseKey}:port`;
    try {
      const { stderr, exitCode } = await scaler(['--port', String(busy.port), '--host', '127.0.0.1', '--dry-run', '--lease-key', ownKey]);
      expect(exitCode).toBe(1);
      expect(stderr).toBe(`error: port ${busy.port} is already in use (--port)\n`);
      expect(await redis.exists(ownKey, `${ownKey}:fence`)).toBe(0);
    } finally {
      await busy.close();
    }
  });
});
