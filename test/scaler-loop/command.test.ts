/** The `scaler` and `report` commands: every flag documented with its env var; env flags parsed, not merely present. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { collectorCommand } from '../../collector/command.js';
import { ConfigError } from '../../common/env.js';
import { scalerCommand } from '../../scaler/command.js';
import { loadScalerConfig } from '../../scaler/loop/config.js';
import { reportCommand } from '../../scaler/report/command.js';

describe('scaler and report commands', () => {
  it('the scaler help names every flag with its env var and default', () => {
    const help = scalerCommand().helpInformation().replace(/\s+/g, ' ');
    for (const text of ['--dry-run', 'SCALER_DRY_RUN', '--interval', 'SCALER_INTERVAL_SECONDS', 'default: "5"', '--platform', '"docker", "swarm", "kubernetes"', '--config', 'SCALER_POLICY_FILE', '--redis-url', 'REDIS_URL', '--stale-after', '--parallel', 'SCALER_PARALLEL_SERVICES', '--drain', '--require-label', '--influx-url', 'INFLUX_URL', '--namespace', 'K8S_NAMESPACE', '--once']) {
      expect(help).toContain(text);
    }
  });

  it('the report help names its flags', () => {
    const help = reportCommand().helpInformation().replace(/\s+/g, ' ');
    for (const text of ['--service', '--last', 'default: "1h"', '--from', '--to', '--out', 'REPORT_OUT', '--influx-url']) expect(help).toContain(text);
  });

  it('SCALER_DRY_RUN=false means acting, =true dry-run; defaults are sane', () => {
    expect(loadScalerConfig({ SCALER_DRY_RUN: 'false' }).SCALER_DRY_RUN).toBe(false);
    expect(loadScalerConfig({ SCALER_DRY_RUN: 'true' }).SCALER_DRY_RUN).toBe(true);
    expect(loadScalerConfig({})).toMatchObject({ SCALER_DRY_RUN: false, SCALER_INTERVAL_SECONDS: 5, SCALER_PLATFORM: 'docker', SCALER_STALE_AFTER_SECONDS: 15, SCALER_PARALLEL_SERVICES: 8, SCALER_PORT: 9106 });
    expect(() => loadScalerConfig({ SCALER_PARALLEL_SERVICES: '0' })).toThrow(/SCALER_PARALLEL_SERVICES/);
    expect(() => loadScalerConfig({ SCALER_PLATFORM: 'nomad' })).toThrow(/SCALER_PLATFORM/);
  });

  it('a true-or-false setting takes true, false, 1 or 0, and a refusal says so (it said only "Invalid input")', () => {
    expect(loadScalerConfig({ SCALER_DRY_RUN: '1', SCALER_ONCE: '0' })).toMatchObject({ SCALER_DRY_RUN: true, SCALER_ONCE: false });
    expect(() => loadScalerConfig({ SCALER_DRY_RUN: 'maybe' })).toThrow('invalid configuration: SCALER_DRY_RUN: expected true, false, 1 or 0, got "maybe"');
  });

  describe('a bad flag is one line and exit code 2 (a ConfigError), before InfluxDB or the platform is asked anything', () => {
    /** An InfluxDB stand-in that counts what it is asked. */
    let influx: { server: Server; url: string; requests: string[] } | undefined;
    async function fakeInflux() {
      const requests: string[] = [];
      const server = createServer((req, res) => (requests.push(req.url ?? ''), res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"results":[{"statement_id":0}]}')));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      influx = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
      return influx;
    }
    afterEach(async () => {
      await new Promise((resolve) => influx?.server.close(resolve) ?? resolve(undefined));
      influx = undefined;
    });
    /** The ConfigError a command stops with (main.ts prints its message as one line, exit code 2). */
    async function configError(command: Command, args: string[]): Promise<string> {
      const error: unknown = await command.exitOverride().parseAsync(args, { from: 'user' }).then(() => undefined, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).not.toContain('\n');
      return message;
    }
    const folder = () => mkdtempSync(join(tmpdir(), 'flags-'));

    it('scaler --config: a missing file, a folder, a bad field, bad YAML or JSON; read first, before InfluxDB, the platform or the port', async () => {
      const { url, requests } = await fakeInflux();
      const dir = folder();
      writeFileSync(join(dir, 'badfield.yaml'), 'bogus: 1\n');
      writeFileSync(join(dir, 'bad.yaml'), 'replicas: [1\n');
      writeFileSync(join(dir, 'bad.json'), '{"replicas": ');
      // A platform that is not there and a port that is taken: neither is reached.
      const scaler = (config: string) => configError(scalerCommand(), ['--once', '--config', config, '--influx-url', url, '--docker-socket', join(dir, 'no.sock'), '--port', new URL(url).port]);
      expect(await scaler(join(dir, 'nofile.yaml'))).toBe(`--config (SCALER_POLICY_FILE): no such file: ${join(dir, 'nofile.yaml')}`);
      expect(await scaler(dir)).toBe(`--config (SCALER_POLICY_FILE): not a file: ${dir}`);
      expect(await scaler(join(dir, 'badfield.yaml'))).toMatch(/^invalid policy config \S+badfield\.yaml: bogus: Unrecognized key/);
      expect(await scaler(join(dir, 'bad.yaml'))).toMatch(/^cannot parse \S+bad\.yaml: /);
      expect(await scaler(join(dir, 'bad.json'))).toMatch(/^cannot parse \S+bad\.json: /);
      expect(requests).toEqual([]);
    });
    it('scaler and collector: a bad value names the flag beside its variable', async () => {
      expect(await configError(scalerCommand(), ['--once', '--interval', '0'])).toMatch(/^invalid configuration: --interval \(SCALER_INTERVAL_SECONDS\): Too small/);
      expect(await configError(collectorCommand(), ['--port', '70000'])).toMatch(/^invalid configuration: --port \(COLLECTOR_PORT\): Too big/);
      // Without flag names (the loader called alone) the variable is named as before.
      expect(() => loadScalerConfig({ SCALER_INTERVAL_SECONDS: '0' })).toThrow(/^invalid configuration: SCALER_INTERVAL_SECONDS: Too small/);
    });
    it('report --out: a file, a folder under a file, a folder that cannot be made; refused before InfluxDB is queried', async () => {
      const { url, requests } = await fakeInflux();
      const dir = folder();
      const file = join(dir, 'good.csv');
      writeFileSync(file, 'x\n');
      const report = (...args: string[]) => configError(reportCommand(), ['--influx-url', url, ...args]);
      expect(await report('--out', file)).toBe(`--out: not a folder: ${file}`);
      expect(await report('--out', join(file, 'sub'))).toBe(`--out: not a folder: ${file}`);
      // Node's recursive mkdir never returns under /proc; /sys takes no folder either.
      if (process.platform === 'linux') {
        expect(await report('--out', '/proc/nope')).toMatch(/^--out: cannot create the folder \/proc\/nope: /);
        expect(await report('--out', '/sys/nope')).toMatch(/^--out: (cannot create the folder \/sys\/nope|cannot write into the folder \/sys): /);
      }
      expect(requests).toEqual([]);
    });
    it('report --name is a plain file name; --from and --to are times InfluxDB holds; refused before InfluxDB is queried', async () => {
      const { url, requests } = await fakeInflux();
      const out = folder();
      const report = (...args: string[]) => configError(reportCommand(), ['--influx-url', url, '--out', out, ...args]);
      for (const name of ['a/b', '', '../x', '.hidden', 'a\\b', 'tab\there', 'x'.repeat(251)]) {
        expect(await report('--name', name)).toMatch(/^--name: a plain file name is needed \(not empty, no "\/" or "\\", not starting with "\.", at most 250 bytes\), got "/);
      }
      expect(await report('--to', '99999999999999999')).toBe('--to: 99999999999999999 is outside the times InfluxDB holds (1677-09-21T00:12:43.146Z to 2262-04-11T23:47:16.854Z)');
      expect(await report('--from', '0001-01-01T00:00:00Z')).toMatch(/^--from: 0001-01-01T00:00:00Z is outside the times InfluxDB holds/);
      expect(await report('--last', '999999999d')).toMatch(/^--last: 999999999d before the end of the range is outside the times InfluxDB holds/);
      expect(requests).toEqual([]);
    });
  });
});
