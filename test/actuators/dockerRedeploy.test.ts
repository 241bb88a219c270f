/**
 * The Docker actuator across an operator's redeploy, on the real engine here (the compose audit's
 * case): the operator's container `app-1` says `scalewright.min-replicas=2`; the scaler clones it;
 * then the operator redeploys — `app-1` is replaced by a new container with min-replicas 3, another
 * env and other limits — so the clone is now the oldest replica. The operator's new container
 * speaks for the service from the moment it is healthy: its labels and limits are the service's,
 * it is what is cloned, and scale-in removes the stale clone before it. Cases run in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { DockerActuator } from '../../scaler/actuators/docker.js';
import { baseImage, createNetwork, docker, ensureBaseImage, healthcheck, newRunId, quietLogger, removeRun, runContainers, testLabel, waitHealthy, webScript } from './support/fixtures.js';

const runId = newRunId('redeploy');
const service = `app-${runId}`;
const operatorName = `${runId}-app-1`;
const MiB = 2 ** 20;
let network: string;
let actuator: DockerActuator;
let firstDeploy: Docker.Container;
let redeployed: Docker.Container;
let firstClone: string;

/** What `docker compose up -d` makes: the operator's container, with the policy labels, no scaler marks. */
async function deploy(options: { minReplicas: number; greeting: string; cpus: number; memoryBytes: number; listenAfterMs?: number }): Promise<Docker.Container> {
  // A redeploy is not healthy at once: the new app takes a moment before it listens.
  const script = options.listenAfterMs ? `setTimeout(() => {${webScript}}, ${options.listenAfterMs});` : webScript;
  const container = await docker.createContainer({
    Image: baseImage,
    name: operatorName,
    Cmd: ['node', '-e', script],
    Env: [`GREETING=${options.greeting}`],
    Labels: { [testLabel]: runId, 'scalewright.service': service, 'scalewright.managed': 'true', 'scalewright.min-replicas': String(options.minReplicas) },
    Healthcheck: healthcheck,
    StopTimeout: 10,
    HostConfig: { NanoCpus: Math.round(options.cpus * 1e9), Memory: options.memoryBytes, NetworkMode: network },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['app'] } } },
  });
  await container.start();
  return container;
}

const inspect = (id: string) => docker.getContainer(id).inspect();
const clonesNow = async () => (await actuator.observe(service)).members.filter((m) => m.name !== operatorName);

beforeAll(async () => {
  await ensureBaseImage();
  network = await createNetwork(runId);
  firstDeploy = await deploy({ minReplicas: 2, greeting: 'v1', cpus: 0.25, memoryBytes: 96 * MiB });
  await waitHealthy(firstDeploy);
  actuator = new DockerActuator({ docker, logger: quietLogger, requireLabel: `${testLabel}=${runId}`, drainSeconds: 5, healthTimeoutMs: 30_000 });
}, 120_000);

afterAll(async () => {
  await removeRun(runId);
});

describe('Docker actuator: an operator redeploy after the scaler has cloned', () => {
  it('clones the operator’s first deploy', async () => {
    expect((await actuator.observe(service)).labels['scalewright.min-replicas']).toBe('2');
    await actuator.setReplicas(service, 2);
    const clones = await clonesNow();
    expect(clones).toHaveLength(1);
    firstClone = clones[0]!.id;
    const clone = await inspect(firstClone);
    expect(clone.Config.Env).toContain('GREETING=v1');
    expect(clone.Config.Labels).toMatchObject({ 'scalewright.min-replicas': '2', 'scalewright.scaler.clone-of': operatorName });
  });

  it('while the redeployed container starts, the ready clone speaks, and the new container’s limits are left alone', async () => {
    // compose's recreate: the old container goes, a new one with the same name comes.
    await firstDeploy.remove({ force: true });
    redeployed = await deploy({ minReplicas: 3, greeting: 'v2', cpus: 0.5, memoryBytes: 128 * MiB, listenAfterMs: 4000 });
    const during = await actuator.observe(service);
    expect(during.members.find((m) => m.id === redeployed.id)?.phase).toBe('starting');
    // Not copied nor trusted before it is healthy (a redeploy may be a broken one)...
    expect(during.labels['scalewright.min-replicas']).toBe('2');
    // ...but its limits are the operator's new ones: not sized after the stale clone.
    expect(await actuator.tidy(service)).toBe(0);
    expect((await redeployed.inspect()).HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 128 * MiB });
  });

  it('once it is healthy, the operator’s new container speaks for the service, though the clone is older', async () => {
    await waitHealthy(redeployed);
    const state = await actuator.observe(service);
    expect(state.replicas).toBe(2);
    expect(state.labels['scalewright.min-replicas']).toBe('3');
    expect(state.cpuLimitCores).toBeCloseTo(0.5, 6);
    expect(state.memoryLimitBytes).toBe(128 * MiB);
    // The clone is set to the redeploy's limits, in place.
    const before = await inspect(firstClone);
    expect(await actuator.tidy(service)).toBe(1);
    const after = await inspect(firstClone);
    expect(after.HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 128 * MiB });
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(await actuator.tidy(service)).toBe(0);
  });

  it('a scale-out clones the operator’s new container: its env, labels and limits', async () => {
    await actuator.setReplicas(service, 3);
    const newClone = (await clonesNow()).find((m) => m.id !== firstClone)!;
    const clone = await inspect(newClone.id);
    expect(clone.Config.Env).toContain('GREETING=v2');
    expect(clone.Config.Env).not.toContain('GREETING=v1');
    expect(clone.Config.Labels).toMatchObject({ 'scalewright.min-replicas': '3', 'scalewright.scaler.clone-of': operatorName });
    expect(clone.HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 128 * MiB });
    expect(clone.State.Health?.Status).toBe('healthy');
  });

  it('a vertical change the scaler made to every replica is not undone by the next tidy', async () => {
    await actuator.setLimits(service, { cpuCores: 0.75 });
    expect(await actuator.tidy(service)).toBe(0);
    const state = await actuator.observe(service);
    expect(state.cpuLimitCores).toBeCloseTo(0.75, 6);
    for (const member of state.members) expect((await inspect(member.id)).HostConfig.NanoCpus).toBe(750_000_000);
  });

  it('scale-in removes the clones first, newest first, and keeps the operator’s container though it is the newest', async () => {
    const newClone = (await clonesNow()).find((m) => m.id !== firstClone)!;
    await actuator.setReplicas(service, 2);
    expect((await actuator.observe(service)).members.map((m) => m.id).sort()).toEqual([firstClone, redeployed.id].sort());
    await actuator.setReplicas(service, 1);
    const state = await actuator.observe(service);
    expect(state.members.map((m) => m.id)).toEqual([redeployed.id]);
    expect(state.labels['scalewright.min-replicas']).toBe('3');
    // removed, not left stopped
    const left = (await runContainers(runId, service)).map((c) => c.Id);
    expect(left).not.toContain(newClone.id);
    expect(left).not.toContain(firstClone);
  });
});
