/**
 * The Docker actuator on the real engine here: a service of two labelled replicas on a user
 * network behind the alias `web`, next to an operator's container that shares the alias but not
 * the platform labels (and one labelled for observation only). Cases run in order, each building
 * on the service as the previous one left it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { DockerActuator } from '../../scaler/actuators/docker.js';
import {
  askEveryAddress, cgroupCpuQuota, cgroupMemoryLimit, createNetwork, docker, ensureBaseImage, ipOn, newRunId, quietLogger, removeRun, runContainers, startWeb, waitHealthy,
} from './support/fixtures.js';

const runId = newRunId('act');
const service = `web-${runId}`;
let network: string;
let replicas: Docker.Container[] = [];
let bystander: Docker.Container;
let observer: Docker.Container;
let bystanderBefore: Docker.ContainerInspectInfo;
let observerBefore: Docker.ContainerInspectInfo;
let actuator: DockerActuator;

beforeAll(async () => {
  await ensureBaseImage();
  network = await createNetwork(runId);
  replicas = await Promise.all(
    ['a', 'b'].map((name) => startWeb({ runId, name, service, network, alias: 'web', cpus: 0.25, memoryBytes: 96 * 2 ** 20 })),
  );
  bystander = await startWeb({ runId, name: 'bystander', service, network, alias: 'web', unlabelled: true, cpus: 0.25 });
  observer = await startWeb({ runId, name: 'observed-only', service, network, alias: 'web', managed: false, cpus: 0.25 });
  await Promise.all([...replicas, bystander, observer].map((c) => waitHealthy(c)));
  bystanderBefore = await bystander.inspect();
  observerBefore = await observer.inspect();
  actuator = new DockerActuator({ docker, logger: quietLogger, requireLabel: `scalewright.test=${runId}`, drainSeconds: 10, healthTimeoutMs: 30_000 });
}, 120_000);

afterAll(async () => {
  await removeRun(runId);
});

describe('Docker actuator on the real engine', () => {
  it('sees the two labelled, managed replicas and nothing else', async () => {
    const state = await actuator.observe(service);
    expect(state.replicas).toBe(2);
    expect(state.readyReplicas).toBe(2);
    expect(state.cpuLimitCores).toBeCloseTo(0.25, 6);
    expect(state.memoryLimitBytes).toBe(96 * 2 ** 20);
    expect(await actuator.listServices()).toEqual([service]);
  });

  it('raises the CPU and memory limits of running replicas in place, without a restart', async () => {
    const before = await Promise.all(replicas.map((c) => c.inspect()));
    await actuator.setLimits(service, { cpuCores: 0.75, memoryBytes: 192 * 2 ** 20 });
    for (const [index, container] of replicas.entries()) {
      const after = await container.inspect();
      // docker inspect
      expect(after.HostConfig.NanoCpus).toBe(750_000_000);
      expect(after.HostConfig.Memory).toBe(192 * 2 ** 20);
      expect(after.HostConfig.MemorySwap).toBeGreaterThanOrEqual(192 * 2 ** 20);
      // the kernel's view: the cgroup files of the running process
      const cpu = await cgroupCpuQuota(container);
      expect(cpu.quota / cpu.period).toBeCloseTo(0.75, 6);
      expect(await cgroupMemoryLimit(container)).toBe(192 * 2 ** 20);
      // same process: not restarted
      expect(after.State.StartedAt).toBe(before[index]?.State.StartedAt);
      expect(after.State.Pid).toBe(before[index]?.State.Pid);
      expect(after.RestartCount).toBe(0);
    }
    const state = await actuator.observe(service);
    expect(state.cpuLimitCores).toBeCloseTo(0.75, 6);
  });

  it('adds a replica cloned from a template that joins the network alias and answers requests', async () => {
    const template = await replicas[0]!.inspect();
    await actuator.setReplicas(service, 3);
    const state = await actuator.observe(service);
    expect(state.replicas).toBe(3);
    expect(state.readyReplicas).toBe(3);
    const newest = [...state.members].sort((a, b) => b.createdAt - a.createdAt)[0]!;
    const clone = await docker.getContainer(newest.id).inspect();
    // the template's configuration, copied
    expect(clone.Config.Image).toBe(template.Config.Image);
    expect(clone.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello']));
    expect(clone.Config.Cmd).toEqual(template.Config.Cmd);
    expect((clone.Config as { Healthcheck?: unknown }).Healthcheck).toEqual((template.Config as { Healthcheck?: unknown }).Healthcheck);
    expect(clone.HostConfig.NanoCpus).toBe(750_000_000);
    expect(clone.HostConfig.Memory).toBe(192 * 2 ** 20);
    expect(clone.Config.Labels).toMatchObject({ 'scalewright.service': service, 'scalewright.managed': 'true', 'scalewright.scaler.created': 'true' });
    expect(clone.NetworkSettings.Networks[network]?.Aliases).toContain('web');
    expect(clone.State.Health?.Status).toBe('healthy');
    // From inside the network, the alias `web` now reaches the new replica, and it answers.
    const answers = await askEveryAddress(runId, network, 'web');
    expect(answers).toContain(clone.Config.Hostname);
    expect(answers.filter((a) => a.startsWith('ERR'))).toEqual([]);
  });

  it('removes the newest replica with a graceful stop: requests in flight on it all succeed', async () => {
    const state = await actuator.observe(service);
    const newest = [...state.members].sort((a, b) => b.createdAt - a.createdAt)[0]!;
    const address = await ipOn(newest.id, network);
    // Ten requests that take 2 s each are in flight on the replica that is about to go.
    const inFlight = Array.from({ length: 10 }, () => fetch(`http://${address}:8080/slow?ms=2000`).then(async (r) => ({ status: r.status, body: await r.text() })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const removal = actuator.setReplicas(service, 2);
    const results = await Promise.all(inFlight);
    await removal;
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const after = await actuator.observe(service);
    expect(after.replicas).toBe(2);
    expect(after.members.map((m) => m.id)).not.toContain(newest.id);
    // the removed replica is gone, not left stopped
    expect((await runContainers(runId, service)).map((c) => c.Id)).not.toContain(newest.id);
    // the originals, being the oldest, stay
    expect(after.members.map((m) => m.id).sort()).toEqual(replicas.map((c) => c.id).sort());
  });

  it('cleans up a clone left half-made by an interrupted scale-out, instead of counting it', async () => {
    const template = await replicas[0]!.inspect();
    const { cloneSpec } = await import('../../scaler/actuators/dockerSpec.js');
    // What a scaler killed between create and start leaves behind.
    const leftover = await docker.createContainer(cloneSpec(template, `${runId}-leftover`).create);
    expect((await actuator.observe(service)).replicas).toBe(2);
    expect(await actuator.tidy(service)).toBe(1);
    await expect(leftover.inspect()).rejects.toThrow();
    expect((await actuator.observe(service)).replicas).toBe(2);
  });

  it('sets a replica whose limits drifted from the template (half-done update, a hand change) back to one size', async () => {
    // The newer of the two: the older one is the template the others are aligned to.
    const infos = await Promise.all(replicas.map((c) => c.inspect()));
    // Docker's RFC 3339 times drop trailing zeros, so compare them as times (ms), ties by id, as the actuator does.
    const age = (info: (typeof infos)[number]) => [Date.parse(info.Created), info.Id] as const;
    const [a, b] = [age(infos[0]!), age(infos[1]!)];
    const firstIsOlder = a[0] < b[0] || (a[0] === b[0] && a[1].localeCompare(b[1]) < 0);
    const second = firstIsOlder ? replicas[1] : replicas[0];
    await second!.update({ NanoCpus: 400_000_000 });
    expect(await actuator.tidy(service)).toBe(1);
    expect((await second!.inspect()).HostConfig.NanoCpus).toBe(750_000_000);
    expect((await cgroupCpuQuota(second!)).quota).toBe(75_000);
  });

  it('a CPU change while a scale-out waits for its new replica to be healthy (a bridge pass): every replica ends at the new size', async () => {
    const scaleOut = actuator.setReplicas(service, 3);
    // The clone exists (created, started, not yet healthy) before setReplicas returns.
    const deadline = Date.now() + 30_000;
    let during = await actuator.observe(service);
    while (during.replicas < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      during = await actuator.observe(service);
    }
    expect(during.replicas).toBe(3);
    await actuator.setLimits(service, { cpuCores: 1 });
    await scaleOut;
    const state = await actuator.observe(service);
    expect(state.readyReplicas).toBe(3);
    // A clone copied from the template just before the change and created just after it keeps the
    // old size until the next evaluation's tidy aligns it; any other replica has the new size now.
    const sizes = await Promise.all(state.members.map(async (m) => (await docker.getContainer(m.id).inspect()).HostConfig.NanoCpus));
    const behind = sizes.filter((n) => n !== 1_000_000_000).length;
    process.stdout.write(`CPU change during a scale-out: the new replica was ${during.readyReplicas < 3 ? 'starting' : 'already ready'}; ${behind} replica(s) left for tidy\n`);
    expect(sizes.every((n) => n === 1_000_000_000 || n === 750_000_000)).toBe(true);
    expect(await actuator.tidy(service)).toBe(behind);
    for (const member of state.members) {
      const container = docker.getContainer(member.id);
      expect((await container.inspect()).HostConfig.NanoCpus).toBe(1_000_000_000);
      const cpu = await cgroupCpuQuota(container);
      expect(cpu.quota / cpu.period).toBeCloseTo(1, 6);
    }
  });

  it('never touches containers without the platform labels, or observed but not managed', async () => {
    const bystanderAfter = await bystander.inspect();
    const observerAfter = await observer.inspect();
    for (const [before, after] of [[bystanderBefore, bystanderAfter], [observerBefore, observerAfter]] as const) {
      expect(after.State.Running).toBe(true);
      expect(after.State.StartedAt).toBe(before.State.StartedAt);
      expect(after.HostConfig.NanoCpus).toBe(250_000_000);
      expect(after.Name).toBe(before.Name);
    }
    expect((await cgroupCpuQuota(bystander)).quota).toBe(25_000);
    // and scaling to one removes only managed replicas
    await actuator.setReplicas(service, 1);
    expect((await bystander.inspect()).State.Running).toBe(true);
    expect((await observer.inspect()).State.Running).toBe(true);
    expect((await actuator.observe(service)).replicas).toBe(1);
  });

  it('refuses to scale a service to zero (the last replica is the template of the others)', async () => {
    await expect(actuator.setReplicas(service, 0)).rejects.toThrow(/at least one replica/);
  });
});
