/**
 * A malformed InfluxDB URL, and a misspelt key deep in a policy file, are configuration errors:
 * exit 2 and one line naming the flag, its variable and the value, before InfluxDB is asked
 * anything. Before, `report --influx-url localhost:8086` printed `error: Invalid URL` (exit 1), the
 * collector ran on warning every second, `scaler --once` exited 1, and `replicas: {mni: 3}` was
 * applied as if absent.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/env.js';
import { influxBaseUrlProblem, influxUrlArgument, readInfluxEnv } from '../../common/influx/config.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

/** Runs the built CLI with only the environment given (no INFLUX_URL of the shell's). */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('INFLUX_') && !key.startsWith('SCALER_') && !key.startsWith('COLLECTOR_')));
  return exec(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, timeout: 20_000 }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number | null; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

/** Each command that reads INFLUX_URL, as an operator would start it (nothing else to refuse). */
const COMMANDS: Record<string, string[]> = {
  report: ['report'],
  collector: ['collector', '--port', '0', '--host', '127.0.0.1'],
  'scaler --once': ['scaler', '--once', '--dry-run', '--port', '0', '--host', '127.0.0.1'],
};

/** An HTTP server standing where InfluxDB would, counting what it is asked. */
let listener: Server;
let asked = 0;
let address: string;
beforeAll(async () => {
  listener = createServer((_request, response) => {
    asked += 1;
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

describe('--influx-url (INFLUX_URL) that is not an http or https URL: exit 2 naming the flag, the variable and the value', () => {
  for (const [name, args] of Object.entries(COMMANDS)) {
    it.each(['localhost:8086', 'ftp://x', 'http:influxdb'])(`${name} --influx-url %s`, async (url) => {
      const { code, stderr } = await run([...args, '--influx-url', url]);
      expect({ code, stderr }).toEqual({ code: 2, stderr: `invalid configuration: --influx-url (INFLUX_URL): expected an http:// or https:// URL, got ${JSON.stringify(url)}\n` });
    });

    it(`${name} with INFLUX_URL=localhost:8086 in the environment`, async () => {
      const { code, stderr } = await run(args, { INFLUX_URL: 'localhost:8086' });
      expect({ code, stderr }).toEqual({ code: 2, stderr: 'invalid configuration: --influx-url (INFLUX_URL): expected an http:// or https:// URL, got "localhost:8086"\n' });
    });

    it(`${name}: an InfluxDB URL with a path, or with a password, is refused before the server there is asked anything`, async () => {
      const before = asked;
      const withPath = await run([...args, '--influx-url', `http://${address}/influx`]);
      expect(withPath.code).toBe(2);
      expect(withPath.stderr).toBe(`invalid configuration: --influx-url (INFLUX_URL): expected the server's address alone, such as http://influxdb:8086 (the API paths /write and /query are added to it), got "http://${address}/influx"\n`);
      const withPassword = await run([...args, '--influx-url', `http://admin:s3cret@${address}`]);
      expect(withPassword.code).toBe(2);
      expect(withPassword.stderr).toContain('expected no user or password in the URL (set INFLUX_USER and INFLUX_PASSWORD, or INFLUX_TOKEN)');
      expect(withPassword.stderr).not.toContain('s3cret');
      expect(asked).toBe(before);
    });
  }
});

describe('scaler -c: an unknown key nested in the policy file is exit 2 naming its path', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaler-config-strict-'));
    await writeFile(join(dir, 'policy.yaml'), 'replicas:\n  mni: 3\n');
    await writeFile(join(dir, 'policy.json'), JSON.stringify({ replicas: { mni: 3 } }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['policy.yaml', 'policy.json'])('%s with replicas: {mni: 3}', async (file) => {
    const { code, stderr } = await run(['scaler', '--once', '--dry-run', '--influx-url', `http://${address}`, '-c', join(dir, file)]);
    expect({ code, stderr }).toEqual({ code: 2, stderr: `invalid policy config ${join(dir, file)}: replicas.mni: Unrecognized key (did you mean replicas.min?)\n` });
  });
});

describe('what an InfluxDB base URL may be', () => {
  it.each(['http://127.0.0.1:8086', 'https://influx.example.com', 'http://influxdb:8086/', 'HTTP://InfluxDB:8086', 'http://[::1]:8086'])('%s is taken', (url) => {
    expect(influxBaseUrlProblem(url)).toBeUndefined();
    expect(readInfluxEnv({ INFLUX_URL: url }).INFLUX_URL).toBe(url);
  });

  it('unset or empty is the default, http://127.0.0.1:8086', () => {
    expect(readInfluxEnv({}).INFLUX_URL).toBe('http://127.0.0.1:8086');
    expect(readInfluxEnv({ INFLUX_URL: '' }).INFLUX_URL).toBe('http://127.0.0.1:8086');
  });

  it.each(['localhost:8086', 'ftp://x', 'http://', 'http:h', 'http:///h', 'http://h:99999', 'influxdb', ' http://h', 'file:///tmp/x'])('%j is not an http(s) URL with a host', (url) => {
    expect(influxBaseUrlProblem(url)).toBe(`expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
  });

  it.each(['http://h:8086/influx', 'http://h:8086?db=x', 'http://h:8086#top'])('%s is refused: the API paths are set on the server\'s address, what follows it would be dropped', (url) => {
    expect(influxBaseUrlProblem(url)).toMatch(/^expected the server's address alone/);
  });

  it('the demo\'s own --influx-url (DEMO_INFLUX_URL) can be refused the same way, as a ConfigError (exit 2) naming it', () => {
    const parse = influxUrlArgument('--influx-url (DEMO_INFLUX_URL)');
    expect(parse('http://influxdb:8086')).toBe('http://influxdb:8086');
    expect(() => parse('localhost:8086')).toThrow(ConfigError);
    expect(() => parse('localhost:8086')).toThrow('invalid configuration: --influx-url (DEMO_INFLUX_URL): expected an http:// or https:// URL, got "localhost:8086"');
  });
});
