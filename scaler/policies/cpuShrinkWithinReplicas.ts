import type { Decision } from '../decision.js';

/**
 * How far a VPA-style CPU recommendation may shrink the limit of a service whose replicas are
 * sized on CPU. The limit is then the horizontal rule's denominator: shrunk too far, it makes that
 * rule add replicas (the HPA+VPA conflict). Never shrinking at all is no answer either: the
 * recommendation reads a percentile of the usage per replica, which is high while few replicas
 * serve a burst, so each burst would ratchet the base up for good and the service would pay for
 * it at every quiet hour after.
 *
 * So, as the horizontal and vertical autoscalers of a cluster are usually ordered:
 * - replicas first: while one replica fewer would carry the demand at the limit now, the limit
 *   waits for the horizontal rule's scale-in (its cooldowns and evidence windows). Each replica
 *   has its own fixed cost (its runtime, its probes, its scrapes), which a smaller limit on more
 *   replicas keeps paying, and which a CPU-driven rule counts as load on the replicas that stay;
 * - then the limit shrinks as far as the replicas there are still carry the demand with
 *   `margin` to spare (they would carry it at a limit that much smaller): to the recommendation
 *   when they do at it, otherwise to the smallest limit (in whole hundredths of a core) at which
 *   they do; not at all when that is a change under `minChangeFraction`. Without the margin, the
 *   next busy second after a shrink to the very edge buys a replica back.
 */
export interface CpuShrinkInput {
  /** The VPA-style recommendation; anything but a CPU scale-down passes through unchanged. */
  recommendation: Decision;
  /**
   * Would the horizontal rule keep (or shed) the replicas with each at this limit? Expected to
   * hold for any limit above one at which it holds.
   */
  replicasCarryAt: (cores: number) => boolean;
  /** One replica fewer would carry the demand at the limit now (and the minimum allows it). */
  fewerReplicasWouldCarry: boolean;
  /** Share of the limit kept above the edge at which the replicas just carry the demand. */
  margin: number;
  /** Changes smaller than this share of the limit are not made (the recommender's own threshold). */
  minChangeFraction: number;
}

export function cpuShrinkWithinReplicas(input: CpuShrinkInput): Decision {
  const { recommendation, minChangeFraction } = input;
  const carries = (cores: number) => input.replicasCarryAt(cores / (1 + input.margin));
  if (recommendation.resource !== 'cpu' || recommendation.action !== 'scale_down') return recommendation;
  const { from, to } = recommendation;
  const kept = (why: string): Decision => ({ ...recommendation, action: 'none', to: from, reason: `${recommendation.reason}; not applied: ${why}` });
  if (input.fewerReplicasWouldCarry) return kept('one replica fewer carries the demand at the limit now, and replicas are shed before the limit shrinks');
  if (carries(to)) return { ...recommendation, reason: `${recommendation.reason}; the replicas still carry the demand at it, with ${percent(input.margin)} to spare` };
  if (!carries(from)) return kept(`the replicas do not carry the demand with ${percent(input.margin)} to spare even at the limit now`);
  // Bisection in hundredths of a core: the smallest limit that carries lies in (low, high].
  let low = Math.floor(to * 100);
  let high = Math.ceil(from * 100);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (carries(middle / 100)) high = middle;
    else low = middle;
  }
  const floor = Math.min(from, high / 100);
  if ((from - floor) / from < minChangeFraction) {
    return kept(`under ${floor.toFixed(2)} cores the replicas would not carry the demand with ${percent(input.margin)} to spare (CPU drives the horizontal rule), and that is a change under ${percent(minChangeFraction)}`);
  }
  return {
    ...recommendation,
    to: floor,
    signals: { ...recommendation.signals, carryingFloorCores: floor },
    reason: `${recommendation.reason}; shrunk only to ${floor.toFixed(2)} cores: under it the replicas would not carry the demand with ${percent(input.margin)} to spare (CPU drives the horizontal rule)`,
  };
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
