import type { ReplicaState } from '../actuators/actuator.js';
import type { ContainerSample } from './serviceWindow.js';

/** One replica's CPU as the Kubernetes metrics API reports a pod's: a mean over a window, and when. */
export interface PodCpu {
  readonly usageCores: number;
  /** Epoch ms of the replica's newest sample: the end of the window its mean covers. */
  readonly timestamp: number;
}

/**
 * Each current replica's own CPU over the last `windowMs` before `now`, from the per-container
 * series, matched by container name. The HPA rule reads pods one by one: a replica still loading
 * its code burns its whole limit, and averaged into the service (as the service-wide series does)
 * that burn reads as load on every replica, so each scale-out asks for more.
 *
 * Undefined when no current replica has a sample of its own (no per-container series, or names
 * the collector tags differently, as Swarm's tasks): the caller then falls back to the service's
 * mean. A replica without samples of its own is missing from the map, which the HPA rule treats
 * as a missing metric.
 */
export function podCpu(samples: readonly ContainerSample[], members: readonly ReplicaState[], windowMs: number, now: number): Map<string, PodCpu> | undefined {
  const names = new Set(members.map((member) => member.name));
  const sums = new Map<string, { sum: number; count: number; newest: number }>();
  for (const sample of samples) {
    if (!names.has(sample.container) || sample.time <= now - windowMs || sample.time > now) continue;
    const entry = sums.get(sample.container) ?? { sum: 0, count: 0, newest: -Infinity };
    entry.sum += sample.value;
    entry.count += 1;
    entry.newest = Math.max(entry.newest, sample.time);
    sums.set(sample.container, entry);
  }
  if (sums.size === 0) return undefined;
  return new Map([...sums].map(([name, { sum, count, newest }]) => [name, { usageCores: sum / count, timestamp: newest }]));
}
