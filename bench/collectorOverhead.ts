/**
 * Collector overhead: how much CPU the collector process spends, with 0, 50 and 100 real
 * containers to watch at a 1 s interval (each read from its cgroup and scraped on /metrics,
 * points written to a real influxd). Everything is measured side by side in one run and
 * reported as ratios: CPU seconds of the collector per wall second (its share of one core), and
 * CPU time per container per interval above the no-container baseline.
 *
 * usage: npm run bench:collector            (env: BENCH_COUNTS=0,50,100  BENCH_SECONDS=30)
 * Needs a Docker engine and influxd; builds the local base image if missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../common/freePort.js';
import { PrivateInfluxd } from '../test/collector/support/influxd.js';
import { ensureBaseImage, newRunId, removeRunContainers, scripts, startContainer } from '../test/collector/support/dockerFixtures.js';

const counts = (process.env.BENCH_COUNTS ?? '0,50,100').split(',').map(Number);
const measureSeconds = Number(process.env.BENCH_SECONDS ?? 30);
const warmupSeconds = 5;
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User and system CPU time of a process, in seconds, from /proc/<pid>/stat. */
function cpuOf(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / clockTicks, system: Number(fields[12]) / clockTicks };
}

async function metricValue(port: number, name: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  return Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
}

interface Phase {
  label: string;
  containers: number;
  wallSeconds: number;
  cpuSeconds: number;
  systemShare: number;
  intervals: number;
  meanPassMs: number;
  pointsPerSecond: number;
  scrapeErrors: number;
}

async function measure(selector: string, influxUrl: string, containers: number, label: string): Promise<Phase> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'dist/cli/main.js', 'collector'], {
    env: {
      ...process.env,
      INFLUX_URL: influxUrl,
      INFLUX_DB: 'bench',
      COLLECTOR_PORT: String(port),
      COLLECTOR_HOST: '127.0.0.1',
      COLLECTOR_INTERVAL_MS: '1000',
      COLLECTOR_REQUIRE_LABEL: selector,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await metricValue(port, 'collector_targets').then((n) => n === containers).catch(() => false))) await sleep(200);
    await sleep(warmupSeconds * 1000);
    const pid = child.pid ?? 0;
    const [c0, wall0, ticks0, sum0, points0] = [cpuOf(pid), performance.now(), await metricValue(port, 'collector_tick_duration_seconds_count'), await metricValue(port, 'collector_tick_duration_seconds_sum'), await metricValue(port, 'collector_points_written_total')];
    await sleep(measureSeconds * 1000);
    const [c1, wall1, ticks1, sum1, points1] = [cpuOf(pid), performance.now(), await metricValue(port, 'collector_tick_duration_seconds_count'), await metricValue(port, 'collector_tick_duration_seconds_sum'), await metricValue(port, 'collector_points_written_total')];
    const wallSeconds = (wall1 - wall0) / 1000;
    const scrapeErrors = await metricValue(port, 'collector_scrape_errors_total');
    return {
      label,
      containers,
      wallSeconds,
      cpuSeconds: c1.user + c1.system - c0.user - c0.system,
      systemShare: (c1.system - c0.system) / Math.max(1e-9, c1.user + c1.system - c0.user - c0.system),
      intervals: ticks1 - ticks0,
      meanPassMs: ((sum1 - sum0) / Math.max(1, ticks1 - ticks0)) * 1000,
      pointsPerSecond: ((points1 || 0) - (points0 || 0)) / wallSeconds,
      scrapeErrors,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Starts `count` more containers of one set, 10 at a time. */
async function startSet(runId: string, set: 'scraped' | 'cgroup', from: number, count: number): Promise<void> {
  for (let done = 0; done < count; done += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - done) }, (_, i) => from + done + i).map((n) =>
        startContainer({
          runId,
          name: `${set}-${n}`,
          script: scripts.metricsServer,
          cpus: 0.2,
          memoryBytes: 128 * 1024 * 1024,
          labels: {
            'scalewright.service': `${runId}-${set}-${n % 5}`,
            'bench.set': `${runId}-${set}`,
            // Only the scraped set says where its /metrics is; the other is read from cgroups alone.
            ...(set === 'scraped' ? { 'scalewright.metrics.port': '9100' } : {}),
          },
        }),
      ),
    );
  }
}

async function main(): Promise<void> {
  await ensureBaseImage();
  const runId = newRunId('swbench');
  const influxd = await PrivateInfluxd.create();
  await influxd.start();
  const phases: Phase[] = [];
  const selector = (set: string) => `bench.set=${runId}-${set}`;
  try {
    // A selector no container matches: the collector's fixed cost (timers, Docker events, /metrics).
    phases.push(await measure(selector('none'), influxd.url, 0, 'none'));
    let scraped = 0;
    for (const count of counts.filter((n) => n > 0).sort((a, b) => a - b)) {
      await startSet(runId, 'scraped', scraped, count - scraped);
      scraped = count;
      process.stdout.write(`measuring ${count} containers, cgroup + /metrics, for ${measureSeconds} s…\n`);
      phases.push(await measure(selector("scraped"), influxd.url, count, 'cgroup + /metrics'));
    }
    const cgroupOnly = Math.max(...counts);
    if (cgroupOnly > 0 && process.env.BENCH_CGROUP_ONLY !== '0') {
      await startSet(runId, 'cgroup', 0, cgroupOnly);
      process.stdout.write(`measuring ${cgroupOnly} containers, cgroup only, for ${measureSeconds} s…\n`);
      phases.push(await measure(selector("cgroup"), influxd.url, cgroupOnly, 'cgroup only'));
    }
  } finally {
    await removeRunContainers(runId);
    await influxd.destroy();
  }

  const baseline = phases[0] as Phase;
  const perCore = (phase: Phase) => phase.cpuSeconds / phase.wallSeconds;
  const lines = [
    '',
    `Collector overhead at a 1 s interval, cgroup v1, ${measureSeconds} s per phase, all phases in one run`,
    '',
    '| containers | reads | collector CPU, share of one core | CPU per container per interval (above baseline) | share of the interval | of which kernel | mean pass time | points/s |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
    ...phases.map((phase) => {
      const extra = phase.containers > 0 ? ((phase.cpuSeconds - baseline.cpuSeconds * (phase.wallSeconds / baseline.wallSeconds)) / (phase.containers * phase.intervals)) * 1000 : undefined;
      return `| ${phase.containers} | ${phase.label} | ${(perCore(phase) * 100).toFixed(2)}% | ${extra === undefined ? '–' : `${extra.toFixed(3)} ms`} | ${extra === undefined ? '–' : `${(extra / 10).toFixed(3)}%`} | ${(phase.systemShare * 100).toFixed(0)}% | ${phase.meanPassMs.toFixed(1)} ms | ${phase.pointsPerSecond.toFixed(0)} |`;
    }),
    '',
  ];
  for (const phase of phases.filter((one) => one.scrapeErrors > 0)) lines.push(`WARNING: ${phase.scrapeErrors} failed scrapes with ${phase.containers} containers (${phase.label}): that phase's figures are not valid`);
  for (const phase of phases.filter((one) => one.containers === 100)) {
    lines.push(`Goal, 100 containers at 1 s ≤ 5% of one core (${phase.label}): ${(perCore(phase) * 100).toFixed(2)}% → ${perCore(phase) <= 0.05 ? 'met' : 'NOT met'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
