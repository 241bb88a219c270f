/**
 * What an operator reads when a dependency takes a request and never answers: one line naming the
 * dependency and where it is, what it was asked, the deadline, and the setting that sets it, in the
 * log line and in the `--once` failure (or its stderr line). The libraries' own words ("socket hang
 * up", "This operation was aborted", "Command timed out") said none of that. Asserted on what is
 * written, not on how long it took.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRequestName } from '../../common/influx/http.js';
import { scalerCommand } from '../../scaler/command.js';
import { leaseCommandFailure } from '../../scaler/lease/redisLease.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { tickReadDeadline } from '../../scaler/loop/influxWindow.js';
import { onceFailure, startScaler } from '../../scaler/loop/runtime.js';
import type { Actuator, ServiceState } from '../../scaler/actuators/actuator.js';
import { capturingStderr, influxThatStopsAnswering, silentServer } from '../support/failingDependencies.js';
import { capturingLogger } from './support/influx.js';

const runId = randomUUID().slice(0, 8);
const leaseKey = `scalewright:test:${runId}:lease`;
const base = { INFLUX_DB: `timeouts_${runId}`, SCALER_LEASE_KEY: leaseKey, SCALER_REQUIRE_LABEL: `scalewright.test.run=${runId}`, SCALER_ONCE: 'true', SCALER_DRY_RUN: 'true' };

describe('a dependency that never answers is named, with the request, the deadline and its setting', () => {
  const saved = { INFLUX_TIMEOUT_MS: process.env.INFLUX_TIMEOUT_MS, LOG_LEVEL: process.env.LOG_LEVEL };
  beforeAll(() => {
    process.env.INFLUX_TIMEOUT_MS = '500';
    process.env.LOG_LEVEL = 'silent';
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('Docker engine on a unix socket: the listing, its socket, --platform-timeout; in the error log line and the --once failure', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'silent-dockerd-'));
    const engine = await silentServer({ socketPath: join(folder, 'docker.sock') });
    const { logger, lines } = capturingLogger('info');
    try {
      const config = loadScalerConfig({ ...process.env, ...base, REDIS_URL: '', DOCKER_SOCKET: engine.url, SCALER_PLATFORM_TIMEOUT_SECONDS: '1', SCALER_DRAIN_SECONDS: '0' });
      const running = await startScaler(config, logger);
      const said = `Docker engine at ${engine.url} did not answer GET /containers/json within 1 s (set by --platform-timeout, SCALER_PLATFORM_TIMEOUT_SECONDS)`;
      expect(running.onceFailure).toBe(`cannot list managed services from the platform: ${said}`);
      expect(lines.map((line) => line.msg)).toContain(`cannot list managed services from the platform: ${said}`);
    } finally {
      await engine.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('Redis: the lease command, host:port (never the URL), a third of --lease-ttl; in the warning and the --once failure', async () => {
    const redis = await silentServer();
    const { logger, lines } = capturingLogger('info');
    try {
      const config = loadScalerConfig({ ...process.env, ...base, REDIS_URL: `redis://:secret@127.0.0.1:${redis.port}`, SCALER_LEASE_TTL_MS: '1500', DOCKER_SOCKET: '/nonexistent/docker.sock' });
      const running = await startScaler(config, logger);
      const said = `Redis at 127.0.0.1:${redis.port} did not answer lease acquire (INCR ${leaseKey}:fence) within 0.5 s (set by a third of --lease-ttl, SCALER_LEASE_TTL_MS)`;
      expect(running.onceFailure).toBe(`the lease is not held: ${said}`);
      expect(lines.map((line) => line.msg)).toContain(`scaler lease: ${said}; not held: this instance does not act`);
      expect(JSON.stringify(lines)).not.toContain('secret');
    } finally {
      await redis.close();
    }
  });

  it('InfluxDB silent from the start: the schema setup\'s request and INFLUX_TIMEOUT_MS, on stderr, exit 1', async () => {
    const influx = await silentServer();
    try {
      const { stderr, exitCode } = await capturingStderr(() =>
        scalerCommand().exitOverride().parseAsync(['--once', '--dry-run', '--influx-url', influx.url, '--influx-db', base.INFLUX_DB, '--service', `absent-${runId}`], { from: 'user' }),
      );
      expect(exitCode).toBe(1);
      expect(stderr).toBe(`error: InfluxDB at ${influx.url} did not answer POST /query (CREATE DATABASE "${base.INFLUX_DB}") within 0.5 s (set by INFLUX_TIMEOUT_MS)\n`);
    } finally {
      await influx.close();
    }
  });

  describe('InfluxDB that stops answering during a --once pass, two services: each service\'s reason names its own read', () => {
    const state = (service: string): ServiceState => ({ service, replicas: 1, readyReplicas: 1, cpuLimitCores: 0.5, memoryLimitBytes: 256 * 1024 * 1024, converging: false, members: [], labels: {} });
    const actuator: Actuator = { kind: 'docker', listServices: async () => ['a', 'b'], observe: async (service) => state(service), tidy: async () => 0, setReplicas: async () => undefined, setLimits: async () => undefined };
    /** The pass gives up on InfluxDB at `unanswered`: every read after it is not waited for, and says so, with the read that was. */
    const notAsked = (read: string, unanswered: string) => `${read} not waited for: the run had given up on InfluxDB when another request went unanswered (${unanswered})`;

    it('one service after another: a\'s records go unanswered; a\'s window, b\'s records and b\'s window are not waited for, each saying so by its own name', async () => {
      const influx = await influxThatStopsAnswering();
      const { logger, lines } = capturingLogger('warn');
      try {
        const config = loadScalerConfig({ ...process.env, ...base, INFLUX_URL: influx.url, REDIS_URL: '', SCALER_SERVICES: 'a,b', SCALER_PARALLEL_SERVICES: '1' });
        const running = await startScaler(config, logger, actuator);
        const unanswered = `InfluxDB at ${influx.url} did not answer the recorded decisions and signals of service "a" (last 3600 s) within 0.5 s (set by INFLUX_TIMEOUT_MS)`;
        const window = (service: string) => notAsked(`the 300 s window of service "${service}" (service_stats)`, unanswered);
        // The line says the request that went unanswered once, for every service; each service's own read is in its warning.
        expect(running.onceFailure).toBe(`no service could be evaluated (a: influx_unreachable, b: influx_unreachable): ${unanswered}`);
        const fresh = (service: string) => `${service}: its recorded decisions and signals could not be read, so the cooldowns, bridge base and latency correction a predecessor left are not carried over and start fresh`;
        expect(lines.filter((line) => line.level === 40 && line.service !== undefined).map((line) => line.msg)).toEqual([
          `${fresh('a')}: ${unanswered}`,
          `a: no action: InfluxDB unreachable (${window('a')})`,
          `${fresh('b')}: ${notAsked('the recorded decisions and signals of service "b" (last 3600 s)', unanswered)}`,
          `b: no action: InfluxDB unreachable (${window('b')})`,
        ]);
      } finally {
        await influx.close();
      }
    });

    it('both at once: whichever read went unanswered first, neither service\'s window is said to be the one unanswered', async () => {
      const influx = await influxThatStopsAnswering();
      const { logger, lines } = capturingLogger('warn');
      try {
        const config = loadScalerConfig({ ...process.env, ...base, INFLUX_URL: influx.url, REDIS_URL: '', SCALER_SERVICES: 'a,b' });
        await startScaler(config, logger, actuator);
        const url = influx.url.replace(/\./g, '\\.');
        for (const service of ['a', 'b']) {
          // Which service's records went unanswered first is a race; that this service's window was not waited for is not.
          expect(lines.find((line) => line.service === service && line.problem === 'influx_unreachable')?.msg).toMatch(
            new RegExp(`^${service}: no action: InfluxDB unreachable \\(the 300 s window of service "${service}" \\(service_stats\\) not waited for: the run had given up on InfluxDB when another request went unanswered \\(InfluxDB at ${url} did not answer the recorded decisions and signals of service "[ab]" \\(last 3600 s\\) within 0\\.5 s \\(set by INFLUX_TIMEOUT_MS\\)\\)\\)$`),
          );
        }
      } finally {
        await influx.close();
      }
    });
  });
});

describe('the translations, pure', () => {
  it('a per-tick InfluxDB read names what sets its deadline: the scaler\'s 5 s, or INFLUX_TIMEOUT_MS when smaller', () => {
    expect(tickReadDeadline({ timeoutMs: 10_000 })).toEqual({ timeoutMs: 5000, timeoutSetting: "the scaler's per-tick read limit, 5 s; INFLUX_TIMEOUT_MS lowers it" });
    expect(tickReadDeadline({ timeoutMs: undefined })).toEqual({ timeoutMs: 5000, timeoutSetting: "the scaler's per-tick read limit, 5 s; INFLUX_TIMEOUT_MS lowers it" });
    expect(tickReadDeadline({ timeoutMs: 500 })).toEqual({ timeoutMs: 500, timeoutSetting: 'INFLUX_TIMEOUT_MS' });
  });

  it('a query without a name of its own is named by its method and first statement, cut short', () => {
    expect(queryRequestName('POST', 'CREATE DATABASE "x"')).toBe('POST /query (CREATE DATABASE "x")');
    const long = `SELECT ${'a, '.repeat(40)}b FROM "service_stats"; SELECT 1; SELECT 2`;
    expect(queryRequestName('GET', long)).toMatch(/^GET \/query \(SELECT a, a, .{60,}… and 2 more statements\)$/);
  });

  it('a lease command Redis could not be asked: where, what, and the client\'s reason; the error kept as cause', () => {
    const refused = new Error('Reached the max retries per request limit (which is 1).');
    const failure = leaseCommandFailure(refused, '10.0.0.7:6379', 'lease renew (EVAL check-and-extend of k)');
    expect(failure.message).toBe('Redis at 10.0.0.7:6379: lease renew (EVAL check-and-extend of k) failed: Reached the max retries per request limit (which is 1).');
    expect(failure.cause).toBe(refused);
  });

  it('--once names the dependency in its failure, each distinct reason once', () => {
    expect(onceFailure('no_lease', [], { lease: 'Redis at h:1 did not answer lease acquire within 5 s (set by x)' })).toBe('the lease is not held: Redis at h:1 did not answer lease acquire within 5 s (set by x)');
    expect(onceFailure('no_lease', [])).toBe('the lease is not held (another instance holds it, or Redis is unreachable)');
    expect(
      onceFailure(undefined, [
        { service: 'a', outcome: 'observe_failed', error: 'E1' },
        { service: 'b', outcome: 'observe_failed', error: 'E1' },
        { service: 'c', outcome: 'influx_unreachable', error: 'E2' },
      ]),
    ).toBe('no service could be evaluated (a: observe_failed, b: observe_failed, c: influx_unreachable): E1; E2');
  });

  it('--once, once the run gave up on InfluxDB: the request that went unanswered once, not each read given up on after it', () => {
    const unanswered = 'InfluxDB at http://i:8086 did not answer the window of service "a" within 5 s (set by x)';
    const givenUp = (read: string) => `${read} not waited for: the run had given up on InfluxDB when another request went unanswered (${unanswered})`;
    const services = ['a', 'b', 'c'].map((service) => ({ service, outcome: 'influx_unreachable', error: service === 'a' ? unanswered : givenUp(`the window of service "${service}"`) }));
    expect(onceFailure(undefined, [...services, { service: 'd', outcome: 'observe_failed', error: 'E1' }], { influxGaveUpOn: unanswered })).toBe(
      `no service could be evaluated (a: influx_unreachable, b: influx_unreachable, c: influx_unreachable, d: observe_failed): ${unanswered}; E1`,
    );
  });
});

describe('the per-tick window read, as the decision record and the warning carry it', () => {
  it('names the service\'s window, the deadline and INFLUX_TIMEOUT_MS (here smaller than the scaler\'s 5 s)', async () => {
    const influx = await influxThatStopsAnswering();
    try {
      const { influxWindowReader } = await import('../../scaler/loop/influxWindow.js');
      const read = influxWindowReader({ url: influx.url, database: 'any', retentionPolicy: 'raw', auth: { kind: 'none' }, timeoutMs: 300 });
      expect(await read('web', 60, { containerCpu: false })).toEqual({
        ok: false,
        problem: 'influx_unreachable',
        error: `InfluxDB at ${influx.url} did not answer the 60 s window of service "web" (service_stats) within 0.3 s (set by INFLUX_TIMEOUT_MS)`,
      });
    } finally {
      await influx.close();
    }
  });
});
