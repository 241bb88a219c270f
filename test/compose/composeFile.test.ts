import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { COMPOSE_FILE, LOCAL_OVERRIDE, ROOT, compose, hasCommand } from './support.js';

interface Service {
  image?: string;
  restart?: string;
  healthcheck?: { test?: string[] };
  cpus?: number | string;
  mem_limit?: string | number;
  labels?: Record<string, string>;
  volumes?: Array<string | { source?: string; target: string; read_only?: boolean }>;
  environment?: Record<string, string>;
  entrypoint?: string[];
  profiles?: string[];
}

const hasCompose = await hasCommand(process.env.COMPOSE_BIN ?? 'docker-compose');

async function resolvedConfig(files: string[], env: Record<string, string> = {}): Promise<{ services: Record<string, Service> }> {
  const { stdout } = await compose(files, ['config'], env);
  return parse(stdout) as { services: Record<string, Service> };
}

function targetsOf(service: Service): Map<string, boolean> {
  return new Map((service.volumes ?? []).map((volume) => {
    if (typeof volume === 'string') {
      const [, target = '', mode = ''] = volume.split(':');
      return [target, mode.split(',').includes('ro')];
    }
    return [volume.target, volume.read_only === true];
  }));
}

describe.skipIf(!hasCompose)('the compose file', () => {
  it('documents every variable it and the local override read in .env.example', async () => {
    const [text, local, example] = await Promise.all([readFile(COMPOSE_FILE, 'utf8'), readFile(resolve(ROOT, 'compose/docker-compose.local.yml'), 'utf8'), readFile(resolve(ROOT, 'compose/.env.example'), 'utf8')]);
    const variables = new Set([...`${text}\n${local}`.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]));
    for (const variable of variables) expect(example, variable).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
  });

  it('.env.example: any line uncommented is a clean assignment, its comment on a line of its own (compose reads "VAR=x   # note" as the value "x   # note")', async () => {
    const example = await readFile(resolve(ROOT, 'compose/.env.example'), 'utf8');
    const assignments = example.split('\n').filter((line) => /^#? ?[A-Z0-9_]+=/.test(line));
    expect(assignments.length).toBeGreaterThan(20);
    for (const line of assignments) expect(line, line).toMatch(/^#? ?[A-Z0-9_]+=\S*$/);
  });

  it('validates as it stands, with no .env and no variable set', async () => {
    const config = await resolvedConfig([COMPOSE_FILE]);
    expect(Object.keys(config.services).sort()).toEqual(['app', 'collector', 'docker-proxy', 'grafana', 'influxdb', 'proxy', 'redis', 'scaler', 'worker']);
  });

  it('names every image through a variable whose default is a pinned tag (never latest)', async () => {
    const text = await readFile(COMPOSE_FILE, 'utf8');
    const images = [...text.matchAll(/^\s+image: (.*)$/gm)].map((match) => match[1] ?? '');
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image).toMatch(/^\$\{[A-Z_]+_IMAGE:-[^}:]+:[^}]+\}$/);
      expect(image).not.toMatch(/:latest\}$/);
    }
    expect(text).toContain('${INFLUXDB_IMAGE:-influxdb:2.7}');
    expect(text).toContain('${REDIS_IMAGE:-redis:7.2-alpine}');
  });

  it('gives every service a healthcheck, a restart policy and CPU and memory limits; the app gets the seed budget of 100 mCPU / 100 MB', async () => {
    const { services } = await resolvedConfig([COMPOSE_FILE]);
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test?.length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(service.restart, `${name} restart`).toBe('unless-stopped');
      expect(Number(service.cpus), `${name} cpus`).toBeGreaterThan(0);
      expect(service.mem_limit, `${name} mem_limit`).toBeDefined();
    }
    expect(Number(services.app?.cpus)).toBe(0.1);
    expect(String(services.app?.mem_limit)).toMatch(/^(100m|104857600)$/);
  });

  it('labels the app and the workers for the collector and the scaler, each with its metrics port, and confines both to this stack', async () => {
    const { services } = await resolvedConfig([COMPOSE_FILE], { STACK_NAME: 'blue' });
    expect(services.app?.labels).toMatchObject({ 'scalewright.service': 'app', 'scalewright.managed': 'true', 'scalewright.metrics.port': '8080', 'scalewright.stack': 'blue' });
    expect(services.worker?.labels).toMatchObject({ 'scalewright.service': 'worker', 'scalewright.managed': 'true', 'scalewright.metrics.port': '9465', 'scalewright.stack': 'blue' });
    expect(services.collector?.environment?.COLLECTOR_REQUIRE_LABEL).toBe('scalewright.stack=blue');
    // The policy labels are ones the scaler reads, with values it accepts.
    expect(policyConfigFor(undefined, services.app?.labels ?? {})).toMatchObject({ replicas: { min: 1, max: 4 }, cpu: { minCores: 0.1, maxCores: 0.5 } });
    expect(policyConfigFor(undefined, services.worker?.labels ?? {}).targets.queueDepthPerReplica).toBe(4);
    expect(services.scaler?.environment?.SCALER_REQUIRE_LABEL).toBe('scalewright.stack=blue');
  });

  it('gives the collector the host cgroups and /proc read-only, and neither the collector nor the scaler the Docker socket itself', async () => {
    const { services } = await resolvedConfig([COMPOSE_FILE]);
    const collector = targetsOf(services.collector ?? {});
    expect(collector.get('/sys/fs/cgroup')).toBe(true);
    expect(collector.get('/host/proc')).toBe(true);
    for (const name of ['collector', 'scaler']) {
      const service = services[name] ?? {};
      expect([...targetsOf(service).keys()]).not.toContain('/var/run/docker.sock');
      expect(service.environment?.DOCKER_SOCKET).toBe(`/run/docker-proxy/${name}/docker.sock`);
    }
    expect(targetsOf(services['docker-proxy'] ?? {}).has('/var/run/docker.sock')).toBe(true);
  });

  it('provisions Grafana read-only from grafana/ and has no default admin password', async () => {
    const { services } = await resolvedConfig([COMPOSE_FILE]);
    const grafana = services.grafana ?? {};
    const mounts = targetsOf(grafana);
    expect(mounts.get('/etc/grafana/provisioning')).toBe(true);
    expect(mounts.get('/var/lib/grafana/dashboards/scalewright')).toBe(true);
    expect(grafana.environment?.GF_SECURITY_ADMIN_PASSWORD ?? '').toBe('');
    expect(grafana.entrypoint?.join(' ')).toContain('set GRAFANA_ADMIN_PASSWORD');
    // The dashboards provider reads the folder the compose file mounts them at.
    const provider = await readFile(resolve(ROOT, 'grafana/provisioning/dashboards/scalewright.yaml'), 'utf8');
    expect(provider).toContain('path: /var/lib/grafana/dashboards/scalewright');
  });

  it('sets up InfluxDB 2.7 by itself and maps its bucket to the v1 database the collector writes to', async () => {
    const { services } = await resolvedConfig([COMPOSE_FILE], { INFLUX_DB: 'metrics', INFLUX_PASSWORD: 'secret' });
    const influx = services.influxdb ?? {};
    expect(influx.environment).toMatchObject({ DOCKER_INFLUXDB_INIT_MODE: 'setup', INFLUX_DB: 'metrics', INFLUX_PASSWORD: 'secret' });
    expect(services.collector?.environment).toMatchObject({ INFLUX_DB: 'metrics', INFLUX_PASSWORD: 'secret', INFLUX_URL: 'http://influxdb:8086' });
    const script = await readFile(resolve(ROOT, 'compose/influxdb/init/10-scalewright-v1.sh'), 'utf8');
    expect(script).toContain('influx v1 dbrp create');
    expect(script).toContain('influx v1 auth create');
  });

  it('with the local override: local images, InfluxDB 1.x, and Grafana left out unless its profile is asked for', async () => {
    const { services } = await resolvedConfig([COMPOSE_FILE, LOCAL_OVERRIDE]);
    expect(services.app?.image).toBe('scalewright:local');
    expect(services.influxdb?.image).toBe('scalewright/influxdb:local');
    expect(services.grafana?.profiles).toEqual(['grafana']);
    // (`up` then starts every service but Grafana: the end-to-end test relies on it.)
  });
});
