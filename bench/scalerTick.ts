/**
 * How long one pass of the live loop takes over many services, one service at a time against
 * `parallelServices` at once: N real labelled containers on the Docker engine, a private influxd
 * fed `service_stats` rows for each (the collector's schema), and the real adapters (Docker
 * actuator, InfluxDB window reader and predecessor records), in dry-run so that nothing changes
 * between passes. Both settings are measured interleaved in the same run, best of `--repeat`
 * medians, and printed as ratios to one at a time: full ticks (every service read and decided)
 * and bridge passes (the adaptive policy's 1 s re-sizing of the CPU limit).
 *
 * usage: npm run bench:tick -- [--services 16] [--parallel 8] [--passes 5] [--repeat 3]
 * Needs a Docker engine and influxd; builds the local base image if missing.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { median } from 'simple-statistics';
import { ensureInfluxSchema, influxConnectionFrom, influxRetentionFrom, readInfluxEnv, type InfluxConnection } from '../common/influx/index.js';
import { DockerActuator } from '../scaler/actuators/docker.js';
import { LocalLease } from '../scaler/lease/redisLease.js';
import { DEFAULT_PARALLEL_SERVICES, ScalerLoop } from '../scaler/loop/controller.js';
import { influxPredecessorRecords, influxWindowReader } from '../scaler/loop/influxWindow.js';
import { scalerMetrics } from '../scaler/loop/metrics.js';
import { PrivateInfluxd } from '../test/collector/support/influxd.js';
import { docker, ensureBaseImage, newRunId, removeRunContainers, startContainer, testLabel } from '../test/collector/support/dockerFixtures.js';
import { feedServiceStats } from '../test/scaler-loop/support/influx.js';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '16' },
    parallel: { type: 'string', default: String(DEFAULT_PARALLEL_SERVICES) },
    passes: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
const usage = 'usage: npm run bench:tick -- [--services 16] [--parallel 8] [--passes 5] [--repeat 3]\n';
if (flags.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const count = (name: string, value: string, max: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    process.stderr.write(`--${name} must be a whole number from 1 to ${max}, not "${value}"\n${usage}`);
    process.exit(2);
  }
  return n;
};
const services = count('services', flags.services, 200);
const parallel = count('parallel', flags.parallel, 64);
const passes = count('passes', flags.passes, 100);
const repeat = count('repeat', flags.repeat, 20);
const say = (text: string) => process.stderr.write(`[bench:tick] ${text}\n`);
const silent = pino({ level: 'silent' });

/** What the collector writes each second for each service: 120 rps on 1 replica told to carry 60. */
const serviceStats = { replicas: 1, requests_per_second: 120, cpu_usage_cores: 0.4, cpu_limit_cores: 0.5, cpu_fraction_of_limit: 0.8, cpu_throttled_fraction: 0, memory_working_set_bytes: 62_914_560, memory_limit_bytes: 134_217_728, memory_fraction_of_limit_max: 0.47, oom_kills_total: 0 };

/** Median wall time (ms) of `passes` full ticks and of as many bridge passes, at `parallelServices`. */
async function measure(connection: InfluxConnection, runId: string, parallelServices: number): Promise<{ tickMs: number; bridgeMs: number; outcomes: string }> {
  let offset = 0;
  const loop = new ScalerLoop({
    actuator: new DockerActuator({ docker, logger: silent, requireLabel: `${testLabel}=${runId}` }),
    readWindow: influxWindowReader(connection),
    readPredecessorRecords: influxPredecessorRecords(connection),
    write: () => undefined,
    lease: new LocalLease(),
    logger: silent,
    metrics: scalerMetrics(),
    dryRun: true,
    staleAfterMs: 15_000,
    parallelServices,
    // Bridge passes are due a second after the last; the clock is moved on instead of waited for.
    now: () => Date.now() + offset,
  });
  const first = await loop.tick(); // reads each predecessor's records once, as a fresh scaler does
  const outcomes = [...new Set(first.map((report) => report.outcome))].join(', ');
  const ticks: number[] = [];
  const bridges: number[] = [];
  for (let i = 0; i < passes; i += 1) {
    let started = performance.now();
    await loop.tick();
    ticks.push(performance.now() - started);
    offset += 1000;
    started = performance.now();
    const bridged = await loop.bridgeTick();
    bridges.push(performance.now() - started);
    if (bridged.length !== services) throw new Error(`a bridge pass covered ${bridged.length} of ${services} services`);
  }
  return { tickMs: median(ticks), bridgeMs: median(bridges), outcomes };
}

async function main(): Promise<void> {
  const runId = newRunId('bench-tick');
  const influxd = await PrivateInfluxd.create();
  const names = Array.from({ length: services }, (_, i) => `bench-${runId}-${i + 1}`);
  let feeders: ReturnType<typeof feedServiceStats>[] = [];
  try {
    await ensureBaseImage();
    await influxd.start();
    const env = readInfluxEnv({ INFLUX_URL: influxd.url, INFLUX_DB: 'bench' });
    const connection = influxConnectionFrom(env);
    await ensureInfluxSchema(connection, influxRetentionFrom(env), silent);
    say(`${services} services, one container each (${runId})`);
    for (const name of names) {
      await startContainer({ runId, name, script: 'setInterval(() => {}, 1000)', cpus: 0.5, memoryBytes: 128 * 2 ** 20, labels: { 'scalewright.service': name, 'scalewright.managed': 'true', 'scalewright.target.rps-per-replica': '60' } });
    }
    feeders = names.map((name) => feedServiceStats(connection, name, () => serviceStats));
    await Promise.all(feeders.map((feeder) => feeder.backfill(300)));

    const settings = [1, parallel];
    const best = new Map<number, { tickMs: number; bridgeMs: number; outcomes: string }>();
    for (let round = 1; round <= repeat; round += 1) {
      for (const setting of round % 2 === 1 ? settings : [...settings].reverse()) {
        const result = await measure(connection, runId, setting);
        say(`round ${round}/${repeat}, ${setting} at once: tick ${result.tickMs.toFixed(1)} ms, bridge pass ${result.bridgeMs.toFixed(1)} ms (${result.outcomes})`);
        const kept = best.get(setting);
        best.set(setting, { tickMs: Math.min(kept?.tickMs ?? Infinity, result.tickMs), bridgeMs: Math.min(kept?.bridgeMs ?? Infinity, result.bridgeMs), outcomes: result.outcomes });
      }
    }
    const reference = best.get(1)!;
    const rows = settings.map((setting) => {
      const result = best.get(setting)!;
      return `| ${setting} | ${result.tickMs.toFixed(1)} | ${(result.tickMs / reference.tickMs).toFixed(2)}x | ${result.bridgeMs.toFixed(1)} | ${(result.bridgeMs / reference.bridgeMs).toFixed(2)}x | ${result.outcomes} |`;
    });
    process.stdout.write(
      [
        `scaler loop over ${services} services (real Docker, real influxd, dry-run; median of ${passes} passes, best of ${repeat})`,
        '',
        '| services at once | full tick (ms) | ratio to one at a time | bridge pass (ms) | ratio to one at a time | outcomes |',
        '|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    for (const feeder of feeders) feeder.stop();
    await removeRunContainers(runId);
    await influxd.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:tick failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
