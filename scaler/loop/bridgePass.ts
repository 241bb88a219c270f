import type { Decision } from '../decision.js';
import { bridgeDemand, bridgeDemandSpanSeconds } from '../policies/bridgeDemand.js';
import { plannedCapacityPerReplica } from '../policies/adaptive.js';
import { statedBridgeChange } from '../policies/arbitration.js';
import { bridgeBaseWhileAt, bridgeCpuLimit, type BridgeSizing } from '../policies/verticalBridge.js';
import { adaptiveSettingsFromConfig } from '../simulator/simulate.js';
import { demandView, type DemandView } from './demandView.js';
import type { EvaluationInput, PolicyMemory } from './evaluate.js';

/**
 * The bridge pass: between two evaluations of a service (`evaluationSeconds`), its start-up
 * bridge alone is re-sized every `bridgeSeconds` on the newest seconds, as the simulator does. A
 * CPU limit applies to running containers at once, so a burst is answered within a second of its
 * start instead of at the next evaluation. Pure: the window and the actual state in, the CPU limit
 * to set (or none) and the memory out. Nothing but the bridge's limit changes here; replicas,
 * cooldowns and the latency correction are the full evaluation's.
 */
export interface BridgePass {
  /** The bridge's change, as the arbitration states it; undefined when the limit stays. */
  readonly change: Decision | undefined;
  readonly memory: PolicyMemory;
}

export function bridgePass(input: EvaluationInput): BridgePass {
  const { now, actual, config, memory } = input;
  const unchanged: BridgePass = { change: undefined, memory };
  // A data problem is the full evaluation's to report; the bridge waits for it.
  const read = demandView(input);
  if (!read.ok || !read.view.bridgeOn) return unchanged;
  const { demand, capacityPerReplica } = read.view;
  const settings = adaptiveSettingsFromConfig(config);
  const planned = plannedCapacityPerReplica(capacityPerReplica, memory.adaptive);
  if (!(planned > 0)) return unchanged;
  const queue = read.view.window.queueDepthJobs.at(-1)?.value ?? 0;
  const proposal = bridgeProposal(read.view, actual.readyReplicas, bridgeDemand(demand, queue, now, planned, settings), planned, settings.targetUtilisation);
  if (proposal.action === 'none') return unchanged;
  return {
    change: statedBridgeChange(proposal),
    memory: { ...memory, bridgeBaseCpuCores: bridgeBaseWhileAt(proposal.to, read.view.baseCores) },
  };
}

/**
 * The bridge's CPU limit for a demand, between the limits the service's view reads (its base, its
 * limit now, the cap), stated in the view's demand units. The full evaluation and the bridge pass
 * both size the bridge through it.
 */
export function bridgeProposal(view: DemandView, readyReplicas: number, demand: BridgeSizing, baseCapacityPerReplicaRps: number, targetUtilisation: number): Decision {
  return view.inDemandUnits(
    bridgeCpuLimit({
      demandRps: demand.demandRps,
      typicalSecondRps: demand.typicalSecondRps,
      readyReplicas,
      baseCapacityPerReplicaRps,
      targetUtilisation,
      baseCpuLimitCores: view.baseCores,
      currentCpuLimitCores: view.limitCores,
      maxCpuLimitCores: view.maxCores,
      minStepCores: view.bridgeStepCores,
    }),
  );
}

/** How far back the bridge pass reads: the windows its demand looks at. */
export function bridgeWindowSeconds(config: EvaluationInput['config']): number {
  return bridgeDemandSpanSeconds(adaptiveSettingsFromConfig(config));
}
