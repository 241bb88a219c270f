import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);
const cli = (...args: string[]) => exec(process.execPath, [CLI, ...args]).then(
  (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
  (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, stdout: failed.stdout, stderr: failed.stderr }),
);

describe('the command line', () => {
  it('lists its subcommands in --help and exits 0', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/app\b/);
    expect(stdout).toMatch(/worker\b/);
  });

  it.each(['app', 'worker'])('documents every option of `%s --help` with its environment variable', async (command) => {
    const { code, stdout } = await cli(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/env: REDIS_URL/);
  });

  it('exits 2 with a message on an unknown subcommand or option', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const { code, stderr } = await cli('app', '--no-such-flag');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown option/);
  });

  it('exits 2 naming the variable when the configuration is invalid', async () => {
    const { code, stderr } = await exec(process.execPath, [CLI, 'app'], { env: { ...process.env, PORT: 'eighty' } }).then(
      () => ({ code: 0, stderr: '' }),
      (failed: { code: number; stderr: string }) => failed,
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT/);
  });

  it.each([
    ['app', ['--port', 'eighty'], /invalid configuration: --port \(PORT\): /],
    ['app', ['--redis-url', 'http://redis:6379'], /--redis-url \(REDIS_URL\): expected a URL such as redis:/],
    ['worker', ['--concurrency', '0'], /--concurrency \(WORKER_CONCURRENCY\): /],
    ['worker', ['--metrics-port', '70000'], /--metrics-port \(WORKER_METRICS_PORT\): /],
  ])('`%s %s`: exits 2 naming the flag and its variable, as the other commands do', async (command, args, message) => {
    const { code, stderr } = await cli(command, ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('names the flag too when the bad value came from its variable, and the variable alone when it has no flag', async () => {
    const withEnv = (env: Record<string, string>) => exec(process.execPath, [CLI, 'app'], { env: { ...process.env, ...env } }).then(
      () => ({ code: 0, stderr: '' }),
      (failed: { code: number; stderr: string }) => failed,
    );
    const fromVariable = await withEnv({ PORT: 'eighty' });
    expect(fromVariable.code).toBe(2);
    expect(fromVariable.stderr).toMatch(/--port \(PORT\): /);
    const noFlag = await withEnv({ JSON_BODY_LIMIT: 'lots' });
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toMatch(/invalid configuration: JSON_BODY_LIMIT: not a byte size/);
  });

  it('exits 2 when the worker is asked for a job type that does not exist', async () => {
    const { code, stderr } = await cli('worker', '--types', 'wordcount,teleport');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--types \(WORKER_TYPES\): unknown queue\(s\) teleport/);
  });
});
