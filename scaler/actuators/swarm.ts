import type Docker from 'dockerode';
import type { Logger } from '../../common/logger.js';
import { ActuatorError, type Actuator, type ReplicaState, type ResourceLimits, type ServiceState } from './actuator.js';
import { ActuatorLabel, isManaged, managedLabelFilters } from './labels.js';

export interface SwarmActuatorOptions {
  readonly docker: Docker;
  readonly logger: Logger;
  /** A further label (`key` or `key=value`) every managed Swarm service must carry. */
  readonly requireLabel?: string;
}

type ServiceSpec = NonNullable<Docker.Service['Spec']> & {
  Mode?: { Replicated?: { Replicas?: number } };
  TaskTemplate?: { Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number }; Reservations?: { NanoCPUs?: number; MemoryBytes?: number } } };
};

/**
 * Scales Docker Swarm services through the service update API. The service's own labels (compose
 * `deploy.labels`) must carry `scalewright.service=<name>` and `scalewright.managed=true`. Every
 * update sends the version index it read, so a concurrent change (a person, another tool) makes
 * the update fail instead of being overwritten; the next tick reads again. Swarm itself keeps the
 * tasks at the spec, so the spec is the level this actuator sets. Note: Swarm applies new limits
 * by replacing tasks (a rolling update), not in place.
 */
export class SwarmActuator implements Actuator {
  readonly kind = 'swarm' as const;

  constructor(private readonly options: SwarmActuatorOptions) {}

  async listServices(): Promise<string[]> {
    const services = await this.options.docker.listServices({ filters: { label: managedLabelFilters(undefined, this.options.requireLabel) } });
    return [...new Set(services.filter((s) => isManaged(s.Spec?.Labels, this.options.requireLabel)).map((s) => s.Spec?.Labels?.[ActuatorLabel.service] as string))].sort();
  }

  async observe(service: string): Promise<ServiceState> {
    const info = await this.find(service);
    const spec = info.Spec as ServiceSpec;
    const tasks = await this.options.docker.listTasks({ filters: { service: [info.ID as string], 'desired-state': ['running'] } });
    const members: ReplicaState[] = tasks.map((task) => ({
      id: String(task.ID),
      name: `${spec.Name}.${String(task.Slot ?? task.ID)}`,
      createdAt: Date.parse(String(task.CreatedAt)),
      phase: task.Status?.State === 'running' ? 'ready' : 'starting',
    }));
    const desired = spec.Mode?.Replicated?.Replicas ?? members.length;
    const readyReplicas = members.filter((m) => m.phase === 'ready').length;
    const limits = spec.TaskTemplate?.Resources?.Limits;
    const updating = (info as { UpdateStatus?: { State?: string } }).UpdateStatus?.State === 'updating';
    return {
      service,
      replicas: desired,
      readyReplicas,
      cpuLimitCores: limits?.NanoCPUs ? limits.NanoCPUs / 1e9 : undefined,
      memoryLimitBytes: limits?.MemoryBytes ? limits.MemoryBytes : undefined,
      converging: updating || readyReplicas !== desired,
      members,
      labels: spec.Labels ?? {},
    };
  }

  async tidy(): Promise<number> {
    return 0; // Swarm's orchestrator replaces and removes tasks itself.
  }

  async setReplicas(service: string, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0) throw new ActuatorError(`${service}: invalid replica count ${replicas}`);
    await this.update(service, (spec) => {
      if (!spec.Mode?.Replicated) throw new ActuatorError(`${service}: a global service has no replica count`);
      spec.Mode.Replicated.Replicas = replicas;
    });
  }

  async setLimits(service: string, limits: ResourceLimits): Promise<void> {
    await this.update(service, (spec) => {
      const resources = (spec.TaskTemplate ??= {}).Resources ?? {};
      const next = { ...(resources.Limits ?? {}) };
      if (limits.cpuCores !== undefined) next.NanoCPUs = Math.round(limits.cpuCores * 1e9);
      if (limits.memoryBytes !== undefined) next.MemoryBytes = Math.round(limits.memoryBytes);
      const reservations = { ...(resources.Reservations ?? {}) };
      // A reservation above the new limit would make the spec invalid.
      if (reservations.NanoCPUs && next.NanoCPUs && reservations.NanoCPUs > next.NanoCPUs) reservations.NanoCPUs = next.NanoCPUs;
      if (reservations.MemoryBytes && next.MemoryBytes && reservations.MemoryBytes > next.MemoryBytes) reservations.MemoryBytes = next.MemoryBytes;
      spec.TaskTemplate.Resources = { ...resources, Limits: next, ...(Object.keys(reservations).length ? { Reservations: reservations } : {}) };
    });
  }

  private async find(service: string): Promise<Docker.Service> {
    const services = await this.options.docker.listServices({ filters: { label: managedLabelFilters(service, this.options.requireLabel) } });
    const match = services.filter((s) => isManaged(s.Spec?.Labels, this.options.requireLabel) && s.Spec?.Labels?.[ActuatorLabel.service] === service);
    if (match.length !== 1) throw new ActuatorError(`${service}: expected one managed Swarm service with label ${ActuatorLabel.service}=${service}, found ${match.length}`);
    return match[0] as Docker.Service;
  }

  /** Read, change, write back with the version index read: optimistic concurrency. */
  private async update(service: string, change: (spec: ServiceSpec) => void): Promise<void> {
    const info = await this.find(service);
    const spec = structuredClone(info.Spec) as ServiceSpec;
    change(spec);
    const version = info.Version?.Index;
    if (version === undefined) throw new ActuatorError(`${service}: the service has no version index`);
    // docker-modem: `_query` goes to the query string (?version=N), `_body` is the JSON body.
    const request = { _query: { version }, _body: spec } as unknown as Docker.ServiceSpec & { version: number };
    await this.options.docker.getService(info.ID as string).update(request);
    this.options.logger.info({ service, version, replicas: spec.Mode?.Replicated?.Replicas, limits: spec.TaskTemplate?.Resources?.Limits }, 'swarm service updated');
  }
}
