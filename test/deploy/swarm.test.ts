import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { repoRoot } from './kustomize.js';

const exec = promisify(execFile);
const STACK = join(repoRoot, 'deploy/swarm/stack.yml');
const SECRET_ENV = join(repoRoot, 'deploy/swarm/secret-env.sh');
/** Set where the stack is resolved: a stack that still took the password from the deployer's environment would show it. */
const DEPLOYERS_PASSWORD = 'deployers-plain-password';

interface SwarmService {
  image: string;
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  secrets?: Array<{ source: string; target?: string }>;
  healthcheck?: { test: string[] };
  labels?: Record<string, string>;
  deploy?: {
    mode?: string;
    labels?: Record<string, string>;
    restart_policy?: { condition: string };
    resources?: { limits?: { cpus?: string; memory?: string | number } };
    placement?: { constraints?: string[] };
  };
  configs?: Array<{ source: string; target: string }>;
}

/**
 * The stack file as Docker resolves it: `docker stack config` (Docker CLI 20.10+; no Swarm needed),
 * else `docker-compose config`, which checks the same schema but drops `configs`.
 */
async function resolvedStack(): Promise<{ tool: string; text: string; services: Record<string, SwarmService>; configs?: Record<string, { file: string }>; secrets: Record<string, { name?: string; external?: boolean }> }> {
  const env = { ...process.env, INFLUX_PASSWORD: DEPLOYERS_PASSWORD };
  try {
    const { stdout } = await exec('docker', ['stack', 'config', '-c', STACK], { env, maxBuffer: 16 * 1024 * 1024 });
    return { tool: 'docker stack config', text: stdout, ...parse(stdout) };
  } catch {
    const { stdout } = await exec('docker-compose', ['-f', STACK, 'config'], { env, maxBuffer: 16 * 1024 * 1024 });
    return { tool: 'docker-compose config', text: stdout, ...parse(stdout) };
  }
}

/** Runs secret-env.sh with `shell` (dash, and busybox's as in the Grafana image) in front of a command printing what it was given. */
async function secretEnv(shell: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { INFLUX_PASSWORD: _password, INFLUX_PASSWORD_FILE: _file, INFLUX_TOKEN: _token, INFLUX_TOKEN_FILE: _tokenFile, ...rest } = process.env;
  const print = ['sh', '-c', 'printf "%s|%s" "${INFLUX_PASSWORD-unset}" "${INFLUX_PASSWORD_FILE-unset}"'];
  try {
    const { stdout, stderr } = await exec(shell[0] as string, [...shell.slice(1), SECRET_ENV, ...print], { env: { ...rest, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function available(command: string): Promise<boolean> {
  return exec(command, ['--help']).then(() => true, () => false);
}

describe('the Swarm stack file', async () => {
  const stack = await resolvedStack();

  it(`is valid for Docker (checked with ${stack.tool}) and holds every part of the platform`, () => {
    expect(Object.keys(stack.services).sort()).toEqual(['app', 'collector', 'grafana', 'influxdb', 'proxy', 'redis', 'scaler', 'worker']);
  });

  it('pins every image, and gives every service a healthcheck, a restart policy and limits; the app the seed budget', () => {
    for (const [name, service] of Object.entries(stack.services)) {
      expect(service.image, name).toMatch(/^[^:]+(\/[^:]+)?:(?!latest$)[\w.-]+$/);
      expect(service.healthcheck?.test?.length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(service.deploy?.restart_policy?.condition, `${name} restart`).toBe('any');
      expect(service.deploy?.resources?.limits?.cpus, `${name} cpus`).toBeDefined();
    }
    expect(stack.services.app?.deploy?.resources?.limits).toMatchObject({ cpus: '0.1' });
    expect(String(stack.services.app?.deploy?.resources?.limits?.memory)).toMatch(/^(100M|104857600)$/);
  });

  it('labels the managed services for the scaler (service labels, a valid policy) and their containers for the collector', () => {
    for (const [name, port] of [['app', '8080'], ['worker', '9465']] as const) {
      const service = stack.services[name];
      expect(service?.deploy?.labels).toMatchObject({ 'scalewright.service': name, 'scalewright.managed': 'true' });
      expect(policyConfigFor(undefined, service?.deploy?.labels ?? {}).replicas.max).toBe(10);
      expect(service?.labels).toMatchObject({ 'scalewright.service': name, 'scalewright.metrics.port': port });
    }
  });

  it('runs one collector per node and the scaler on a manager', () => {
    expect(stack.services.collector?.deploy?.mode).toBe('global');
    expect(stack.services.scaler?.deploy?.placement?.constraints).toContain('node.role == manager');
  });

  it('provisions Grafana and InfluxDB from the repository\'s files', async () => {
    if (!stack.configs) return; // docker-compose drops configs
    for (const config of Object.values(stack.configs)) await access(config.file);
    const targets = (stack.services.grafana?.configs ?? []).map((config) => config.target);
    expect(targets).toContain('/var/lib/grafana/dashboards/scalewright/services.json');
    expect((stack.services.influxdb?.configs ?? []).map((config) => config.target)).toContain('/docker-entrypoint-initdb.d/10-scalewright-v1.sh');
  });

  it('passes no password in a variable: each is a Swarm secret, mounted where its *_FILE variable points', () => {
    expect(stack.text).not.toContain(DEPLOYERS_PASSWORD);
    for (const [name, service] of Object.entries(stack.services)) {
      const secretTargets = (service.secrets ?? []).map((secret) => `/run/secrets/${secret.target ?? secret.source}`);
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (!/PASSWORD|TOKEN|SECRET/.test(variable)) continue;
        expect(variable, `${name}: ${variable} must be a *_FILE variable`).toMatch(/_FILE$/);
        expect(secretTargets, `${name}: ${variable}=${value} is a secret it mounts`).toContain(value);
      }
    }
    for (const name of ['collector', 'scaler', 'grafana', 'influxdb']) {
      expect(stack.services[name]?.environment, name).toMatchObject({ INFLUX_USER: 'scalewright', INFLUX_PASSWORD_FILE: '/run/secrets/influx_password' });
      expect(stack.services[name]?.environment, name).not.toHaveProperty('INFLUX_PASSWORD');
    }
    // Created by the operator beforehand (the README's `docker secret create`), like the admin passwords.
    expect(stack.secrets.influx_password).toMatchObject({ name: 'scalewright_influx_password' });
  });

  it('starts InfluxDB and Grafana through secret-env.sh, which reads their INFLUX_PASSWORD from the secret, then their images\' own entrypoints', () => {
    expect(stack.services.influxdb?.entrypoint).toEqual(['/bin/sh', '/usr/local/bin/scalewright-secret-env', '/entrypoint.sh']);
    expect(stack.services.grafana?.entrypoint).toEqual(['/bin/sh', '/usr/local/bin/scalewright-secret-env', '/run.sh']);
    if (!stack.configs) return; // docker-compose drops configs
    for (const name of ['influxdb', 'grafana']) expect((stack.services[name]?.configs ?? []).map((config) => config.target), name).toContain('/usr/local/bin/scalewright-secret-env');
  });
});

describe('secret-env.sh, in front of the InfluxDB and Grafana images\' entrypoints', async () => {
  const shells = [['sh'], ...((await available('busybox')) ? [['busybox', 'sh']] : [])];
  const dir = await mkdtemp(join(tmpdir(), 'sw-secret-env-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe.each(shells)('run by %s', (...shell) => {
    it('exports INFLUX_PASSWORD from the file INFLUX_PASSWORD_FILE names, without its trailing newline, and starts the command', async () => {
      await writeFile(join(dir, 'password'), 'pa ss$word\n');
      expect(await secretEnv(shell, { INFLUX_PASSWORD_FILE: join(dir, 'password') })).toMatchObject({ code: 0, stdout: 'pa ss$word|unset' });
    });

    it('starts the command unchanged when no *_FILE variable is set', async () => {
      expect(await secretEnv(shell, { INFLUX_PASSWORD: 'plain' })).toMatchObject({ code: 0, stdout: 'plain|unset' });
    });

    it('refuses the variable and its file both set, a missing file, a folder and an empty file, naming the variable, never the value', async () => {
      await writeFile(join(dir, 'password'), 'the-secret\n');
      await writeFile(join(dir, 'empty'), '\n');
      const both = await secretEnv(shell, { INFLUX_PASSWORD: 'other', INFLUX_PASSWORD_FILE: join(dir, 'password') });
      expect(both).toMatchObject({ code: 2, stdout: '' });
      expect(both.stderr).toContain('INFLUX_PASSWORD and INFLUX_PASSWORD_FILE are both set');
      for (const [path, says] of [[join(dir, 'missing'), 'cannot read'], [dir, 'cannot read'], [join(dir, 'empty'), 'is empty']] as const) {
        const refused = await secretEnv(shell, { INFLUX_PASSWORD_FILE: path });
        expect(refused, path).toMatchObject({ code: 2, stdout: '' });
        expect(refused.stderr).toContain('INFLUX_PASSWORD_FILE:');
        expect(refused.stderr).toContain(path);
        expect(refused.stderr).toContain(says);
        expect(refused.stderr).not.toContain('the-secret');
      }
    });
  });
});
