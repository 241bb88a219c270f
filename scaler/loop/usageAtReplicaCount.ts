import type { Sample } from '../samples.js';

/**
 * The per-replica samples taken at the service's current replica count, once the replicas that
 * came with it had started: those later than `startupMs` after the count (as the collector saw
 * it) last changed.
 *
 * A per-replica figure from before a scale-out describes replicas that carried a larger share of
 * the load than each carries now, and one from a new replica's first seconds is the burn of
 * loading its code at its whole limit. Read by the VPA-style CPU recommendation, both grew the base
 * limit of every replica just after replicas had been added for the same load, paying for it
 * twice (the demo's adaptive runs: 4 replicas raised from 0.13 to 0.19 cores right after a
 * scale-out for a spike, then, with the samples before it left out, to 0.22 on the clones' start-up).
 */
export function usageAtReplicaCount(perReplica: readonly Sample[], replicaCounts: readonly Sample[], startupMs: number): Sample[] {
  const current = replicaCounts.at(-1)?.value;
  if (current === undefined) return [...perReplica];
  let changedAt: number | undefined;
  for (let i = replicaCounts.length - 1; i >= 0; i--) {
    const count = replicaCounts[i] as Sample;
    if (count.value !== current) {
      // The first sample at the current count: the change happened by then.
      changedAt = (replicaCounts[i + 1] as Sample).time;
      break;
    }
  }
  if (changedAt === undefined) return [...perReplica];
  const from = changedAt + startupMs;
  return perReplica.filter((sample) => sample.time >= from);
}
