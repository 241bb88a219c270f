/**
 * The live loop against the real Docker engine, the real influxd and the real redis-server of
 * the test setup. The store is fed `service_stats` rows saying "100 requests/s" (the collector's
 * schema), and the service's labels say a replica should carry 40 requests/s: the loop must want
 * 3 replicas, say so in dry-run, reach 3 when applying, and then hold.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxWriter, type InfluxConnection } from '../../common/influx/index.js';
import { DockerActuator } from '../../scaler/actuators/docker.js';
import { RedisLease } from '../../scaler/lease/redisLease.js';
import { ScalerLoop, type ScalerLoopOptions } from '../../scaler/loop/controller.js';
import { influxPredecessorRecords, influxWindowReader } from '../../scaler/loop/influxWindow.js';
import { scalerMetrics } from '../../scaler/loop/metrics.js';
import { signalPoint } from '../../scaler/loop/records.js';
import { createNetwork, docker, ensureBaseImage, newRunId, quietLogger, removeRun, runContainers, startWeb, waitHealthy } from '../actuators/support/fixtures.js';
import { capturingLogger, feedServiceStats, privateDatabase, selectRows } from './support/influx.js';
import { scalerLoopOptions } from './support/loopOptions.js';

const runId = newRunId('loop');
const service = `shop-${runId}`;
const quiet = `quiet-${runId}`;
const calm = `calm-${runId}`;
const policyLabels = {
  'scalewright.target.rps-per-replica': '40',
  'scalewright.max-replicas': '4',
  'scalewright.startup-seconds': '2',
  'scalewright.window.stable-seconds': '10',
};
/** One replica using 0.15 of its 0.25 cores: at the 80% target, one replica carries it at the told capacity. */
const lightCpuStats = { replicas: 1, cpu_usage_cores: 0.15, cpu_limit_cores: 0.25, cpu_fraction_of_limit: 0.6, cpu_throttled_fraction: 0, memory_working_set_bytes: 60 * 2 ** 20, memory_limit_bytes: 256 * 2 ** 20, memory_fraction_of_limit_max: 0.25, oom_kills_total: 0 };
let connection: InfluxConnection;
let feeder: ReturnType<typeof feedServiceStats>;
let writer: InfluxWriter;
let network: string;

beforeAll(async () => {
  await ensureBaseImage();
  connection = await privateDatabase(`loop_${runId.replace(/-/g, '_')}`);
  writer = new InfluxWriter(connection, { logger: quietLogger, flushIntervalMs: 200 }).start();
  network = await createNetwork(runId);
  const first = await startWeb({ runId, name: 'shop-1', service, network, alias: 'shop', cpus: 0.25, memoryBytes: 128 * 2 ** 20 });
  // Policy labels travel with the container (and with its clones).
  await first.remove({ force: true });
  const { baseImage, healthcheck, webScript, testLabel } = await import('../actuators/support/fixtures.js');
  const labelled = await docker.createContainer({
    Image: baseImage,
    name: `${runId}-shop-1`,
    Cmd: ['node', '-e', webScript],
    Labels: { [testLabel]: runId, 'scalewright.service': service, 'scalewright.managed': 'true', ...policyLabels },
    Healthcheck: healthcheck,
    HostConfig: { NanoCpus: 250_000_000, Memory: 128 * 2 ** 20, NetworkMode: network },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['shop'] } } },
  });
  await labelled.start();
  const silent = await startWeb({ runId, name: 'quiet-1', service: quiet, network, cpus: 0.25 });
  const calmOne = await startWeb({ runId, name: 'calm-1', service: calm, network, cpus: 0.25 });
  await Promise.all([waitHealthy(labelled), waitHealthy(silent), waitHealthy(calmOne)]);
  feeder = feedServiceStats(connection, service, () => ({ replicas: 1, requests_per_second: 100, cpu_usage_cores: 0.22, cpu_limit_cores: 0.25, cpu_fraction_of_limit: 0.8, cpu_throttled_fraction: 0.05, memory_working_set_bytes: 105 * 2 ** 20, memory_limit_bytes: 128 * 2 ** 20, memory_fraction_of_limit_max: 0.3, oom_kills_total: 0 }));
  await feeder.backfill(30);
}, 120_000);

afterAll(async () => {
  feeder?.stop();
  await writer?.close(2000);
  await removeRun(runId);
});

function loopWith(overrides: Partial<ScalerLoopOptions> = {}) {
  const logs = capturingLogger('debug');
  const metrics = scalerMetrics();
  const loop = new ScalerLoop(scalerLoopOptions({
    actuator: new DockerActuator({ docker, logger: quietLogger, requireLabel: `scalewright.test=${runId}`, drainSeconds: 5 }),
    readWindow: influxWindowReader(connection),
    dryRun: false,
    write: (points) => writer.write(points),
    logger: logs.logger,
    metrics,
    services: [service],
    ...overrides,
  }));
  return { loop, logs, metrics };
}

/**
 * Two scaler instances' leases on one Redis key (`scalewright:test:<run>:<name>`), each on its own
 * connection, as two processes would hold them. Each connection is the caller's to disconnect.
 */
function twoLeases(name: string, ttlMs: number) {
  const key = `scalewright:test:${runId}:${name}`;
  const redisA = new Redis(process.env.REDIS_URL as string);
  const redisB = new Redis(process.env.REDIS_URL as string);
  const leaseA = new RedisLease({ redis: redisA, logger: quietLogger, key, ttlMs });
  const leaseB = new RedisLease({ redis: redisB, logger: quietLogger, key, ttlMs });
  return { redisA, redisB, leaseA, leaseB };
}

async function managed(): Promise<number> {
  return (await runContainers(runId, service)).filter((c) => c.State === 'running').length;
}

/** CPU limit (cores) of each running replica, as Docker reports it. */
async function cpuLimits(): Promise<number[]> {
  const running = (await runContainers(runId, service)).filter((c) => c.State === 'running');
  const infos = await Promise.all(running.map((c) => docker.getContainer(c.Id).inspect()));
  return infos.map((i) => (i.HostConfig.NanoCpus ? i.HostConfig.NanoCpus / 1e9 : (i.HostConfig.CpuQuota ?? 0) / (i.HostConfig.CpuPeriod ?? 100_000)));
}

/** Resolves once `check` holds, polling every 200 ms; fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function counter(metrics: ReturnType<typeof scalerMetrics>, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, string>)[k] === l));
  return Number(value?.value ?? 0);
}

describe('the scaler loop (real Docker, InfluxDB, Redis)', () => {
  it('in dry-run decides, logs the would-be action with its reason, records it, and applies nothing', async () => {
    const { loop, logs } = loopWith({ dryRun: true });
    const [report] = await loop.tick();
    expect(report?.outcome).toBe('dry_run');
    expect(report?.evaluation?.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 1, to: 3 });
    const line = logs.lines.find((l) => String(l.msg).startsWith('dry-run: would scale_out'));
    // the log line carries the policy's own reason (its wording is the policy's business)
    expect(line?.msg).toBe(`dry-run: would scale_out ${service} replicas 1 → 3: ${report?.evaluation?.decision.reason}`);
    expect(line?.msg).toMatch(/100(\.0)? rps/);
    await loop.settle();
    expect(await managed()).toBe(1);
    await writer.flush();
    const rows = await selectRows(connection, `SELECT * FROM scaler_decision WHERE service = '${service}'`);
    // and the start-up bridge that goes with it (Docker changes CPU limits live): 100 rps on one
    // ready replica carrying 45.7 at its base 0.25 cores; its busy second (100 rps, 1.75 replicas'
    // capacity) with the bridge's headroom is 1.75 + 0.4 × √1.75 = 2.28 replicas' worth, 104.2 rps
    // at the target → 0.57 cores while the new ones start
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'scale_out', dry_run: true, outcome: 'dry_run', replicas_before: 1, replicas_after: 3 }),
        expect.objectContaining({ action: 'scale_up', dry_run: true, outcome: 'dry_run', policy: 'arbitration/bridge', cpu_limit_cores_before: 0.25, cpu_limit_cores_after: 0.57, bridge_base_cpu_cores: 0.25 }),
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it('applying, reaches the level the decision set, with one action in flight at a time', async () => {
    const { loop } = loopWith();
    const [first] = await loop.tick();
    expect(first?.outcome).toBe('applied');
    const [second] = await loop.tick();
    expect(second?.outcome).toBe('busy');
    await loop.settle();
    expect(await managed()).toBe(3);
    // the ready replica was bridged (a live update) before the clones were made from it
    expect(await cpuLimits()).toEqual([0.57, 0.57, 0.57]);
    // level reached: the replicas serve, so the bridge returns to the base; then it holds
    const [third] = await loop.tick();
    expect(third?.evaluation?.decision).toMatchObject({ action: 'scale_down', resource: 'cpu', from: 0.57, to: 0.25, policy: 'arbitration/bridge' });
    await loop.settle();
    expect(await cpuLimits()).toEqual([0.25, 0.25, 0.25]);
    const [fourth] = await loop.tick();
    expect(fourth?.outcome).toBe('hold');
    await loop.settle();
    expect(await managed()).toBe(3);
    await writer.flush();
    const applied = await selectRows(connection, `SELECT * FROM scaler_decision WHERE service = '${service}' AND outcome = 'applied'`);
    expect(applied.map((row) => `${String(row.policy)} ${String(row.action)}`).sort()).toEqual(['arbitration/adaptive scale_out', 'arbitration/bridge scale_down', 'arbitration/bridge scale_up']);
    const signals = await selectRows(connection, `SELECT * FROM scaler_signal WHERE service = '${service}'`);
    expect(signals.at(-1)).toMatchObject({ signal: 'requests', target: 40 });
  }, 60_000);

  it('started, runs bridge passes between evaluations: a burst is bridged within seconds and let go after it (real container limits)', async () => {
    // One replica of 0.25 cores, told 40 rps per replica (45.7 at the adaptive target), at most 1
    // replica (so only the bridge can answer), a 3 s metric window and a 2 s panic window; its CPU
    // and memory already right-sized (0.2 of 0.25 cores, 105 of 128 MiB), so the evaluation holds.
    const burstService = `burst-${runId}`;
    const { baseImage, healthcheck, webScript, testLabel } = await import('../actuators/support/fixtures.js');
    const container = await docker.createContainer({
      Image: baseImage,
      name: `${runId}-burst-1`,
      Cmd: ['node', '-e', webScript],
      Labels: { [testLabel]: runId, 'scalewright.service': burstService, 'scalewright.managed': 'true', 'scalewright.target.rps-per-replica': '40', 'scalewright.max-replicas': '1', 'scalewright.window.metric-seconds': '3', 'scalewright.window.panic-seconds': '2' },
      Healthcheck: healthcheck,
      HostConfig: { NanoCpus: 250_000_000, Memory: 128 * 2 ** 20, NetworkMode: network },
    });
    await container.start();
    await waitHealthy(container);
    const limit = async () => {
      const info = await container.inspect();
      return (info.HostConfig.NanoCpus ?? 0) / 1e9;
    };
    let rps = 20;
    const stats = feedServiceStats(connection, burstService, () => ({ replicas: 1, requests_per_second: rps, cpu_usage_cores: 0.2, cpu_limit_cores: 0.25, cpu_fraction_of_limit: 0.8, cpu_throttled_fraction: 0, memory_working_set_bytes: 105 * 2 ** 20, memory_limit_bytes: 128 * 2 ** 20, memory_fraction_of_limit_max: 0.82, oom_kills_total: 0 }));
    const { loop } = loopWith({ services: [burstService] });
    try {
      await stats.backfill(20);
      loop.start(600_000); // one evaluation now, the next in ten minutes: what follows is bridge passes
      await eventually(async () => (await limit()) === 0.25 && loop.isBridging(burstService), 10_000);
      // 100 rps, 1.75 replicas' capacity: with the bridge's headroom 1.75 + 0.4 × √1.75 = 2.28
      // replicas' worth, 104.2 rps at the target → 0.25 × 104.2 / 45.7 = 0.57 cores
      rps = 100;
      await eventually(async () => (await limit()) === 0.57, 10_000);
      rps = 20;
      await eventually(async () => (await limit()) === 0.25, 15_000);
    } finally {
      await loop.stop();
      stats.stop();
    }
    await writer.flush();
    const rows = await selectRows(connection, `SELECT * FROM scaler_decision WHERE service = '${burstService}' AND outcome = 'applied'`);
    // every change was the bridge's: up to 0.57 with the burst, back to the base after it (in one
    // step or, as the burst's seconds leave the windows, in a few)
    const changes = rows.map((row) => `${String(row.policy)} ${String(row.action)} ${String(row.cpu_limit_cores_after)}`);
    expect(changes[0]).toBe('arbitration/bridge scale_up 0.57');
    expect(changes.at(-1)).toBe('arbitration/bridge scale_down 0.25');
    expect(changes.every((change) => change.startsWith('arbitration/bridge '))).toBe(true);
  }, 90_000);

  it('reconciles a replica that died by hand from the actual state, without duplicating', async () => {
    const [victim] = (await runContainers(runId, service)).sort((a, b) => b.Created - a.Created);
    await docker.getContainer(victim!.Id).remove({ force: true });
    // Replicas only (no live CPU limits): with the bridge, 100 rps on 2 replicas (within the 10%
    // tolerance of 2 × 45.7) would be carried by raising their limit instead of replacing the third.
    const { loop } = loopWith({ liveCpuLimits: false });
    const [report] = await loop.tick();
    expect(report?.evaluation?.decision).toMatchObject({ action: 'scale_out', from: 2, to: 3 });
    await loop.settle();
    const [again] = await loop.tick();
    expect(again?.outcome).toBe('hold');
    expect(await managed()).toBe(3);
  }, 60_000);

  it('a restarted scaler keeps the cooldown its predecessor started (read back from the decision records)', async () => {
    await writer.flush();
    const { loop, logs } = loopWith({ dryRun: true, readPredecessorRecords: influxPredecessorRecords(connection) });
    const [report] = await loop.tick();
    const lastScaleOutAt = report?.evaluation?.memory.adaptive.lastScaleOutAt ?? -Infinity;
    expect(Number.isFinite(lastScaleOutAt)).toBe(true);
    expect(Date.now() - lastScaleOutAt).toBeLessThan(120_000);
    expect(logs.lines.some((l) => l.msg === 'cooldowns carried over from the recorded decisions')).toBe(true);
  });

  it('with no data for a service: no action, one clear warning, and a metric per evaluation', async () => {
    const { loop, logs, metrics } = loopWith({ services: [quiet] });
    await loop.tick();
    await loop.tick();
    const warnings = logs.lines.filter((l) => l.level === 40 && l.problem === 'no_data');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toMatch(/no action: no samples/);
    expect(await counter(metrics, 'scalewright_scaler_data_problems_total', { service: quiet, problem: 'no_data' })).toBe(2);
    expect((await runContainers(runId, quiet)).length).toBe(1);
  });

  it('with stale data: no action, a warning naming the age', async () => {
    const { loop, logs, metrics } = loopWith({ staleAfterMs: 500 });
    feeder.stop();
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const [report] = await loop.tick();
    expect(report?.outcome).toBe('stale_data');
    expect(logs.lines.find((l) => l.problem === 'stale_data')?.msg).toMatch(/newest sample is \d+ s old/);
    expect(await counter(metrics, 'scalewright_scaler_data_problems_total', { service, problem: 'stale_data' })).toBe(1);
    expect(await managed()).toBe(3);
  });

  it('reads the latency the collector wrote: p95 above the objective corrects the capacity it plans with', async () => {
    // The quiet service (CPU-driven: no requests target) uses 0.15 of its 0.25 cores, which one
    // replica carries at the 80% target; but its p95 is 900 ms against the default 500 ms
    // objective, so 60% of its limit is all a replica carries, and 150 millicores need 2.
    const slow = feedServiceStats(connection, quiet, () => ({ ...lightCpuStats, latency_p95_seconds: 0.9 }));
    try {
      await slow.backfill(30);
      const { loop } = loopWith({ dryRun: true, services: [quiet] });
      const [report] = await loop.tick();
      expect(report?.evaluation?.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 1, to: 2 });
      expect(report?.evaluation?.decision.reason).toMatch(/\(latency: p95 900 ms above the 500 ms objective carrying 60% of the told capacity: capacity per replica × 0\.60\)$/);
      expect(report?.evaluation?.memory.adaptive.latency?.factor).toBeCloseTo(0.6, 6);
    } finally {
      slow.stop();
    }
  });

  it('a restarted scaler resumes the latency correction its predecessor recorded (read back from scaler_signal)', async () => {
    // The calm service uses 0.15 of its 0.25 cores and reports no latency: at the told capacity one
    // replica carries it. Its predecessor had learnt that a replica carries 60% of that, and
    // recorded so with its last evaluation a minute ago (the record the loop writes every tick).
    const stats = feedServiceStats(connection, calm, () => lightCpuStats);
    try {
      await stats.backfill(30);
      const actuator = new DockerActuator({ docker, logger: quietLogger, requireLabel: `scalewright.test=${runId}` });
      // It had also found, 10 minutes ago, that latency does not answer to replicas (for 30 min; the next finding 60).
      const unresponsiveUntil = Date.now() + 20 * 60_000;
      writer.write([signalPoint(calm, Date.now() - 60_000, { signal: 'cpu', value: 0.6, target: 0.8, smoothed: 0.6, forecast: undefined, capacityFactor: 0.6, latencyUnresponsive: { until: unresponsiveUntil, forMs: 60 * 60_000 } }, await actuator.observe(calm))]);
      await writer.flush();

      // Replicas only (no live CPU limits): with the bridge, a resumed factor may be carried by
      // raising the limit (rented) rather than by a replica, and this is about the factor.
      const { loop, logs } = loopWith({ dryRun: true, services: [calm], liveCpuLimits: false, readPredecessorRecords: influxPredecessorRecords(connection) });
      const [resumed] = await loop.tick();
      expect(resumed?.evaluation?.decision).toMatchObject({ action: 'scale_out', resource: 'replicas', from: 1, to: 2 });
      expect(resumed?.evaluation?.memory.adaptive.latency?.factor).toBeCloseTo(0.6, 9);
      expect(logs.lines.find((l) => l.msg === 'latency correction carried over from the recorded signals')).toMatchObject({ service: calm, capacityFactor: 0.6 });
      expect(resumed?.evaluation?.memory.adaptive.latency).toMatchObject({ unresponsiveUntil, unresponsiveForMs: 60 * 60_000 });
      expect(logs.lines.find((l) => l.msg === 'latency found not to answer to replicas: carried over from the recorded signals')).toMatchObject({ service: calm, latencyUnresponsiveUntil: new Date(unresponsiveUntil).toISOString() });
      // ...and writes it on with its own record, for the next one.
      expect(resumed?.evaluation?.signal?.latencyUnresponsive).toEqual({ until: unresponsiveUntil, forMs: 60 * 60_000 });

      // A scaler that does not read the records starts from a factor of 1. It runs second: its own
      // record (factor 1) is the newest once written, and the resumed scaler would rightly read that.
      const forgetful = loopWith({ dryRun: true, services: [calm], liveCpuLimits: false });
      const [fresh] = await forgetful.loop.tick();
      // (it may right-size the CPU limit it does not use; it adds no replica)
      expect(fresh?.evaluation?.plan.kind).not.toBe('replicas');
      expect(fresh?.evaluation?.memory.adaptive.latency?.factor).toBe(1);
      expect(fresh?.evaluation?.memory.adaptive.latency?.unresponsiveUntil).toBe(-Infinity);
    } finally {
      stats.stop();
    }
  });

  it('with InfluxDB unreachable: no action, a warning, a metric', async () => {
    const { loop, logs, metrics } = loopWith({ readWindow: influxWindowReader({ ...connection, url: 'http://127.0.0.1:1' }, 2000) });
    const [report] = await loop.tick();
    expect(report?.outcome).toBe('influx_unreachable');
    expect(logs.lines.find((l) => l.problem === 'influx_unreachable')?.msg).toMatch(/InfluxDB unreachable/);
    expect(await counter(metrics, 'scalewright_scaler_data_problems_total', { service, problem: 'influx_unreachable' })).toBe(1);
    expect(await managed()).toBe(3);
  });

  it('two instances sharing a Redis lease: only the holder decides, the other takes over when it leaves', async () => {
    const { redisA, redisB, leaseA, leaseB } = twoLeases('lease', 3000);
    try {
      expect(await leaseA.tick()).toBe(true);
      expect(await leaseB.tick()).toBe(false);
      const a = loopWith({ lease: leaseA, dryRun: true });
      const b = loopWith({ lease: leaseB, dryRun: true });
      expect((await a.loop.tick()).length).toBe(1);
      expect(await b.loop.tick()).toEqual([]);
      const firstToken = leaseA.status().token as number;
      await leaseA.stop();
      expect(await leaseB.tick()).toBe(true);
      // fencing: the new holder's token is strictly larger
      expect(leaseB.status().token).toBeGreaterThan(firstToken);
      expect(await leaseA.confirm()).toEqual({ status: 'lost' });
    } finally {
      await leaseB.stop();
      redisA.disconnect();
      redisB.disconnect();
    }
  });

  it('a lease not renewed expires, and the other instance takes over within one TTL', async () => {
    const { redisA, redisB, leaseA, leaseB } = twoLeases('lease2', 1000);
    try {
      expect(await leaseA.tick()).toBe(true);
      expect(await leaseB.tick()).toBe(false);
      redisA.disconnect(); // A "crashes": no renewal, no release
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(leaseA.isHeld()).toBe(false);
      expect(await leaseB.tick()).toBe(true);
    } finally {
      await leaseB.stop();
      redisB.disconnect();
    }
  });
});
