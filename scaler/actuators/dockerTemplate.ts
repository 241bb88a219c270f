import { ActuatorLabel } from './labels.js';
import type { MemberPhase } from './dockerSpec.js';

/**
 * Which replica of a plain-Docker service speaks for it (the template: its policy labels and
 * limits are the service's, new replicas are copied from it), and in which order replicas go on
 * scale-in. Pure: a function of the replicas alone, so every tick picks the same one.
 *
 * The operator's own container comes first, not the oldest replica. After the scaler has cloned
 * it, a redeploy (`docker compose up -d` with a changed label, image or limit) replaces the
 * operator's container with a new one, younger than the clones (compose does not see the clones:
 * they lack its one-off label, so it neither recreates nor removes them): were the oldest replica
 * the template, the stale clones would go on speaking for the service and being copied, and
 * scale-in would remove the operator's fresh container first.
 */

export interface ReplicaStanding {
  readonly id: string;
  /** Creation time (ms). */
  readonly createdAt: number;
  readonly phase: MemberPhase;
  /** Made by the scaler (a copy of the template), not by the operator. */
  readonly clone: boolean;
}

/** True for a container the scaler made: it carries the scaler's marks. */
export function isScalerClone(labels: Readonly<Record<string, string>> | undefined): boolean {
  return labels?.[ActuatorLabel.createdByScaler] === 'true' || Boolean(labels?.[ActuatorLabel.cloneOf]);
}

/**
 * The template, best first: a ready operator's container, else a ready clone, else a starting
 * replica (the operator's first); the oldest within each, ties on time by id, so the choice is
 * stable. A container that is not ready is not copied while a ready one exists: a redeploy still
 * starting may be a broken one. Several operator's containers (compose `scale: 2`) are of one
 * deploy: compose starts the new ones of a service only after it has stopped the old ones.
 */
export function templateOf<T extends ReplicaStanding>(replicas: readonly T[]): T | undefined {
  return counted(replicas).sort(byTemplatePreference)[0];
}

/**
 * The order scale-in removes replicas in: the scaler's clones before the operator's containers,
 * newest first within each, and the template last of all: what stays is what the service is
 * copied from, and with an operator's container ready, that is the operator's container.
 */
export function removalOrder<T extends ReplicaStanding>(replicas: readonly T[]): T[] {
  const template = templateOf(replicas);
  const others = counted(replicas).filter((r) => r !== template);
  return [...others.filter((r) => r.clone).sort(newestFirst), ...others.filter((r) => !r.clone).sort(newestFirst), ...(template ? [template] : [])];
}

/**
 * Whether `replica`'s limits are set to `template`'s when they differ: every clone, and the
 * operator's ready containers; not an operator's container still starting. That one may be a
 * redeploy whose limits are the operator's new ones while the template is still a stale clone:
 * sized after it, it would carry the old limits on once it became the template, and the
 * redeploy's would be lost for good.
 */
export function followsTemplateLimits(replica: ReplicaStanding, template: ReplicaStanding): boolean {
  return replica !== template && (replica.clone || replica.phase === 'ready');
}

function counted<T extends ReplicaStanding>(replicas: readonly T[]): T[] {
  return replicas.filter((r) => r.phase === 'ready' || r.phase === 'starting');
}

function byTemplatePreference(a: ReplicaStanding, b: ReplicaStanding): number {
  return rank(a) - rank(b) || a.createdAt - b.createdAt || a.id.localeCompare(b.id);
}

/** 0 ready operator's, 1 ready clone, 2 starting operator's, 3 starting clone. */
function rank(replica: ReplicaStanding): number {
  return (replica.phase === 'ready' ? 0 : 2) + (replica.clone ? 1 : 0);
}

function newestFirst(a: ReplicaStanding, b: ReplicaStanding): number {
  return b.createdAt - a.createdAt || b.id.localeCompare(a.id);
}
