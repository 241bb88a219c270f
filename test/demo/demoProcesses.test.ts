/**
 * The platform's own parts a demo runs (collector, scaler, report) are stopped at its end, or at an
 * interrupt, and waited for: each stops as it does anywhere (SIGTERM: the collector writes what it
 * holds, the scaler hands its lease back) while InfluxDB and the containers are still there, a part
 * that outlasts the grace is killed, and each log file is whole, stderr's last line included, before
 * the demo removes the stack and exits. Before, the parts were sent SIGTERM and not waited for: the
 * demo removed InfluxDB under a collector still writing, and an interrupt left an empty
 * collector.log. Real CLI processes (dist/) against a Redis that never answers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { DemoProcesses } from '../../demo/demoProcesses.js';
import { silentServer, type SilentServer } from '../support/failingDependencies.js';
import { CLI, SIGNAL_LISTENER_PROBE, waitUntil } from '../support/processes.js';

describe("a demo's parts, stopped together", () => {
  let out: string;
  let redis: SilentServer;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'sw-demo-parts-'));
    redis = await silentServer();
    env = {
      ...process.env,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      DATA_DIR: join(out, 'data'),
      OUTPUT_DIR: join(out, 'output'),
      UPLOAD_DIR: join(out, 'uploads'),
      WORKER_METRICS_PORT: '0',
    };
  });
  afterEach(async () => {
    await redis.close();
    await rm(out, { recursive: true, force: true });
  });

  const log = (name: string) => readFile(join(out, `${name}.log`), 'utf8');

  it('waits for each part to stop on its own: once it resolves, the part has exited 0 and its log ends with its stop', async () => {
    const parts = new DemoProcesses(out, env, CLI);
    const app = parts.start('app', ['app', '--port', String(await freePort())]);
    await waitUntil('the app to listen', async () => (await log('app')).includes('app listening'), 30_000);
    await parts.stopAll();
    expect(app.exitCode).toBe(0);
    const lines = (await log('app')).trim().split('\n');
    expect(lines.some((line) => line.includes('shutting down'))).toBe(true);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ msg: 'stopped' });
  });

  it('kills a part that outlasts the grace (a worker waiting on a Redis that never answers), and still resolves', async () => {
    const parts = new DemoProcesses(out, { ...env, SHUTDOWN_GRACE_MS: '120000' }, CLI);
    const worker = parts.start('worker', ['worker']);
    await waitUntil('the worker to start', async () => (await log('worker')).includes('worker started'), 30_000);
    await parts.stopAll(1_000);
    expect(worker.signalCode).toBe('SIGKILL');
    expect(await log('worker')).toContain('shutting down');
  });

  it("keeps a part's last words on stderr: a collector interrupted while the CLI loads says so in collector.log", async () => {
    const parts = new DemoProcesses(out, { ...env, NODE_OPTIONS: SIGNAL_LISTENER_PROBE.join('=') }, CLI);
    const collector = parts.start('collector', ['collector', '--port', String(await freePort())]);
    await waitUntil("the CLI's entry to listen", async () => (await log('collector')).includes('probe: a SIGTERM listener was added'), 30_000);
    await parts.stopAll();
    expect(collector.exitCode).toBe(143);
    expect(await log('collector')).toContain('scalewright collector: interrupted by SIGTERM while loading: exiting 143\n');
  });

  it('stops once: the teardown waits for the stop an interrupt began', async () => {
    const parts = new DemoProcesses(out, env, CLI);
    parts.start('app', ['app', '--port', String(await freePort())]);
    await waitUntil('the app to listen', async () => (await log('app')).includes('app listening'), 30_000);
    const first = parts.stopAll();
    expect(parts.stopAll()).toBe(first);
    await first;
    expect((await log('app')).match(/shutting down/g)).toHaveLength(1);
  });
});
