/**
 * The commands as an operator runs them in a Swarm service, the password in a secret's file named
 * by a *_FILE variable, against an InfluxDB and a Redis of the test's own that ask for one: the
 * shared ones of the global setup take anyone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, waitUntil } from '../support/processes.js';
import { influxdFolder } from '../support/influxdConfig.js';
import { freePort } from '../support/services.js';

const ADMIN_PASSWORD = 'influx-admin-secret';
const REDIS_PASSWORD = 'redis-secret';

let dir: string;
let influxdDir: string;
const servers: ChildProcess[] = [];
const running: ChildProcess[] = [];

/** The environment of the child, without the run's own REDIS_URL and INFLUX_* (set by the global setup), plus `env`. */
function childEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => value !== undefined && !/^(REDIS_URL|INFLUX_)/.test(name))) as Record<string, string>;
  return { ...inherited, LOG_LEVEL: 'info', ...env };
}

/** Runs `scalewright <args>` to its end: its exit code and what it wrote. */
async function runToEnd(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, output };
}

/** Whether something listens on the loopback `port`. */
function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

async function secretFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('a password from a *_FILE variable, against services that ask for one', () => {
  let influxUrl: string;
  let redisPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-secret-file-cli-'));
    // InfluxDB 1.x with authentication on; with no user yet, it takes the first admin from anyone.
    const influxd = await influxdFolder('sw-influx-auth-');
    servers.push(spawn('influxd', ['run', '-config', influxd.config], { stdio: 'ignore', env: { ...process.env, INFLUXDB_HTTP_AUTH_ENABLED: 'true' } }));
    influxUrl = influxd.url;
    influxdDir = influxd.dir;
    await waitUntil('influxd with authentication', async () => (await fetch(`${influxUrl}/ping`)).status === 204, 30_000);
    const query = async (q: string, auth?: string) => {
      const response = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q }), headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} });
      if (!response.ok) throw new Error(`${q}: ${response.status} ${await response.text()}`);
    };
    await query(`CREATE USER admin WITH PASSWORD '${ADMIN_PASSWORD}' WITH ALL PRIVILEGES`);
    await query('CREATE DATABASE secretfiles', `admin:${ADMIN_PASSWORD}`);
    expect((await fetch(`${influxUrl}/query?q=SHOW+DATABASES`)).status).toBe(401);

    redisPort = await freePort();
    servers.push(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', REDIS_PASSWORD], { stdio: 'ignore', cwd: dir }));
    await waitUntil('redis-server with a password', () => answers(redisPort), 20_000);
  });

  afterAll(async () => {
    for (const child of [...running, ...servers]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sleep(200);
    await rm(dir, { recursive: true, force: true });
    await rm(influxdDir, { recursive: true, force: true });
  });

  const report = (env: Record<string, string>, out: string) =>
    runToEnd(['report', '--influx-url', influxUrl, '--influx-db', 'secretfiles', '--retention-policy', 'autogen', '--out', join(dir, out)], { INFLUX_USER: 'admin', ...env });

  it('report signs in to InfluxDB with INFLUX_PASSWORD_FILE (a Swarm secret ends with a newline), and a wrong one is refused by InfluxDB', async () => {
    const accepted = await report({ INFLUX_PASSWORD_FILE: await secretFile('influx-password', `${ADMIN_PASSWORD}\n`) }, 'accepted');
    expect(accepted, accepted.output).toMatchObject({ code: 0 });
    expect(accepted.output).toContain('no service has written service_stats to this database');

    const wrong = await report({ INFLUX_PASSWORD_FILE: await secretFile('wrong-password', 'not-the-password\n') }, 'wrong');
    expect(wrong, wrong.output).toMatchObject({ code: 1 });
    expect(wrong.output).toContain('401');
  });

  it('report exits 2 before asking InfluxDB anything when INFLUX_PASSWORD and INFLUX_PASSWORD_FILE are both set, or the file is missing; the value is never printed', async () => {
    const both = await report({ INFLUX_PASSWORD: ADMIN_PASSWORD, INFLUX_PASSWORD_FILE: await secretFile('both', `${ADMIN_PASSWORD}\n`) }, 'both-out');
    expect(both.code).toBe(2);
    expect(both.output.trim()).toBe('invalid configuration: INFLUX_PASSWORD and INFLUX_PASSWORD_FILE are both set: set one (the value, or the file that holds it)');
    const missing = await report({ INFLUX_PASSWORD_FILE: join(dir, 'no-such-secret') }, 'missing-out');
    expect(missing).toEqual({ code: 2, output: `invalid configuration: INFLUX_PASSWORD_FILE: no such file: ${join(dir, 'no-such-secret')}\n` });
    await expect(readdir(join(dir, 'both-out'))).rejects.toThrow(/ENOENT/);
  });

  it('the app reaches a Redis that asks for a password through REDIS_URL_FILE, in place of --redis-url\'s default', async () => {
    const port = await freePort();
    const data = join(dir, 'app');
    await mkdir(data, { recursive: true });
    const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(data, 'data'), OUTPUT_DIR: join(data, 'output'), UPLOAD_DIR: join(data, 'uploads') };
    const app = spawn(process.execPath, [CLI, 'app'], { env: childEnv({ ...env, REDIS_URL_FILE: await secretFile('redis-url', `redis://:${REDIS_PASSWORD}@127.0.0.1:${redisPort}/0\n`) }), stdio: 'ignore' });
    running.push(app);
    // Ready means Redis answered: with the password of the file, not the default's Redis on 6379.
    await waitUntil('the app to be ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 20_000);
    app.kill('SIGTERM');
    await new Promise((done) => app.once('exit', done));
  });
});
