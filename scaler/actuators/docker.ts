import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { Logger } from '../../common/logger.js';
import { ActuatorError, type Actuator, type ReplicaState, type ResourceLimits, type ServiceState } from './actuator.js';
import { cloneSpec, cpuLimitCores, hasHealthcheck, limitsUpdateBody, memberPhase, memoryLimitBytes, type MemberPhase } from './dockerSpec.js';
import { followsTemplateLimits, isScalerClone, removalOrder, templateOf } from './dockerTemplate.js';
import { DependencyTimeoutError, DependencyUnreachableError } from '../../common/unanswered.js';
import { ActuatorLabel, DRAINING_SUFFIX, isManaged, managedLabelFilters } from './labels.js';

export interface DockerActuatorOptions {
  readonly docker: Docker;
  readonly logger: Logger;
  /** A further label (`key` or `key=value`) every managed container must carry, to confine the scaler. */
  readonly requireLabel?: string;
  /** How long a new replica may take to become healthy before it is removed and the action fails. */
  readonly healthTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when a replica is removed: its in-flight requests finish in it. */
  readonly drainSeconds?: number;
  /** Without a healthcheck, a replica counts as ready once it has been running this long. */
  readonly settleMs?: number;
}

interface Member {
  readonly info: Docker.ContainerInspectInfo;
  readonly id: string;
  readonly name: string;
  readonly phase: MemberPhase;
  readonly createdAt: number;
  /** Made by the scaler, not by the operator. */
  readonly clone: boolean;
}

/**
 * Scales services made of plain labelled containers on one Docker engine: replicas are added by
 * cloning the template (the operator's own container where one is ready, see dockerTemplate.ts)
 * and removed clones first, newest first, with a graceful stop; limits change live with
 * `docker update` (no restart). Containers without `scalewright.service` and
 * `scalewright.managed=true` are never listed, so never touched.
 */
export class DockerActuator implements Actuator {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;
  private readonly logger: Logger;
  private readonly requireLabel: string | undefined;
  private readonly healthTimeoutMs: number;
  private readonly drainSeconds: number;
  private readonly settleMs: number;

  constructor(options: DockerActuatorOptions) {
    this.docker = options.docker;
    this.logger = options.logger;
    this.requireLabel = options.requireLabel;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 60_000;
    this.drainSeconds = options.drainSeconds ?? 30;
    this.settleMs = options.settleMs ?? 1000;
  }

  async listServices(): Promise<string[]> {
    const containers = await this.docker.listContainers({ all: false, filters: { label: managedLabelFilters(undefined, this.requireLabel) } });
    return [...new Set(containers.filter((c) => isManaged(c.Labels, this.requireLabel)).map((c) => c.Labels[ActuatorLabel.service] as string))].sort();
  }

  async observe(service: string): Promise<ServiceState> {
    const members = await this.members(service);
    const counted = members.filter((m) => m.phase === 'ready' || m.phase === 'starting');
    const template = templateOf(counted);
    const replicaStates: ReplicaState[] = counted.map((m) => ({ id: m.info.Id, name: m.name, createdAt: m.createdAt, phase: m.phase === 'ready' ? 'ready' : 'starting' }));
    const readyReplicas = counted.filter((m) => m.phase === 'ready').length;
    return {
      service,
      replicas: counted.length,
      readyReplicas,
      cpuLimitCores: template ? cpuLimitCores(template.info.HostConfig) : undefined,
      memoryLimitBytes: template ? memoryLimitBytes(template.info.HostConfig) : undefined,
      converging: readyReplicas < counted.length || members.some((m) => m.phase === 'draining'),
      members: replicaStates,
      labels: template?.info.Config.Labels ?? {},
    };
  }

  async setReplicas(service: string, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 1) throw new ActuatorError(`${service}: cannot scale to ${replicas}: at least one replica must stay (it is the template of the others)`);
    const members = (await this.members(service)).filter((m) => m.phase === 'ready' || m.phase === 'starting');
    const difference = replicas - members.length;
    if (difference > 0) {
      const template = templateOf(members);
      if (!template) throw new ActuatorError(`${service}: no running replica to copy`);
      await Promise.all(Array.from({ length: difference }, () => this.addReplica(service, template.info)));
    } else if (difference < 0) {
      // Clones first, newest first, the template last: the operator's container stays.
      const leaving = removalOrder(members).slice(0, -difference);
      await Promise.all(leaving.map((member) => this.removeReplica(member)));
    }
  }

  async setLimits(service: string, limits: ResourceLimits): Promise<void> {
    const members = (await this.members(service)).filter((m) => m.phase === 'ready' || m.phase === 'starting');
    if (members.length === 0) throw new ActuatorError(`${service}: no running replica to update`);
    // The template first: were the update cut short, tidy would size the others after the
    // template, so forward to the new limits, not back to the old ones.
    const template = templateOf(members);
    const templateFirst = template ? [template, ...members.filter((m) => m !== template)] : members;
    for (const member of templateFirst) {
      const body = limitsUpdateBody(member.info.HostConfig, limits);
      if (Object.keys(body).length === 0) continue;
      // Re-check the labels of what is about to change: the list filter is the first guard, this the second.
      if (!isManaged(member.info.Config.Labels, this.requireLabel)) throw new ActuatorError(`${member.name} lost its platform labels: not touching it`);
      await this.docker.getContainer(member.info.Id).update(body);
      this.logger.info({ service, container: member.name, update: body }, 'container limits updated in place');
    }
  }

  /** Inspected managed members of one service, in every state (leftovers included). */
  private async members(service: string): Promise<Member[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: managedLabelFilters(service, this.requireLabel) } });
    const now = Date.now();
    const members: Member[] = [];
    for (const summary of list) {
      if (!isManaged(summary.Labels, this.requireLabel) || summary.Labels[ActuatorLabel.service] !== service) continue;
      let info: Docker.ContainerInspectInfo;
      try {
        info = await this.docker.getContainer(summary.Id).inspect();
      } catch (error) {
        // Removed between list and inspect: an answer (404). An engine that did not answer in time
        // is not a replica gone: counted as one, it would have the service scaled out.
        if (error instanceof DependencyTimeoutError || error instanceof DependencyUnreachableError) throw error;
        continue;
      }
      const name = info.Name.replace(/^\//, '');
      const startedAt = Date.parse(info.State.StartedAt);
      const phase = memberPhase(
        {
          name,
          state: info.State.Status,
          health: info.State.Health?.Status,
          labels: info.Config.Labels ?? {},
          hasHealthcheck: hasHealthcheck(info.Config as { Healthcheck?: { Test?: string[] } }),
          runningForMs: Number.isFinite(startedAt) ? now - startedAt : 0,
        },
        this.settleMs,
      );
      members.push({ info, id: info.Id, name, phase, createdAt: Date.parse(info.Created), clone: isScalerClone(info.Config.Labels) });
    }
    return members;
  }

  /** Finishes what an interrupted scaler left: never-started or exited clones, half-drained replicas. */
  async tidy(service: string): Promise<number> {
    let cleaned = 0;
    const members = await this.members(service);
    cleaned += await this.alignLimits(service, members);
    for (const member of members) {
      if (member.phase === 'leftover' || member.phase === 'draining') cleaned += 1;
      if (member.phase === 'leftover') {
        this.logger.warn({ container: member.name, state: member.info.State.Status }, 'removing a replica left over by an interrupted scale action');
        await this.docker.getContainer(member.info.Id).remove({ force: true }).catch((error: unknown) => this.logger.warn({ error: String(error) }, 'leftover removal failed'));
      } else if (member.phase === 'draining' && !member.info.State.Running) {
        await this.docker.getContainer(member.info.Id).remove({ force: true }).catch(() => undefined);
      } else if (member.phase === 'draining') {
        // A previous scaler was stopping it when it died; the stop goes on (bounded by the drain time).
        void this.stopAndRemove(member.info.Id, member.name).catch(() => undefined);
      }
    }
    return cleaned;
  }

  /**
   * Replicas whose limits differ from the template's (an update interrupted half-way, a replica
   * changed by hand, clones after a redeploy with new limits) are set to the template's, so the
   * service has one size again. A change the scaler made reached every replica, the template
   * included, so nothing differs and nothing is undone.
   */
  private async alignLimits(service: string, members: readonly Member[]): Promise<number> {
    const counted = members.filter((m) => m.phase === 'ready' || m.phase === 'starting');
    const template = templateOf(counted);
    if (!template) return 0;
    const cpu = cpuLimitCores(template.info.HostConfig);
    const memory = memoryLimitBytes(template.info.HostConfig);
    let aligned = 0;
    for (const member of counted.filter((m) => followsTemplateLimits(m, template))) {
      const cpuDiffers = cpu !== undefined && Math.abs((cpuLimitCores(member.info.HostConfig) ?? 0) - cpu) > 1e-6;
      const memoryDiffers = memory !== undefined && memoryLimitBytes(member.info.HostConfig) !== memory;
      if (!cpuDiffers && !memoryDiffers) continue;
      const body = limitsUpdateBody(member.info.HostConfig, { ...(cpuDiffers ? { cpuCores: cpu } : {}), ...(memoryDiffers ? { memoryBytes: memory } : {}) });
      await this.docker.getContainer(member.info.Id).update(body);
      this.logger.warn({ service, container: member.name, template: template.name, update: body }, 'replica limits differed from the template: aligned');
      aligned += 1;
    }
    return aligned;
  }

  private async addReplica(service: string, template: Docker.ContainerInspectInfo): Promise<void> {
    const name = `${service}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    const spec = cloneSpec(template, name);
    const container = await this.docker.createContainer(spec.create);
    try {
      for (const extra of spec.extraNetworks) {
        await this.docker.getNetwork(extra.network).connect({ Container: container.id, EndpointConfig: extra.aliases.length ? { Aliases: extra.aliases } : {} });
      }
      await container.start();
      this.logger.info({ service, container: name, template: template.Name.replace(/^\//, '') }, 'replica started: waiting until it is healthy');
      await this.waitReady(container, name);
      this.logger.info({ service, container: name }, 'replica ready');
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error instanceof ActuatorError ? error : new ActuatorError(`${service}: replica ${name} failed to start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async waitReady(container: Docker.Container, name: string): Promise<void> {
    const deadline = Date.now() + this.healthTimeoutMs;
    while (Date.now() < deadline) {
      const info = await container.inspect();
      if (!info.State.Running && info.State.Status !== 'created') {
        throw new ActuatorError(`replica ${name} exited (code ${info.State.ExitCode}) before it was ready`);
      }
      if (hasHealthcheck(info.Config as { Healthcheck?: { Test?: string[] } })) {
        if (info.State.Health?.Status === 'healthy') return;
      } else if (info.State.Running && Date.now() - Date.parse(info.State.StartedAt) >= this.settleMs) {
        return;
      }
      await sleep(200);
    }
    throw new ActuatorError(`replica ${name} not healthy within ${this.healthTimeoutMs} ms`);
  }

  private async removeReplica(member: Member): Promise<void> {
    if (!isManaged(member.info.Config.Labels, this.requireLabel)) throw new ActuatorError(`${member.name} lacks the platform labels: not touching it`);
    const container = this.docker.getContainer(member.info.Id);
    // The new name marks the removal as begun, so a scaler that dies during the drain does not
    // count this replica again after a restart, and finishes removing it.
    const drainingName = `${member.name}${DRAINING_SUFFIX}`;
    await container.rename({ name: drainingName });
    await this.stopAndRemove(member.info.Id, drainingName);
  }

  private async stopAndRemove(id: string, name: string): Promise<void> {
    const container = this.docker.getContainer(id);
    this.logger.info({ container: name, drainSeconds: this.drainSeconds }, 'stopping replica gracefully (SIGTERM, then SIGKILL after the drain time)');
    try {
      await container.stop({ t: this.drainSeconds });
    } catch (error) {
      if (!/not running|304|already stopped/i.test(String(error))) throw error;
    }
    await container.remove({ force: true }).catch((error: unknown) => {
      if (!/no such container|404|already in progress/i.test(String(error))) throw error;
    });
    this.logger.info({ container: name }, 'replica removed');
  }
}
