/**
 * Real containers for the actuator and loop suites, from the local base image (node only, no
 * shell). Every container, network and service carries `scalewright.test=<run id>`, so a suite's
 * afterAll removes exactly its own things and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';

export { baseImage, docker, ensureBaseImage, newRunId, testLabel } from '../../support/docker.js';
import { baseImage, docker, ensureBaseImage, newRunId, testLabel } from '../../support/docker.js';
export const quietLogger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * A small web replica: /healthz, /whoami (its hostname), /slow?ms=N (answers after N ms), and on
 * SIGTERM it stops accepting, lets in-flight requests finish, then exits: what a well-behaved
 * service does when it is drained.
 */
export const webScript = `
  const http = require('node:http'); const os = require('node:os');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/healthz') return res.end('ok');
    if (url.pathname === '/whoami') return res.end(os.hostname());
    if (url.pathname === '/slow') return setTimeout(() => res.end('done ' + os.hostname()), Number(url.searchParams.get('ms') || 1000));
    res.statusCode = 404; res.end();
  });
  server.keepAliveTimeout = 1000;
  server.listen(8080);
  process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections?.(); });`;

export const healthcheck = {
  Test: ['CMD', 'node', '-e', "require('http').get('http://127.0.0.1:8080/healthz', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"],
  Interval: 500_000_000,
  // The probe is a Node process inside the container's own CPU limit (0.1 core in some suites):
  // on a host busy with the other suites it can take seconds to start, and a timed-out probe is a failed one.
  Timeout: 5_000_000_000,
  Retries: 3,
  StartPeriod: 0,
};

export interface WebSpec {
  runId: string;
  name: string;
  service: string;
  network?: string;
  alias?: string;
  managed?: boolean;
  /** No platform labels at all (an operator's container). */
  unlabelled?: boolean;
  cpus?: number;
  memoryBytes?: number;
  env?: string[];
}

export async function createNetwork(runId: string): Promise<string> {
  const name = `${runId}-net`;
  await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { [testLabel]: runId } });
  return name;
}

export async function startWeb(spec: WebSpec): Promise<Docker.Container> {
  const labels: Record<string, string> = { [testLabel]: spec.runId };
  if (!spec.unlabelled) {
    labels['scalewright.service'] = spec.service;
    if (spec.managed !== false) labels['scalewright.managed'] = 'true';
  }
  const container = await docker.createContainer({
    Image: baseImage,
    name: `${spec.runId}-${spec.name}`,
    Cmd: ['node', '-e', webScript],
    Env: spec.env ?? ['GREETING=hello'],
    Labels: labels,
    Healthcheck: healthcheck,
    StopTimeout: 10,
    HostConfig: {
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes } : {}),
      ...(spec.network ? { NetworkMode: spec.network } : {}),
    },
    ...(spec.network ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.alias ? [spec.alias] : [] } } } } : {}),
  });
  await container.start();
  return container;
}

export async function waitHealthy(container: Docker.Container, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await container.inspect();
    if (info.State.Health?.Status === 'healthy') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('container not healthy in time');
}

/** Containers of this run (all states), optionally only one service's. */
export async function runContainers(runId: string, service?: string): Promise<Docker.ContainerInfo[]> {
  const label = [`${testLabel}=${runId}`, ...(service ? [`scalewright.service=${service}`] : [])];
  return docker.listContainers({ all: true, filters: { label } });
}

export async function removeRun(runId: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${testLabel}=${runId}`] } });
  await Promise.all(containers.map((info) => docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined)));
  const networks = await docker.listNetworks({ filters: { label: [`${testLabel}=${runId}`] } });
  await Promise.all(networks.map((info) => docker.getNetwork(info.Id).remove().catch(() => undefined)));
}

/** The container's IP on `network`, reachable from the host (bridge networks are routed). */
export async function ipOn(container: Docker.Container | string, network: string): Promise<string> {
  const target = typeof container === 'string' ? docker.getContainer(container) : container;
  const info = await target.inspect();
  const address = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!address) throw new Error(`no address on ${network}`);
  return address;
}

/** Reads the CPU quota from the container's cgroup (v1), found from its PID as the collector does. */
export async function cgroupCpuQuota(container: Docker.Container): Promise<{ quota: number; period: number }> {
  const info = await container.inspect();
  const cgroups = await readFile(`/proc/${info.State.Pid}/cgroup`, 'utf8');
  const line = cgroups.split('\n').find((l) => /:(?:[^:]*,)?cpu(?:,[^:]*)?:/.test(l));
  if (!line) throw new Error('no cpu controller line');
  const path = line.split(':').slice(2).join(':');
  const dir = `/sys/fs/cgroup/cpu${path}`;
  return {
    quota: Number((await readFile(`${dir}/cpu.cfs_quota_us`, 'utf8')).trim()),
    period: Number((await readFile(`${dir}/cpu.cfs_period_us`, 'utf8')).trim()),
  };
}

export async function cgroupMemoryLimit(container: Docker.Container): Promise<number> {
  const info = await container.inspect();
  const cgroups = await readFile(`/proc/${info.State.Pid}/cgroup`, 'utf8');
  const line = cgroups.split('\n').find((l) => /:memory:/.test(l));
  if (!line) throw new Error('no memory controller line');
  const path = line.split(':').slice(2).join(':');
  return Number((await readFile(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`, 'utf8')).trim());
}

/**
 * Runs a throw-away client container on `network` that resolves `alias` to every address and asks
 * each `/whoami`: which replicas the service's DNS name reaches, from inside the network.
 */
export async function askEveryAddress(runId: string, network: string, alias: string): Promise<string[]> {
  const script = `
    const dns = require('node:dns').promises; const http = require('node:http');
    const get = (ip) => new Promise((ok) => http.get('http://' + ip + ':8080/whoami', (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => ok(b)); }).on('error', (e) => ok('ERR ' + e.message)));
    dns.lookup('${alias}', { all: true }).then(async (addrs) => { const out = []; for (const a of addrs) out.push(await get(a.address)); console.log(JSON.stringify(out)); });`;
  const container = await docker.createContainer({
    Image: baseImage,
    name: `${runId}-client-${randomBytes(2).toString('hex')}`,
    Cmd: ['node', '-e', script],
    Labels: { [testLabel]: runId },
    HostConfig: { NetworkMode: network },
  });
  await container.start();
  await container.wait();
  const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
  await container.remove({ force: true });
  const json = logs.slice(logs.indexOf('['));
  return JSON.parse(json.slice(0, json.lastIndexOf(']') + 1)) as string[];
}

/**
 * A managed service of one running container, its own to the calling suite (labelled with a run
 * id of `prefix`): started before the suite's tests, removed after them. For a scaler that must
 * find a service on the platform to read and decide for (`--require-label ${testLabel}=<runId>`).
 */
export function oneManagedContainer(prefix: string): { runId: string; service: string } {
  const runId = newRunId(prefix);
  const service = `web-${runId}`;
  beforeAll(async () => {
    await ensureBaseImage();
    await startWeb({ runId, name: 'web-1', service });
  }, 120_000);
  afterAll(async () => {
    await removeRun(runId);
  });
  return { runId, service };
}
