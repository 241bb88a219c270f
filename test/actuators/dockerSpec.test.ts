/** Pure translations of the actuators: inspect data to API bodies, quantities, label guards. */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { cloneSpec, cpuLimitCores, limitsUpdateBody, memberPhase } from '../../scaler/actuators/dockerSpec.js';
import { isManaged } from '../../scaler/actuators/labels.js';
import { cpuQuantity, memoryQuantity, parseQuantity } from '../../scaler/actuators/quantity.js';
import { resourcesPatch } from '../../scaler/actuators/kubernetes.js';

const MiB = 2 ** 20;

describe('docker update bodies', () => {
  it('keeps the CPU form the container was created with (Docker refuses to mix them)', () => {
    expect(limitsUpdateBody({ NanoCpus: 500_000_000 } as Docker.HostConfig, { cpuCores: 1.5 })).toEqual({ NanoCpus: 1_500_000_000 });
    expect(limitsUpdateBody({ CpuQuota: 50_000, CpuPeriod: 100_000 } as Docker.HostConfig, { cpuCores: 0.75 })).toEqual({ CpuPeriod: 100_000, CpuQuota: 75_000 });
    expect(limitsUpdateBody({} as Docker.HostConfig, { cpuCores: 0.5 })).toEqual({ NanoCpus: 500_000_000 });
  });

  it('moves memory with its swap allowance, never leaving swap below memory', () => {
    expect(limitsUpdateBody({ Memory: 128 * MiB, MemorySwap: 256 * MiB } as Docker.HostConfig, { memoryBytes: 512 * MiB })).toEqual({ Memory: 512 * MiB, MemorySwap: 640 * MiB });
    expect(limitsUpdateBody({ Memory: 128 * MiB, MemorySwap: 128 * MiB } as Docker.HostConfig, { memoryBytes: 64 * MiB })).toEqual({ Memory: 64 * MiB, MemorySwap: 64 * MiB });
    expect(limitsUpdateBody({ Memory: 128 * MiB, MemorySwap: -1 } as Docker.HostConfig, { memoryBytes: 256 * MiB })).toEqual({ Memory: 256 * MiB, MemorySwap: -1 });
    expect(limitsUpdateBody({ Memory: 0, MemorySwap: 0 } as Docker.HostConfig, { memoryBytes: 256 * MiB })).toEqual({ Memory: 256 * MiB, MemorySwap: 512 * MiB });
  });

  it('reads the CPU limit from either form', () => {
    expect(cpuLimitCores({ NanoCpus: 250_000_000 })).toBe(0.25);
    expect(cpuLimitCores({ CpuQuota: 150_000, CpuPeriod: 100_000 })).toBe(1.5);
    expect(cpuLimitCores({})).toBeUndefined();
  });
});

describe('cloning a replica', () => {
  const template = {
    Id: 'abcdef1234567890',
    Name: '/web-1',
    Config: {
      Hostname: 'abcdef123456',
      Image: 'scalewright:local',
      Env: ['A=1'],
      Cmd: ['node', 'app.js'],
      Entrypoint: null,
      Labels: { 'scalewright.service': 'web', 'scalewright.managed': 'true', 'com.docker.compose.container-number': '1', 'scalewright.replica': 'web-1', 'com.docker.compose.project': 'shop' },
      Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 },
      ExposedPorts: { '8080/tcp': {} },
    },
    HostConfig: { NanoCpus: 5e8, Memory: 256 * MiB, NetworkMode: 'shop_default', PortBindings: { '8080/tcp': [{ HostPort: '8080' }] }, RestartPolicy: { Name: 'unless-stopped' } },
    NetworkSettings: { Networks: { shop_default: { Aliases: ['web-1', 'web', 'abcdef123456'] }, monitoring: { Aliases: ['web'] } } },
  } as unknown as Docker.ContainerInspectInfo;

  it('copies image, env, command, labels, healthcheck, limits and service aliases; not what names the template', () => {
    const spec = cloneSpec(template, 'web-x1');
    expect(spec.create).toMatchObject({ name: 'web-x1', Image: 'scalewright:local', Env: ['A=1'], Cmd: ['node', 'app.js'], Healthcheck: { Test: ['CMD', 'true'] } });
    expect(spec.create.HostConfig).toMatchObject({ NanoCpus: 5e8, Memory: 256 * MiB, NetworkMode: 'shop_default', RestartPolicy: { Name: 'unless-stopped' } });
    // a host port would collide with the template's
    expect(spec.create.HostConfig?.PortBindings).toBeUndefined();
    expect(spec.create.Labels).toEqual({ 'scalewright.service': 'web', 'scalewright.managed': 'true', 'com.docker.compose.project': 'shop', 'scalewright.replica': 'web-x1', 'scalewright.scaler.created': 'true', 'scalewright.scaler.clone-of': 'web-1' });
    expect(spec.create.NetworkingConfig).toEqual({ EndpointsConfig: { shop_default: { Aliases: ['web'] } } });
    expect(spec.extraNetworks).toEqual([{ network: 'monitoring', aliases: ['web'] }]);
  });
});

describe('what may be touched', () => {
  it('only containers with the service label and managed=true (and the extra label when one is required)', () => {
    expect(isManaged({ 'scalewright.service': 'web', 'scalewright.managed': 'true' })).toBe(true);
    expect(isManaged({ 'scalewright.service': 'web' })).toBe(false);
    expect(isManaged({ 'scalewright.managed': 'true' })).toBe(false);
    expect(isManaged({})).toBe(false);
    // A `docker compose run` one-off of a managed service carries its labels; it is no replica.
    expect(isManaged({ 'scalewright.service': 'web', 'scalewright.managed': 'true', 'com.docker.compose.oneoff': 'True' })).toBe(false);
    expect(isManaged({ 'scalewright.service': 'web', 'scalewright.managed': 'true', 'com.docker.compose.oneoff': 'False' })).toBe(true);
    expect(isManaged({ 'scalewright.service': 'web', 'scalewright.managed': 'true' }, 'team=a')).toBe(false);
    expect(isManaged({ 'scalewright.service': 'web', 'scalewright.managed': 'true', team: 'a' }, 'team=a')).toBe(true);
  });

  it('classifies members: a never-started clone is a leftover, an operator\'s stopped container is left alone', () => {
    const base = { name: 'web-2', health: undefined, labels: {}, hasHealthcheck: false, runningForMs: 5000 };
    expect(memberPhase({ ...base, state: 'created', labels: { 'scalewright.scaler.created': 'true' } }, 1000)).toBe('leftover');
    expect(memberPhase({ ...base, state: 'exited' }, 1000)).toBe('stopped');
    expect(memberPhase({ ...base, state: 'running', hasHealthcheck: true, health: 'starting' }, 1000)).toBe('starting');
    expect(memberPhase({ ...base, state: 'running', hasHealthcheck: true, health: 'healthy' }, 1000)).toBe('ready');
    expect(memberPhase({ ...base, name: 'web-2-draining', state: 'running' }, 1000)).toBe('draining');
  });
});

describe('Kubernetes quantities and resource patches', () => {
  it('parses and formats CPU and memory quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('256Mi')).toBe(256 * MiB);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(cpuQuantity(0.25)).toBe('250m');
    expect(memoryQuantity(512 * MiB)).toBe('512Mi');
    expect(memoryQuantity(1e9)).toBe('1000000000');
  });

  it('lowers a request that would exceed its new limit, keeps it otherwise', () => {
    const container = { name: 'app', resources: { requests: { cpu: '250m', memory: '256Mi' } } };
    expect(resourcesPatch(container, { cpuCores: 1 })).toEqual({ limits: { cpu: '1000m' } });
    expect(resourcesPatch(container, { cpuCores: 0.1, memoryBytes: 128 * MiB })).toEqual({ limits: { cpu: '100m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  });
});
