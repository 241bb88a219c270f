/**
 * The Swarm actuator on a real single-node Swarm on the engine here. If the engine is not in a
 * Swarm, the suite initialises one and leaves it afterwards; a Swarm that was already there is
 * left as found.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwarmActuator } from '../../scaler/actuators/swarm.js';
import { baseImage, docker, ensureBaseImage, newRunId, quietLogger, testLabel, webScript } from './support/fixtures.js';

const run = promisify(execFile);
const runId = newRunId('swarm');
const service = `api-${runId}`;
let initialisedHere = false;
let serviceId: string | undefined;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runningTaskContainers(): Promise<string[]> {
  const containers = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.id=${serviceId}`], status: ['running'] } });
  return containers.map((c) => c.Id);
}

beforeAll(async () => {
  await ensureBaseImage();
  const info = await docker.info();
  if (info.Swarm?.LocalNodeState !== 'active') {
    await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    initialisedHere = true;
  }
  const created = await docker.createService({
    Name: service,
    Labels: { 'scalewright.service': service, 'scalewright.managed': 'true', [testLabel]: runId },
    TaskTemplate: {
      ContainerSpec: { Image: baseImage, Command: ['node', '-e', webScript], Labels: { 'scalewright.service': service, [testLabel]: runId } },
      Resources: { Limits: { NanoCPUs: 250_000_000, MemoryBytes: 96 * 2 ** 20 } },
      RestartPolicy: { Condition: 'any' },
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 2, Delay: 0, Order: 'start-first' },
  } as import('dockerode').CreateServiceOptions);
  serviceId = (created as unknown as { id: string }).id;
  await waitFor('first task running', async () => ((await runningTaskContainers()).length === 1 ? true : undefined));
}, 120_000);

afterAll(async () => {
  if (serviceId) await docker.getService(serviceId).remove().catch(() => undefined);
  await waitFor('task containers gone', async () => ((await runningTaskContainers().catch(() => [])).length === 0 ? true : undefined), 30_000).catch(() => undefined);
  if (initialisedHere) await run('docker', ['swarm', 'leave', '--force']);
}, 60_000);

describe('Swarm actuator on a real single-node Swarm', () => {
  const actuator = new SwarmActuator({ docker, logger: quietLogger, requireLabel: `${testLabel}=${runId}` });

  it('finds the labelled service and reads its replicas and limits from the spec', async () => {
    expect(await actuator.listServices()).toEqual([service]);
    const state = await actuator.observe(service);
    expect(state.replicas).toBe(1);
    expect(state.cpuLimitCores).toBeCloseTo(0.25, 6);
    expect(state.memoryLimitBytes).toBe(96 * 2 ** 20);
  });

  it('changes the replica count through the service update API, with the version index', async () => {
    const before = (await docker.getService(serviceId as string).inspect()) as { Version: { Index: number } };
    await actuator.setReplicas(service, 3);
    const after = (await docker.getService(serviceId as string).inspect()) as { Version: { Index: number }; Spec: { Mode: { Replicated: { Replicas: number } } } };
    expect(after.Spec.Mode.Replicated.Replicas).toBe(3);
    expect(after.Version.Index).toBeGreaterThan(before.Version.Index);
    await waitFor('three tasks running', async () => ((await runningTaskContainers()).length === 3 ? true : undefined));
    // The manager records a task as running a moment after its container starts.
    await waitFor('the swarm to report three tasks running', async () => ((await actuator.observe(service)).readyReplicas === 3 ? true : undefined));
    const state = await actuator.observe(service);
    expect(state.readyReplicas).toBe(3);
  }, 90_000);

  it('changes the limits through the service update API: the new tasks run with them', async () => {
    await actuator.setLimits(service, { cpuCores: 0.5, memoryBytes: 128 * 2 ** 20 });
    const state = await actuator.observe(service);
    expect(state.cpuLimitCores).toBeCloseTo(0.5, 6);
    expect(state.memoryLimitBytes).toBe(128 * 2 ** 20);
    // Swarm rolls the tasks: wait until every running task container has the new limits.
    await waitFor('tasks with the new limits', async () => {
      const ids = await runningTaskContainers();
      if (ids.length !== 3) return undefined;
      const infos = await Promise.all(ids.map((id) => docker.getContainer(id).inspect()));
      return infos.every((i) => i.HostConfig.NanoCpus === 500_000_000 && i.HostConfig.Memory === 128 * 2 ** 20) ? true : undefined;
    }, 90_000);
  }, 120_000);

  it('refuses an update made from a stale version index (a concurrent change wins, the next tick re-reads)', async () => {
    const info = (await docker.getService(serviceId as string).inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await actuator.setReplicas(service, 2);
    const stale = { _query: { version: info.Version.Index }, _body: info.Spec } as unknown as Parameters<ReturnType<typeof docker.getService>['update']>[0];
    await expect(docker.getService(serviceId as string).update(stale)).rejects.toThrow(/out of sequence|update out of sequence/i);
    expect((await actuator.observe(service)).replicas).toBe(2);
  }, 60_000);
});
