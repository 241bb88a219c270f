/**
 * A real run, end to end, then its report: one container whose service has a fixed total CPU
 * demand shared by however many replicas answer its DNS alias (so adding replicas really relieves
 * each one), the real collector writing to the real influxd, the real scaler loop acting through
 * the Docker actuator. The demand is high (0.6 cores) for 45 s, then low (0.03 cores); the limits
 * are small (0.1 core, at most 0.2) so that the container meets them even on a busy host. The report
 * of that run is written to artefacts/, rendered in headless Chromium, and the screenshot must be
 * neither blank nor accompanied by console errors.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxConnectionFrom, readInfluxEnv, type InfluxConnection } from '../../common/influx/index.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { startCollector, type RunningCollector } from '../../collector/runtime.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { startScaler, type RunningScaler } from '../../scaler/loop/runtime.js';
import { buildReport, writeReport } from '../../scaler/report/build.js';
import type { Report } from '../../scaler/report/model.js';
import { baseImage, createNetwork, docker, ensureBaseImage, healthcheck, newRunId, quietLogger, removeRun, testLabel, waitHealthy } from '../actuators/support/fixtures.js';
import { capturingLogger } from '../scaler-loop/support/influx.js';
import { distinctColours, inkFraction, screenshot } from './support/chromium.js';

const runId = newRunId('rep');
const service = `checkout-${runId}`;
const database = `report_${runId.replace(/-/g, '_')}`;
const HIGH_SECONDS = 45;
const RUN_SECONDS = 100;

/**
 * Burns (demand / replicas) cores, the replica count being how many addresses the service alias
 * resolves to; answers /healthz on 8080 between slices.
 */
const sharedLoadScript = `
  const dns = require('node:dns'); const http = require('node:http');
  const start = Number(process.env.LOAD_START), highUntil = start + Number(process.env.HIGH_SECONDS) * 1000;
  let replicas = 1;
  const look = () => dns.lookup(process.env.ALIAS, { all: true }, (e, a) => { if (!e && a.length) replicas = a.length; });
  look(); setInterval(look, 1000);
  http.createServer((req, res) => res.end('ok')).listen(8080);
  const slice = 50;
  const burn = () => {
    const demand = Date.now() < highUntil ? Number(process.env.HIGH_CORES) : Number(process.env.LOW_CORES);
    const busy = Math.min(slice, (demand / replicas) * slice);
    const end = performance.now() + busy; while (performance.now() < end) {}
    setTimeout(burn, Math.max(1, slice - busy));
  };
  burn();
  process.on('SIGTERM', () => process.exit(0));`;

let connection: InfluxConnection;
let collector: RunningCollector | undefined;
let scaler: RunningScaler | undefined;
let report: Report;
let from = 0;
let to = 0;
const scalerLogs = capturingLogger('info');

beforeAll(async () => {
  await ensureBaseImage();
  await mkdir('artefacts', { recursive: true });
  connection = influxConnectionFrom(readInfluxEnv({ INFLUX_URL: process.env.INFLUX_URL, INFLUX_DB: database }));
  const network = await createNetwork(runId);
  const loadStart = Date.now() + 5000;
  const first = await docker.createContainer({
    Image: baseImage,
    name: `${runId}-checkout-1`,
    Cmd: ['node', '-e', sharedLoadScript],
    Env: [`LOAD_START=${loadStart}`, `HIGH_SECONDS=${HIGH_SECONDS}`, 'HIGH_CORES=0.6', 'LOW_CORES=0.03', 'ALIAS=checkout'],
    Labels: {
      [testLabel]: runId,
      'scalewright.service': service,
      'scalewright.managed': 'true',
      'scalewright.target.cpu': '0.7',
      'scalewright.cpu.min': '0.05',
      'scalewright.cpu.max': '0.2',
      'scalewright.max-replicas': '4',
      'scalewright.memory.min': '96MiB',
      'scalewright.window.stable-seconds': '10',
      'scalewright.window.panic-seconds': '4',
      'scalewright.window.scale-down-stabilisation-seconds': '20',
      'scalewright.cooldown.after-scale-out-seconds': '15',
      'scalewright.cooldown.between-scale-in-seconds': '8',
      'scalewright.startup-seconds': '3',
    },
    Healthcheck: healthcheck,
    StopTimeout: 3,
    // A large CPU weight (copied to clones) so the replicas get their limit even on a host busy with other suites.
    HostConfig: { NanoCpus: 100_000_000, CpuShares: 8192, Memory: 128 * 2 ** 20, NetworkMode: network },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['checkout'] } } },
  });
  await first.start();
  await waitHealthy(first);

  from = Date.now();
  collector = await startCollector(
    loadCollectorConfig({ INFLUX_URL: process.env.INFLUX_URL, INFLUX_DB: database, COLLECTOR_PORT: '0', COLLECTOR_HOST: '127.0.0.1', COLLECTOR_INTERVAL_MS: '1000', COLLECTOR_REQUIRE_LABEL: `${testLabel}=${runId}` }),
    quietLogger,
  );
  scaler = await startScaler(
    loadScalerConfig({
      INFLUX_URL: process.env.INFLUX_URL,
      INFLUX_DB: database,
      REDIS_URL: process.env.REDIS_URL,
      SCALER_LEASE_KEY: `scalewright:test:${runId}`,
      SCALER_INTERVAL_SECONDS: '2',
      SCALER_SERVICES: service,
      SCALER_REQUIRE_LABEL: `${testLabel}=${runId}`,
      SCALER_DRAIN_SECONDS: '3',
      SCALER_PORT: '0',
      SCALER_HOST: '127.0.0.1',
    }),
    scalerLogs.logger,
  );
  await new Promise((resolve) => setTimeout(resolve, RUN_SECONDS * 1000));
  await scaler.stop();
  scaler = undefined;
  await collector.stop();
  collector = undefined;
  to = Date.now();
  report = await buildReport(connection, { services: [service], from, to });
}, (RUN_SECONDS + 120) * 1000);

afterAll(async () => {
  await scaler?.stop().catch(() => undefined);
  await collector?.stop().catch(() => undefined);
  await removeRun(runId);
  const redis = new Redis(process.env.REDIS_URL as string);
  await redis.del(`scalewright:test:${runId}`, `scalewright:test:${runId}:fence`).finally(() => redis.disconnect());
});

describe('report of a real run', () => {
  it('tells what the scaler did and why: actions, replicas, time above target, replica-seconds', () => {
    const [one] = report.services;
    expect(one?.service).toBe(service);
    const summary = one!.summary;
    process.stdout.write(`report headline: ${summary.headline}\n`);
    for (const d of one!.decisions) process.stdout.write(`  ${new Date(d.time).toISOString().slice(11, 19)} ${d.action} ${d.outcome} ${d.change}: ${d.reason}\n`);
    process.stdout.write(`  replica-seconds ${summary.replicaSeconds.toFixed(0)}, above target ${summary.timeAboveTargetSeconds?.toFixed(0)} s\n`);
    expect(summary.actions).toBeGreaterThanOrEqual(2);
    expect(summary.replicasPeak).toBeGreaterThanOrEqual(2);
    expect(summary.replicaSeconds).toBeGreaterThan(RUN_SECONDS * 0.8);
    expect(summary.timeAboveTargetSeconds).toBeGreaterThan(0);
    expect(one!.decisions.every((d) => d.reason.length > 10)).toBe(true);
    expect(one!.signal?.name).toBe('cpu');
    expect(one!.replicas.length).toBeGreaterThan(50);
  });

  it('writes a self-contained HTML page (no script, nothing external) and its JSON', async () => {
    const files = await writeReport(report, 'artefacts', 'scaler-report');
    const html = await readFile(files.html, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain('<svg');
    const json = JSON.parse(await readFile(files.json, 'utf8')) as Report;
    expect(json.services[0]?.summary.actions).toBe(report.services[0]?.summary.actions);
  });

  it('the report command writes the same report from the same history', async () => {
    const { reportCommand } = await import('../../scaler/report/command.js');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
    try {
      await reportCommand().parseAsync(['--service', service, '--from', new Date(from).toISOString(), '--to', String(to), '--out', 'artefacts', '--name', 'scaler-report-cli', '--influx-url', process.env.INFLUX_URL as string, '--influx-db', database], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toContain(`${service}: ${report.services[0]?.summary.headline}`);
    const json = JSON.parse(await readFile('artefacts/scaler-report-cli.json', 'utf8')) as Report;
    expect(json.services[0]?.decisions.length).toBe(report.services[0]?.decisions.length);
  });

  it('renders in headless Chromium: not blank, no console errors', async () => {
    const top = await screenshot('artefacts/scaler-report.html', 'artefacts/scaler-report.png');
    expect(top.png.width).toBe(1400);
    expect(distinctColours(top.png)).toBeGreaterThan(50);
    expect(inkFraction(top.png)).toBeGreaterThan(0.05);
    expect(top.consoleLines).toEqual([]);
    expect(top.errorLines).toEqual([]);
    // the whole page, for people to look at
    const full = await screenshot('artefacts/scaler-report.html', 'artefacts/scaler-report-full.png', { width: 1400, height: 2000 });
    expect(full.errorLines).toEqual([]);
  }, 120_000);
});
