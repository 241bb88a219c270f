/**
 * Starts the real services the suites talk to: a private redis-server and a private influxd,
 * each on a free loopback port with its data in a temporary folder, stopped when the run ends.
 * Their addresses reach the suites as REDIS_URL and INFLUX_URL. A Docker engine is not started
 * here (it needs root and is machine-wide): `.ci/run` starts dockerd, and DOCKER_HOST is honoured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../common/freePort.js';
import { influxdFolder } from './influxdConfig.js';

const children: ChildProcess[] = [];
const folders: string[] = [];

export { freePort };

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

function start(command: string, args: string[], logName: string): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  child.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  child.on('error', (error) => { throw new Error(`${logName}: cannot start ${command}: ${error.message}`); });
  child.on('exit', (code) => { if (code && code !== 0) process.stderr.write(`${logName} exited ${code}:\n${output}\n`); });
  children.push(child);
  return child;
}

async function startRedis(): Promise<string> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sw-redis-'));
  folders.push(dir);
  start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], 'redis-server');
  const { Redis } = await import('ioredis');
  await waitFor('redis-server', async () => {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try { await client.connect(); return (await client.ping()) === 'PONG'; } finally { client.disconnect(); }
  });
  return `redis://127.0.0.1:${port}`;
}

async function startInflux(): Promise<string> {
  const { url, dir, config } = await influxdFolder('sw-influx-', ['[continuous_queries]', '  run-interval = "1s"']);
  folders.push(dir);
  start('influxd', ['run', '-config', config], 'influxd');
  await waitFor('influxd', async () => (await fetch(`${url}/ping`)).status === 204);
  return url;
}

export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  const redisUrl = process.env.TEST_REDIS_URL ?? (await startRedis());
  const influxUrl = process.env.TEST_INFLUX_URL ?? (await startInflux());
  process.env.REDIS_URL = redisUrl;
  process.env.INFLUX_URL = influxUrl;
  provide('redisUrl', redisUrl);
  provide('influxUrl', influxUrl);
  return async () => {
    for (const child of children) child.kill('SIGTERM');
    await sleep(200);
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    influxUrl: string;
  }
}
