/**
 * The whole compose stack on this machine's Docker engine, with local images (no registry):
 * scalewright:local-style app image built by image/build.sh, Redis, InfluxDB 1.x, nginx and
 * haproxy from Debian's binaries (image/local-service-image.sh). Grafana has no local image and
 * is left out by the local override's profile.
 *
 * One project with a unique name; every container carries scalewright.test=compose (an extra
 * override file written here) and is removed in afterAll with `down -v`, then by label as a safety
 * net for replicas the scaler may have cloned. Needs `dist/` (npm test builds it first).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/services.js';
import { waitUntil } from '../support/processes.js';
import { COMPOSE_FILE, LOCAL_OVERRIDE, ROOT, TEST_LABEL, compose, docker, hasCommand, influxSeries } from './support.js';

const ready = (await hasCommand(process.env.COMPOSE_BIN ?? 'docker-compose')) && (await hasCommand('docker', ['info']));
const SERVICES = ['proxy', 'app', 'worker', 'redis', 'influxdb', 'grafana', 'docker-proxy', 'collector', 'scaler'];
const APP_IMAGE = process.env.COMPOSE_TEST_APP_IMAGE ?? 'scalewright:compose-test';
const project = `swcompose${process.pid}`;
const stack = `${project}-stack`;
let workDir = '';
let files: string[] = [];
let env: Record<string, string> = {};
let proxyUrl = '';
let influxUrl = '';

async function up(): Promise<void> {
  await compose(files, ['up', '-d', '--no-build'], env, project);
}

async function logsOf(service: string): Promise<string> {
  return (await compose(files, ['logs', '--no-color', '--tail', '40', service], env, project).catch((error: Error) => ({ stdout: error.message }))).stdout;
}

describe.skipIf(!ready)('the compose stack with local images', () => {
  beforeAll(async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const exec = promisify(execFile);
    // The service images from Debian's binaries (no-ops when present), and the app image from dist/.
    await exec(resolve(ROOT, 'image/local-service-image.sh'), ['all'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    if (!process.env.COMPOSE_TEST_APP_IMAGE) {
      await exec(resolve(ROOT, 'image/build.sh'), [APP_IMAGE], { cwd: ROOT, env: { ...process.env, SKIP_COMPILE: '1' }, maxBuffer: 16 * 1024 * 1024 });
    }
    workDir = await mkdtemp(join(tmpdir(), 'sw-compose-'));
    const labelOverride = join(workDir, 'test-labels.yml');
    await writeFile(labelOverride, `services:\n${SERVICES.map((name) => `  ${name}:\n    labels:\n      ${TEST_LABEL.key}: ${TEST_LABEL.value}\n`).join('')}`);
    files = [COMPOSE_FILE, LOCAL_OVERRIDE, labelOverride];
    const [proxyPort, influxPort, grafanaPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      STACK_NAME: stack,
      APP_IMAGE,
      PROXY_PORT: String(proxyPort),
      INFLUXDB_PORT: String(influxPort),
      GRAFANA_PORT: String(grafanaPort),
      INFLUX_PASSWORD: 'compose-test',
      INFLUXDB_ADMIN_PASSWORD: 'compose-test-admin',
      GRAFANA_ADMIN_PASSWORD: 'compose-test-admin',
      SCALER_INTERVAL_SECONDS: '2',
      // One replica starts, its minimum is two, and it may not grow past the seed's 100 mCPU /
      // 100 MB: the scaler's only way is out, adding a replica through the socket proxy.
      APP_MIN_REPLICAS: '2',
      APP_CPU_MAX: '0.1',
      APP_MEMORY_MAX: '100MiB',
      LOG_LEVEL: 'info',
    };
    proxyUrl = `http://127.0.0.1:${proxyPort}`;
    influxUrl = `http://127.0.0.1:${influxPort}`;
    await up();
  }, 300_000);

  afterAll(async () => {
    if (files.length > 0) {
      // The scaler first, so that it cannot add a replica while the rest goes down.
      await compose(files, ['stop', '--timeout', '5', 'scaler'], env, project).catch(() => undefined);
      await compose(files, ['down', '-v', '--remove-orphans', '--timeout', '5'], env, project).catch(() => undefined);
    }
    // Replicas the scaler cloned carry the same labels; remove any that `down` did not, then the
    // project's volumes and network that such a replica kept in use.
    const leftovers = await docker(['ps', '-aq', '--filter', `label=${TEST_LABEL.key}=${TEST_LABEL.value}`, '--filter', `label=scalewright.stack=${stack}`]).catch(() => '');
    if (leftovers) await docker(['rm', '-f', ...leftovers.split('\n')]).catch(() => undefined);
    const volumes = await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).catch(() => '');
    if (volumes) await docker(['volume', 'rm', '-f', ...volumes.split('\n')]).catch(() => undefined);
    const networks = await docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).catch(() => '');
    if (networks) await docker(['network', 'rm', ...networks.split('\n')]).catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 120_000);

  it('starts every service but Grafana, and each becomes healthy', async () => {
    const expected = SERVICES.filter((name) => name !== 'grafana');
    await waitUntil('every service to be healthy', async () => {
      const ids = (await compose(files, ['ps', '-q'], env, project)).stdout.split('\n').filter(Boolean);
      if (ids.length < expected.length) return false;
      const states = (await docker(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', ...ids])).split('\n');
      return expected.every((name) => states.includes(`${name} healthy`));
    }, 120_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${(await compose(files, ['ps'], env, project)).stdout}\n${await logsOf('scaler')}\n${await logsOf('collector')}`);
    });
    const services = (await docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Label "com.docker.compose.service"}}'])).split('\n');
    expect(services).not.toContain('grafana');
    // Every container of the project carries the test label, the scaler's clones included.
    const all = (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter(Boolean);
    const labelled = (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=${TEST_LABEL.key}=${TEST_LABEL.value}`])).split('\n').filter(Boolean);
    expect(all.length).toBeGreaterThanOrEqual(expected.length);
    expect(labelled.sort()).toEqual(all.sort());
  }, 150_000);

  it('runs the app at the seed budget of 100 mCPU and 100 MB', async () => {
    const id = (await compose(files, ['ps', '-q', 'app'], env, project)).stdout.trim().split('\n')[0] ?? '';
    expect(await docker(['inspect', '-f', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}', id])).toBe(`100000000 ${100 * 1024 * 1024}`);
  });

  it('answers the app API through the proxy', async () => {
    const greeting = await fetch(`${proxyUrl}/?user=compose`);
    expect(greeting.status).toBe(200);
    expect(await greeting.text()).toContain('Hello world!');
    const posted = await fetch(`${proxyUrl}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'foo' }) });
    expect(posted.status).toBe(201);
    const { digest } = (await posted.json()) as { digest: string };
    expect(digest).toBe('2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae');
    const read = await fetch(`${proxyUrl}/messages/${digest}`);
    expect(await read.json()).toEqual({ message: 'foo' });
  });

  it('runs a queued job on a worker, through the proxy and Redis', async () => {
    const posted = await fetch(`${proxyUrl}/multivac/data`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'data=let there be light' });
    expect(posted.status).toBe(200);
    await waitUntil('the worker to process the datum', async () => (await (await fetch(`${proxyUrl}/multivac`)).text()).includes('LET THERE BE LIGHT'), 30_000);
  });

  it('stores what the collector measures in InfluxDB: container cgroup readings and the request rate seen through the proxy', async () => {
    await waitUntil('app container readings in InfluxDB', async () => {
      const series = await influxSeries(influxUrl, 'scalewright', `SELECT last("cpu_usage_cores"), last("memory_working_set_bytes") FROM "raw"."container_stats" WHERE "service" = 'app' AND time > now() - 1m`);
      const row = series[0]?.values[0];
      return row !== undefined && Number(row[2]) > 0;
    }, 60_000);
    const stop = Date.now() + 4000;
    while (Date.now() < stop) {
      await Promise.all(Array.from({ length: 5 }, () => fetch(`${proxyUrl}/`).then((response) => response.text())));
      await sleep(50);
    }
    await waitUntil('a request rate for the app in InfluxDB', async () => {
      const series = await influxSeries(influxUrl, 'scalewright', `SELECT max("requests_per_second") FROM "raw"."service_stats" WHERE "service" = 'app' AND time > now() - 1m`);
      return Number(series[0]?.values[0]?.[1] ?? 0) > 1;
    }, 30_000);
  }, 120_000);

  it('records the scaler\'s decisions about the managed services in InfluxDB', async () => {
    await waitUntil('a scaler decision on the app', async () => {
      const series = await influxSeries(influxUrl, 'scalewright', `SELECT "reason", "replicas_after" FROM "raw"."scaler_decision" WHERE "service" = 'app' ORDER BY time DESC LIMIT 1`);
      return (series[0]?.values.length ?? 0) > 0;
    }, 90_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await logsOf('scaler')}`);
    });
  }, 120_000);

  it('acts through the Docker socket proxy: with no vertical room left, the scaler adds an app replica, which becomes healthy', async () => {
    const appReplicas = async () => (await docker(['ps', '-q', '--filter', `label=scalewright.stack=${stack}`, '--filter', 'label=scalewright.service=app'])).split('\n').filter(Boolean);
    await waitUntil('a second app replica, created by the scaler', async () => (await appReplicas()).length >= 2, 90_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await logsOf('scaler')}\n${await logsOf('docker-proxy')}`);
    });
    const ids = await appReplicas();
    const created = await docker(['inspect', '-f', '{{index .Config.Labels "scalewright.scaler.created"}}', ...ids]);
    expect(created.split('\n')).toContain('true');
    await waitUntil('every app replica to be healthy', async () => (await docker(['inspect', '-f', '{{.State.Health.Status}}', ...ids])).split('\n').every((status) => status === 'healthy'), 60_000);
    // The decision is recorded once the action is done (the new replica ready).
    const scaleOuts = async () => (await influxSeries(influxUrl, 'scalewright', `SELECT "replicas_before", "replicas_after", "outcome", "reason" FROM "raw"."scaler_decision" WHERE "service" = 'app' AND "action" != 'hold'`))[0]?.values ?? [];
    await waitUntil('a scale-out of the app recorded as applied', async () => (await scaleOuts()).some((row) => Number(row[2]) > Number(row[1]) && row[3] === 'applied'), 90_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${JSON.stringify(await scaleOuts())}\n${await logsOf('scaler')}`);
    });
  }, 180_000);

  it('follows new app replicas through Docker\'s DNS: the scaler\'s replica gets requests without a proxy reload', async () => {
    // Every replica counts the requests it served in its own /metrics; read them through the
    // collector's per-replica series rather than guessing from response bodies.
    const replicasServing = async () => {
      const series = await influxSeries(influxUrl, 'scalewright', `SELECT max("requests_per_second") FROM "raw"."container_requests" WHERE "service" = 'app' AND time > now() - 15s GROUP BY "container_id"`);
      return series.filter((one) => Number(one.values[0]?.[1] ?? 0) > 0).length;
    };
    await waitUntil('both replicas to serve requests through the proxy', async () => {
      await Promise.all(Array.from({ length: 20 }, () => fetch(`${proxyUrl}/`).then((response) => response.text())));
      return (await replicasServing()) >= 2;
    }, 45_000);
  }, 150_000);
});
