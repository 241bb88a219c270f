import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, envFlags, type EnvFlags } from '../../common/env.js';
import { influxConnectionFrom } from '../../common/influx/index.js';
import { readSecretFile, SECRET_FILE_MAX_BYTES, secretFilesHelp } from '../../common/secretFiles.js';
import { loadAppConfig } from '../../app/config.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { failureOutcome } from '../../cli/failure.js';

const dir = await mkdtemp(join(tmpdir(), 'sw-secret-files-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A file in the test's folder holding `text`. */
async function secretFile(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The ConfigError `load` throws (failing the test when it throws none, or another error). */
function refusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, got a configuration');
}

describe('a secret read from a file (readSecretFile)', () => {
  it('is the file without its trailing line breaks, as `echo pw | docker secret create` and editors leave one', async () => {
    expect(readSecretFile('INFLUX_PASSWORD_FILE', await secretFile('newline', 's3cret\n'))).toEqual({ value: 's3cret' });
    expect(readSecretFile('INFLUX_PASSWORD_FILE', await secretFile('crlf', 's3cret\r\n'))).toEqual({ value: 's3cret' });
    expect(readSecretFile('INFLUX_PASSWORD_FILE', await secretFile('none', 's3cret'))).toEqual({ value: 's3cret' });
    expect(readSecretFile('INFLUX_PASSWORD_FILE', await secretFile('several', 's3cret\n\n'))).toEqual({ value: 's3cret' });
  });

  it('keeps every other character: spaces, quotes, a dollar, a line break inside', async () => {
    expect(readSecretFile('INFLUX_PASSWORD_FILE', await secretFile('odd', ' a "b" $c\nd \n'))).toEqual({ value: ' a "b" $c\nd ' });
  });

  it('is refused, naming the variable and the path, when the file is missing, a folder, not a regular file or empty', async () => {
    const missing = join(dir, 'missing');
    expect(readSecretFile('INFLUX_PASSWORD_FILE', missing)).toEqual({ problem: `INFLUX_PASSWORD_FILE: no such file: ${missing}` });
    expect(readSecretFile('INFLUX_PASSWORD_FILE', join(missing, 'below'))).toEqual({ problem: `INFLUX_PASSWORD_FILE: no such file: ${join(missing, 'below')}` });
    expect(readSecretFile('INFLUX_PASSWORD_FILE', dir)).toEqual({ problem: `INFLUX_PASSWORD_FILE: not a file: ${dir} is a folder` });
    expect(readSecretFile('INFLUX_TOKEN_FILE', '/dev/null')).toEqual({ problem: 'INFLUX_TOKEN_FILE: not a regular file: /dev/null' });
    const empty = await secretFile('empty', '\n');
    expect(readSecretFile('REDIS_URL_FILE', empty)).toEqual({ problem: `REDIS_URL_FILE: ${empty} is empty` });
  });

  it('is refused over 64KiB (the wrong file: a secret is a few hundred bytes), and taken at 64KiB', async () => {
    const big = await secretFile('big', Buffer.alloc(SECRET_FILE_MAX_BYTES + 1, 'a'));
    expect(readSecretFile('INFLUX_TOKEN_FILE', big)).toEqual({ problem: `INFLUX_TOKEN_FILE: ${big} is 65537 bytes, over the 64KiB a secret file may be` });
    const atLimit = await secretFile('at-limit', Buffer.alloc(SECRET_FILE_MAX_BYTES, 'a'));
    expect(readSecretFile('INFLUX_TOKEN_FILE', atLimit)).toEqual({ value: 'a'.repeat(SECRET_FILE_MAX_BYTES) });
  });

  it.skipIf(process.getuid?.() === 0)('is refused when the file cannot be read (not for root, who reads any file)', async () => {
    const locked = await secretFile('locked', 'secret\n');
    const { chmod } = await import('node:fs/promises');
    await chmod(locked, 0o000);
    expect(readSecretFile('INFLUX_PASSWORD_FILE', locked)).toEqual({ problem: `INFLUX_PASSWORD_FILE: cannot read ${locked}: permission denied` });
  });
});

describe('the configuration of every command (readEnv): NAME_FILE gives NAME', () => {
  it('reaches the InfluxDB client: the scaler and the collector sign in with the password or the token in the file', async () => {
    const password = await secretFile('influx-password', 'from-the-file\n');
    const scaler = loadScalerConfig({ INFLUX_USER: 'scalewright', INFLUX_PASSWORD_FILE: password });
    expect(influxConnectionFrom(scaler).auth).toEqual({ kind: 'basic', user: 'scalewright', password: 'from-the-file' });
    const token = await secretFile('influx-token', 'a-token\n');
    const collector = loadCollectorConfig({ INFLUX_TOKEN_FILE: token });
    expect(influxConnectionFrom(collector).auth).toEqual({ kind: 'token', token: 'a-token' });
  });

  it('reads REDIS_URL too, which holds the password of a Redis that asks for one', async () => {
    const url = await secretFile('redis-url', 'redis://:pw@redis:6379/2\n');
    expect(loadAppConfig({ REDIS_URL_FILE: url }).REDIS_URL).toBe('redis://:pw@redis:6379/2');
    expect(loadScalerConfig({ REDIS_URL_FILE: url }).REDIS_URL).toBe('redis://:pw@redis:6379/2');
  });

  it('refuses the variable and its file both set (exit 2), naming both, whatever the file holds', async () => {
    const password = await secretFile('both', 'from-the-file\n');
    const error = refusal(() => loadScalerConfig({ INFLUX_PASSWORD: 'plain', INFLUX_PASSWORD_FILE: password }));
    expect(error.message).toBe('invalid configuration: INFLUX_PASSWORD and INFLUX_PASSWORD_FILE are both set: set one (the value, or the file that holds it)');
    expect(failureOutcome(error).exitCode).toBe(2);
    // A missing file is no excuse either: the two settings contradict each other first.
    expect(refusal(() => loadCollectorConfig({ INFLUX_TOKEN: 't', INFLUX_TOKEN_FILE: join(dir, 'missing') })).message).toContain('INFLUX_TOKEN and INFLUX_TOKEN_FILE are both set');
  });

  it('refuses a file it cannot take (exit 2), naming the variable and the path, and says every problem at once', () => {
    const error = refusal(() => loadScalerConfig({ INFLUX_PASSWORD_FILE: join(dir, 'missing'), REDIS_URL_FILE: dir }));
    expect(error.message).toBe(`invalid configuration: INFLUX_PASSWORD_FILE: no such file: ${join(dir, 'missing')}; REDIS_URL_FILE: not a file: ${dir} is a folder`);
    expect(failureOutcome(error).exitCode).toBe(2);
  });

  it('never quotes the value: a value from a file that the setting refuses is refused without it', async () => {
    const url = await secretFile('bad-redis-url', 'http://user:hunter2@redis:6379\n');
    const error = refusal(() => loadAppConfig({ REDIS_URL_FILE: url }));
    expect(error.message).toContain('REDIS_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('treats an empty NAME or NAME_FILE as unset, as it does every variable', async () => {
    const password = await secretFile('empty-other', 'from-the-file\n');
    expect(loadScalerConfig({ INFLUX_PASSWORD: '', INFLUX_PASSWORD_FILE: password }).INFLUX_PASSWORD).toBe('from-the-file');
    expect(loadScalerConfig({ INFLUX_PASSWORD: 'plain', INFLUX_PASSWORD_FILE: '' }).INFLUX_PASSWORD).toBe('plain');
  });

  it('leaves alone the _FILE of a setting the command does not read: the app reads nothing of InfluxDB', () => {
    expect(() => loadAppConfig({ INFLUX_PASSWORD_FILE: join(dir, 'missing') })).not.toThrow();
  });
});

describe('a secret whose flag sets it too (--redis-url, REDIS_URL)', () => {
  afterEach(() => vi.unstubAllEnvs());

  /** A command like `app` and `worker`: `--redis-url` with the variable REDIS_URL and a default, its options passed as variables. */
  function redisUrlFrom(args: string[]): string {
    let redisUrl = '';
    const command = new Command('like-app')
      .exitOverride()
      .addOption(new Option('--redis-url <url>', 'Redis').env('REDIS_URL').default('redis://127.0.0.1:6379'))
      .action((options: Record<string, string>, self: Command) => {
        redisUrl = loadAppConfig({ ...process.env, REDIS_URL: options.redisUrl }, envFlags(self)).REDIS_URL;
      });
    command.parse(args, { from: 'user' });
    return redisUrl;
  }

  it('the file wins over the flag\'s default, which nobody set', async () => {
    vi.stubEnv('REDIS_URL', undefined);
    vi.stubEnv('REDIS_URL_FILE', await secretFile('flag-redis-url', 'redis://:pw@from-file:6379\n'));
    expect(redisUrlFrom([])).toBe('redis://:pw@from-file:6379');
  });

  it('the flag given on the command line wins over the file, as it wins over the variable: the file is not read', () => {
    vi.stubEnv('REDIS_URL', undefined);
    vi.stubEnv('REDIS_URL_FILE', join(dir, 'missing'));
    expect(redisUrlFrom(['--redis-url', 'redis://from-flag:6379'])).toBe('redis://from-flag:6379');
  });

  it('the variable and the file both set are refused, as they are without a flag', async () => {
    vi.stubEnv('REDIS_URL', 'redis://from-env:6379');
    vi.stubEnv('REDIS_URL_FILE', await secretFile('flag-both', 'redis://from-file:6379\n'));
    expect(() => redisUrlFrom([])).toThrow('invalid configuration: REDIS_URL and REDIS_URL_FILE are both set');
  });
});

describe('the flags that set variables (envFlags), as plain data readEnv is given', () => {
  /** A command with `--redis-url` (REDIS_URL, with a default) and `--port` (PORT), parsed from `args`. */
  function parsed(args: string[]): Command {
    const command = new Command('like-app')
      .exitOverride()
      .addOption(new Option('--redis-url <url>', 'Redis').env('REDIS_URL').default('redis://127.0.0.1:6379'))
      .addOption(new Option('-p, --port <port>', 'port').env('PORT'))
      .addOption(new Option('--verbose', 'no variable: not one of them'))
      .action(() => {});
    return command.parse(args, { from: 'user' });
  }

  afterEach(() => vi.unstubAllEnvs());

  it('names, for each variable a flag sets, the flag and where its value came from: the command line, the variable, the default', () => {
    vi.stubEnv('REDIS_URL', undefined);
    vi.stubEnv('PORT', '8081');
    expect(envFlags(parsed(['--redis-url', 'redis://from-flag:6379']))).toEqual({
      REDIS_URL: { flag: '--redis-url', source: 'cli' },
      PORT: { flag: '--port', source: 'env' },
    });
    vi.stubEnv('PORT', undefined);
    expect(envFlags(parsed([]))).toEqual({ REDIS_URL: { flag: '--redis-url', source: 'default' }, PORT: { flag: '--port', source: undefined } });
  });

  it('is written out as readEnv takes it, with no command: a flag given wins over the file, a default gives way to it', async () => {
    const url = await secretFile('explicit-redis-url', 'redis://:pw@from-file:6379\n');
    const given: EnvFlags = { REDIS_URL: { flag: '--redis-url', source: 'cli' } };
    const defaulted: EnvFlags = { REDIS_URL: { flag: '--redis-url', source: 'default' } };
    expect(loadAppConfig({ REDIS_URL: 'redis://from-flag:6379', REDIS_URL_FILE: join(dir, 'missing') }, given).REDIS_URL).toBe('redis://from-flag:6379');
    expect(loadAppConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_URL_FILE: url }, defaulted).REDIS_URL).toBe('redis://:pw@from-file:6379');
    expect(refusal(() => loadAppConfig({ REDIS_URL: 'redis://from-env:6379', REDIS_URL_FILE: url }, { REDIS_URL: { flag: '--redis-url', source: 'env' } })).message)
      .toBe('invalid configuration: REDIS_URL and REDIS_URL_FILE are both set: set one (the value, or the file that holds it)');
  });

  it('names the flag beside the variable in a refusal', () => {
    const flags: EnvFlags = { REDIS_URL: { flag: '--redis-url', source: 'cli' } };
    expect(refusal(() => loadAppConfig({ REDIS_URL: 'http://redis:6379' }, flags)).message).toMatch(/^invalid configuration: --redis-url \(REDIS_URL\): expected a URL such as redis:\/\/host:6379/);
  });
});

describe('--help', () => {
  it('says, once per command, which secrets may come from files and how', () => {
    expect(secretFilesHelp(['INFLUX_PASSWORD', 'INFLUX_TOKEN'])).toBe(
      "\nSecrets as files (Docker/Swarm secrets): INFLUX_PASSWORD_FILE=/run/secrets/<name> instead of INFLUX_PASSWORD, likewise INFLUX_TOKEN_FILE;\ntrailing newlines in the file are dropped; a variable and its _FILE both set is refused.",
    );
    expect(secretFilesHelp(['REDIS_URL'])).toContain('REDIS_URL_FILE=/run/secrets/<name> instead of REDIS_URL;');
  });
});
