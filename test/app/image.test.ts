import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGNAL_LISTENER_PROBE, waitUntil } from '../support/processes.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TAG = 'scalewright:test';
const NAME = `sw-image-test-${process.pid}`;
const LOADING = `${NAME}-loading`;
const SIMULATING = `${NAME}-simulating`;

afterAll(async () => {
  await exec('docker', ['rm', '-f', NAME, LOADING, SIMULATING]).catch(() => undefined);
});

/** What a container printed, stdout and stderr. */
async function logsOf(container: string): Promise<string> {
  const { stdout, stderr } = await exec('docker', ['logs', container]);
  return stdout + stderr;
}

/** The exit code of a container stopped by `docker stop`, which sends SIGTERM and kills only after 60 s (137). */
async function exitCodeOnDockerStop(container: string): Promise<string> {
  await exec('docker', ['stop', '-t', '60', container]);
  return (await exec('docker', ['inspect', '-f', '{{.State.ExitCode}}', container])).stdout.trim();
}

describe('the image', () => {
  it('builds without a registry and answers /healthz inside 100 MB and 0.1 CPU, as a non-root user, and reports healthy', async () => {
    await exec(resolve(ROOT, 'image/build.sh'), [TAG], { cwd: ROOT, env: { ...process.env, SKIP_COMPILE: '1' }, maxBuffer: 16 * 1024 * 1024 });
    await exec('docker', ['run', '-d', '--name', NAME, '--label', 'scalewright.test=image', '--memory', '100m', '--cpus', '0.1', '-e', 'REDIS_URL=redis://127.0.0.1:1', TAG, 'app']);
    const inspect = async (format: string) => (await exec('docker', ['inspect', '-f', format, NAME])).stdout.trim();
    expect(await inspect('{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}')).toBe(`${100 * 1024 * 1024} 100000000`);
    expect(await inspect('{{.Config.User}}')).toBe('1000:1000');
    const ip = await inspect('{{.NetworkSettings.IPAddress}}');
    // Node starting on a tenth of a core, on a CI machine busy with other suites, takes a while.
    await waitUntil('the container to answer /healthz', async () => (await fetch(`http://${ip}:8080/healthz`)).ok, 120_000);
    // No Redis here: alive, but honestly not ready.
    expect((await fetch(`http://${ip}:8080/readyz`)).status).toBe(503);
    await waitUntil('Docker to report the container healthy', async () => (await inspect('{{.State.Health.Status}}')) === 'healthy', 120_000);
    expect(await inspect('{{.State.OOMKilled}}')).toBe('false');
  }, 360_000);

  it('loads every command from its production dependencies alone (no dev package on any path)', async () => {
    for (const command of ['app', 'worker', 'files', 'collector', 'scaler', 'report', 'simulate', 'demo']) {
      const { stdout } = await exec('docker', ['run', '--rm', '--label', 'scalewright.test=image', TAG, command, '--help']);
      expect(stdout, command).toMatch(/Usage: scalewright/);
    }
    // The policy file parser and the load generator are imported lazily: load them for real.
    const { stdout } = await exec('docker', ['run', '--rm', '--label', 'scalewright.test=image', '--entrypoint', 'node', TAG, '-e', "Promise.all([import('/app/dist/scaler/config/loadPolicyConfig.js'), import('/app/dist/demo/runDemo.js')]).then(() => console.log('loaded'))"]);
    expect(stdout.trim()).toBe('loaded');
  }, 120_000);

  it('ends at once on docker stop while Node, its PID 1, still loads the CLI: exit 143, not killed after the stop timeout', async () => {
    // A tenth of a core: loading the CLI takes seconds, and the probe says when the entry listens.
    await exec('docker', ['run', '-d', '--name', LOADING, '--label', 'scalewright.test=image', '--cpus', '0.1', '-e', 'REDIS_URL=redis://127.0.0.1:1', '--entrypoint', 'node', TAG, ...SIGNAL_LISTENER_PROBE, '/app/dist/cli/main.js', 'app']);
    await waitUntil("the CLI's entry to listen for SIGTERM", async () => (await logsOf(LOADING)).includes('probe: a SIGTERM listener was added'), 120_000);
    // Without a handler of its own, PID 1 never sees the SIGTERM: docker stop would wait the 60 s and kill (137).
    expect(await exitCodeOnDockerStop(LOADING), await logsOf(LOADING)).toBe('143');
    expect(await logsOf(LOADING)).toContain('scalewright app: interrupted by SIGTERM while loading: exiting 143');
    expect(await logsOf(LOADING)).not.toContain('app listening');
  }, 180_000);

  it('ends at once on docker stop in the middle of a simulation, without --init: exit 143, not killed after the stop timeout', async () => {
    // simulate has nothing to stop or undo and leaves the signals to Node, whose default PID 1 never gets;
    // at a fifth of a core these replays take half a minute or more, on one thread.
    await exec('docker', ['run', '-d', '--name', SIMULATING, '--label', 'scalewright.test=image', '--cpus', '0.2', TAG, 'simulate', '--synthetic', 'goal,held-out', '--jobs', '1']);
    await waitUntil('the replays to begin', async () => (await logsOf(SIMULATING)).includes('simulating 25 traces'), 120_000);
    expect(await exitCodeOnDockerStop(SIMULATING), await logsOf(SIMULATING)).toBe('143');
    expect(await logsOf(SIMULATING)).toContain('scalewright simulate: interrupted by SIGTERM: exiting 143');
    // Answered before the replays ended (they run on a worker thread, leaving the main one free): no results were printed.
    expect(await logsOf(SIMULATING)).not.toContain('cost = replica-seconds');
  }, 180_000);
});
