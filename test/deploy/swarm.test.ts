import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { repoRoot } from './kustomize.js';

const exec = promisify(execFile);
const STACK = join(repoRoot, 'deploy/swarm/stack.yml');

interface SwarmService {
  image: string;
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
async function resolvedStack(): Promise<{ tool: string; services: Record<string, SwarmService>; configs?: Record<string, { file: string }> }> {
  const env = { ...process.env, INFLUX_PASSWORD: 'swarm-test' };
  try {
    const { stdout } = await exec('docker', ['stack', 'config', '-c', STACK], { env, maxBuffer: 16 * 1024 * 1024 });
    return { tool: 'docker stack config', ...parse(stdout) };
  } catch {
    const { stdout } = await exec('docker-compose', ['-f', STACK, 'config'], { env, maxBuffer: 16 * 1024 * 1024 });
    return { tool: 'docker-compose config', ...parse(stdout) };
  }
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
});
