/**
 * What the loop needs from a platform (Docker engine, Swarm, Kubernetes): the actual state of a
 * managed service, read fresh on every tick, and two level-setting operations. Actuators set a
 * level ("3 replicas", "0.5 cores"), they never apply a delta, so running one twice, or after a
 * crash half-way, converges instead of duplicating.
 */
export type ActuatorKind = 'docker' | 'swarm' | 'kubernetes';

export interface ReplicaState {
  /** Container id, Swarm task id or Pod name. */
  readonly id: string;
  readonly name: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** `ready`: counted and serving; `starting`: asked for, not yet healthy (still counted as a replica). */
  readonly phase: 'ready' | 'starting';
}

export interface ServiceState {
  readonly service: string;
  /** Replicas asked for (ready + starting): the `currentReplicas` of the HPA rule. */
  readonly replicas: number;
  readonly readyReplicas: number;
  /** Per-replica limits (the template's, which new replicas get); undefined = unlimited. */
  readonly cpuLimitCores: number | undefined;
  readonly memoryLimitBytes: number | undefined;
  /** True while the platform is still converging (a replica starting, a rollout running). */
  readonly converging: boolean;
  readonly members: readonly ReplicaState[];
  /** Labels (Docker, Swarm) or annotations (Kubernetes) of the service, where policy labels live. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface ResourceLimits {
  readonly cpuCores?: number;
  readonly memoryBytes?: number;
}

export interface Actuator {
  readonly kind: ActuatorKind;
  /** Services with at least one managed member (labelled for the scaler). */
  listServices(): Promise<string[]>;
  /** The actual state, read from the platform now. Read-only. */
  observe(service: string): Promise<ServiceState>;
  /**
   * Finishes or removes what an interrupted action left (a clone created but never started, a
   * replica half-way through removal). Returns how many things it cleaned. Only the lease holder
   * calls it, outside dry-run.
   */
  tidy(service: string): Promise<number>;
  /** Converges the replica count to `replicas` (adds or removes the difference). */
  setReplicas(service: string, replicas: number): Promise<void>;
  /** Sets the per-replica limits of every replica (and of the template new replicas come from). */
  setLimits(service: string, limits: ResourceLimits): Promise<void>;
}

export class ActuatorError extends Error {
  override name = 'ActuatorError';
}
