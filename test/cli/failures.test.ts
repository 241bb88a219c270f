import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CommanderError } from 'commander';
import { failureLine, failureOutcome } from '../../cli/failure.js';
import { ConfigError } from '../../common/env.js';
import { DependencyTimeoutError } from '../../common/unanswered.js';
import { busyPort } from '../support/failingDependencies.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

/** Runs the built CLI; resolves with its exit code and output whatever the code. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('what a failed command prints', () => {
  it('is one line: the message and the causes under it, without the stack', () => {
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    expect(failureLine(refused)).toBe('error: fetch failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(failureLine(new Error('two\n  lines'))).toBe('error: two lines');
    expect(failureLine('a string')).toBe('error: a string');
  });

  it('gives the stack when asked (LOG_LEVEL debug or trace)', () => {
    const error = new Error('broken');
    expect(failureLine(error, true)).toBe(error.stack);
  });

  it('does not repeat a cause the message already holds', () => {
    const cause = new Error('ENOENT: no such file');
    expect(failureLine(new Error('cannot read config: ENOENT: no such file', { cause }))).toBe('error: cannot read config: ENOENT: no such file');
  });

  it("ends at a dependency's timeout: the library's own words under it only say again that time ran out", () => {
    const timedOut = new DependencyTimeoutError(
      { dependency: 'InfluxDB at http://influxdb:8086', request: 'POST /query (SHOW DATABASES)', deadlineMs: 10_000, setting: 'INFLUX_TIMEOUT_MS' },
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    );
    const line = 'error: InfluxDB at http://influxdb:8086 did not answer POST /query (SHOW DATABASES) within 10 s (set by INFLUX_TIMEOUT_MS)';
    expect(failureLine(timedOut)).toBe(line);
    expect(failureLine(new Error('cannot start the scaler', { cause: timedOut }))).toBe(`error: cannot start the scaler: ${line.slice('error: '.length)}`);
    const influxTimedOut = new Error('InfluxDB at http://influxdb:8086 did not answer POST /query within 10 s (set by INFLUX_TIMEOUT_MS)', { cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError') });
    expect(failureLine(influxTimedOut)).toBe(`error: ${influxTimedOut.message}`);
    expect(failureLine(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('error: The operation was aborted due to timeout');
  });
});

describe('how a command that threw ends', () => {
  it('bad flags or configuration: exit 2 with the message as it is', () => {
    expect(failureOutcome(new ConfigError('invalid configuration: --interval (SCALER_INTERVAL_SECONDS): Too small'))).toEqual({ exitCode: 2, line: 'invalid configuration: --interval (SCALER_INTERVAL_SECONDS): Too small' });
  });

  it("commander's refusals exit 2 and --help exits 0, with nothing more printed (commander has said it)", () => {
    expect(failureOutcome(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'"))).toEqual({ exitCode: 2, line: undefined });
    expect(failureOutcome(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({ exitCode: 0, line: undefined });
  });

  it('anything else is a failure of the run: exit 1, one line', () => {
    expect(failureOutcome(new Error('port 8080 is already in use (--port)'))).toEqual({ exitCode: 1, line: 'error: port 8080 is already in use (--port)' });
  });
});

describe('the command line, given bad input', () => {
  it('refuses to write a word count over its own input (through a link too), and leaves the input as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-cli-'));
    const input = join(dir, 'words.txt');
    await writeFile(input, 'hello world hello\n');
    await symlink(input, join(dir, 'link.txt'));
    for (const output of [input, join(dir, 'link.txt')]) {
      const { code, stderr } = await run(['files', 'wordcount', input, output]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/is the input file itself: writing the result there would destroy the text being counted/);
    }
    expect(await readFile(input, 'utf8')).toBe('hello world hello\n');
  });

  it('exits 2 on a usage error of a nested command (files wordcount, files evensum)', async () => {
    expect((await run(['files', 'wordcount'])).code).toBe(2);
    const extra = await run(['files', 'evensum', 'a', 'b']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/too many arguments for 'evensum'/);
  });

  it('says in one line, exit 1, when a file it was given cannot be read', async () => {
    const { code, stderr } = await run(['files', 'evensum', join(tmpdir(), 'sw-no-such-file')]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^error: ENOENT: no such file or directory/);
  });

  it('exits 2 naming --redis-url and REDIS_URL when it is not a Redis URL with a port in range, before connecting', async () => {
    for (const url of ['notaurl', 'http://x', 'redis://127.0.0.1:99999']) {
      const worker = await run(['worker'], { REDIS_URL: url });
      expect(worker.code, url).toBe(2);
      expect(worker.stderr).toMatch(/^invalid configuration: --redis-url \(REDIS_URL\): expected a URL such as redis:\/\/host:6379/);
    }
    const scaler = await run(['scaler', '--once', '--redis-url', 'notaurl']);
    expect(scaler.code).toBe(2);
    expect(scaler.stderr).toMatch(/^invalid configuration: --redis-url \(REDIS_URL\): expected a URL/);
  });

  // Before: the app died with the unhandled 'error' event's stack trace; the worker printed the
  // listen error and kept running, its Redis connections already open.
  it.each([
    ['app', 'PORT', '--port', 'app listening'],
    ['worker', 'WORKER_METRICS_PORT', '--metrics-port', 'worker started'],
  ])('%s on a port in use (%s): one line naming it, exit 1, and it ends', async (command, variable, flag, startedLine) => {
    const busy = await busyPort();
    const root = await mkdtemp(join(tmpdir(), 'sw-busy-port-'));
    try {
      // A Redis that is there: its open connections would keep a failed start running.
      const started = await run([command], { [variable]: String(busy.port), HOST: '127.0.0.1', DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') });
      expect(started.code).toBe(1);
      expect(started.stderr).toBe(`error: port ${busy.port} is already in use (${flag})\n`);
      expect(started.stdout).not.toContain(startedLine);
    } finally {
      await busy.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('exits 2 naming LOG_LEVEL when it is not a level, before it starts (files logs on stderr what an interruption did)', async () => {
    const refused = /^invalid configuration: LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"\n$/;
    const files = await run(['files', 'evensum', '/dev/null'], { LOG_LEVEL: 'loud' });
    expect(files.code).toBe(2);
    expect(files.stderr).toMatch(refused);
    expect(files.stdout).toBe('');
    const worker = await run(['worker'], { LOG_LEVEL: 'loud', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(refused);
  });

  it('refuses a LOG_LEVEL that is not a level in the commands that log nothing as well, and still gives --help', async () => {
    const refused = /^invalid configuration: LOG_LEVEL: expected one of .+, got "loud"\n$/;
    const report = await run(['report', '--influx-url', 'http://127.0.0.1:1'], { LOG_LEVEL: 'loud' });
    expect(report).toMatchObject({ code: 2, stdout: '' });
    expect(report.stderr).toMatch(refused);
    const simulate = await run(['simulate', '--synthetic', 'goal'], { LOG_LEVEL: 'loud' });
    expect(simulate).toMatchObject({ code: 2, stdout: '' });
    expect(simulate.stderr).toMatch(refused);
    expect((await run(['report', '--help'], { LOG_LEVEL: 'loud' })).code).toBe(0);
  });
});

describe('--help', () => {
  it('every command and subcommand prints its help with the exit codes, and exits 0', async () => {
    for (const command of [['app'], ['worker'], ['collector'], ['scaler'], ['report'], ['simulate'], ['files'], ['files', 'wordcount'], ['files', 'evensum'], ['demo'], ['demo-large-file']]) {
      const { code, stdout } = await run([...command, '--help']);
      expect(code, command.join(' ')).toBe(0);
      expect(stdout, command.join(' ')).toMatch(/^Exit codes: 0 .+, 1 .+, 2 .+\.$/m);
    }
  });
});
