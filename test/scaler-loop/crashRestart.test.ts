/**
 * The scaler process killed (SIGKILL, no clean-up) between deciding and applying, and again in
 * the middle of applying, then restarted: the service must end with exactly the replicas the
 * policy wants, no half-made clone left behind and none added twice. The scaler runs as the real
 * CLI in child processes, compiled with tsc into a private folder under node_modules/.cache (plain
 * JS is needed to run it as a process); the store is fed "100 requests/s" for a service whose
 * labels say 40 requests/s per replica, so the policy wants 3 replicas throughout.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxConnection } from '../../common/influx/index.js';
import { baseImage, createNetwork, docker, ensureBaseImage, healthcheck, newRunId, removeRun, runContainers, testLabel, waitHealthy, webScript } from '../actuators/support/fixtures.js';
import { feedServiceStats, privateDatabase } from './support/influx.js';

const runId = newRunId('crash');
const service = `crash-${runId}`;
const outDir = `node_modules/.cache/sw-crash-${runId}`;
let connection: InfluxConnection;
let feeder: ReturnType<typeof feedServiceStats>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureBaseImage();
  // tsc exits non-zero while other parts of the tree have type errors; it still emits.
  await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', outDir], { timeout: 240_000 }).catch(() => undefined);
  connection = await privateDatabase(`crash_${runId.replace(/-/g, '_')}`);
  const network = await createNetwork(runId);
  const first = await docker.createContainer({
    Image: baseImage,
    name: `${runId}-1`,
    Cmd: ['node', '-e', webScript],
    Labels: { [testLabel]: runId, 'scalewright.service': service, 'scalewright.managed': 'true', 'scalewright.target.rps-per-replica': '40', 'scalewright.max-replicas': '5' },
    Healthcheck: healthcheck,
    HostConfig: { NanoCpus: 250_000_000, Memory: 128 * 2 ** 20, NetworkMode: network },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['crash'] } } },
  });
  await first.start();
  await waitHealthy(first);
  feeder = feedServiceStats(connection, service, () => ({ replicas: 1, requests_per_second: 100, cpu_usage_cores: 0.22, cpu_limit_cores: 0.25, cpu_fraction_of_limit: 0.88, memory_working_set_bytes: 105 * 2 ** 20, memory_limit_bytes: 128 * 2 ** 20, memory_fraction_of_limit_max: 0.8, oom_kills_total: 0 }));
  await feeder.backfill(30);
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  feeder?.stop();
  await removeRun(runId);
  await rm(outDir, { recursive: true, force: true });
});

/** Starts the scaler CLI; resolves with the child once a log line matches `killAt`, or on exit. */
function startScaler(): { child: ChildProcess; lines: Array<Record<string, unknown>>; waitFor(match: RegExp, timeoutMs?: number): Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, [`${outDir}/cli/main.js`, 'scaler', '--interval', '1', '--service', service, '--require-label', `${testLabel}=${runId}`, '--drain', '5', '--port', '0', '--lease-ttl', '2000'], {
    env: { ...process.env, INFLUX_URL: connection.url, INFLUX_DB: connection.database, SCALER_LEASE_KEY: `scalewright:test:${runId}`, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: RegExp; resolve: (line: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) if (waiter.match.test(String(line.msg))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  return {
    child,
    lines,
    waitFor: (match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => match.test(String(l.msg)));
        if (seen) return resolve(seen);
        waiters.push({ match, resolve });
        setTimeout(() => reject(new Error(`no log line ${match} within ${timeoutMs} ms; got: ${lines.map((l) => l.msg).join(' | ')}`)), timeoutMs).unref();
      }),
  };
}

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
}

describe('the scaler killed and restarted', () => {
  it('leaves no orphan and no duplicate replica: the restarted scaler converges on exactly the wanted count', async () => {
    // 1. Killed right after deciding, as it starts applying.
    const first = startScaler();
    await first.waitFor(/^applying scale_out/);
    await kill(first.child);

    // 2. Restarted (it takes the lease over once the dead holder's expires), killed again after it
    //    started a new replica but before the replica was healthy.
    const second = startScaler();
    await second.waitFor(/replica started: waiting until it is healthy|^applying scale_out/, 60_000);
    await second.waitFor(/replica started: waiting until it is healthy/, 30_000).catch(() => undefined);
    await kill(second.child);
    const afterKills = await runContainers(runId, service);
    process.stdout.write(`after two kills: ${afterKills.map((c) => `${c.Names[0]} ${c.State} (${c.Status})`).join('; ')}\n`);

    // 3. Restarted once more: it must finish the job from the facts.
    let most = 0;
    const watch = setInterval(() => {
      void runContainers(runId, service).then((list) => {
        most = Math.max(most, list.filter((c) => c.State === 'running' && !c.Names.some((n) => n.endsWith('-draining'))).length);
      });
    }, 150);
    const third = startScaler();
    try {
      const deadline = Date.now() + 60_000;
      let settled = false;
      while (Date.now() < deadline && !settled) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const list = await runContainers(runId, service);
        const infos = await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
        settled = infos.length === 3 && infos.every((i) => i.State.Running && i.State.Health?.Status === 'healthy');
      }
      // and it stays there over a few more ticks
      await new Promise((resolve) => setTimeout(resolve, 3000));
    } finally {
      clearInterval(watch);
      third.child.kill('SIGTERM');
      if (third.child.exitCode === null) await new Promise((resolve) => third.child.once('exit', resolve));
    }

    const final = await runContainers(runId, service);
    const infos = await Promise.all(final.map((c) => docker.getContainer(c.Id).inspect()));
    expect(infos.map((i) => i.State.Status)).toEqual(['running', 'running', 'running']);
    expect(infos.every((i) => i.State.Health?.Status === 'healthy')).toBe(true);
    expect(infos.some((i) => i.Name.endsWith('-draining'))).toBe(false);
    // never more than the wanted count running at once: nothing was added twice
    expect(most).toBeLessThanOrEqual(3);
    // the kills did leave work half-done (otherwise this test would prove nothing)
    expect(afterKills.length < 3 || afterKills.some((c) => c.State !== 'running' || /health: starting/.test(c.Status))).toBe(true);
    // the scaler that took over after a crash had to wait for the dead holder's lease
    expect(third.lines.some((l) => /lease acquired/.test(String(l.msg)))).toBe(true);
  }, 180_000);
});
