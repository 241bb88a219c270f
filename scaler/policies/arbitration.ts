import type { Decision } from '../decision.js';
import { boundDrivingChange, replicaBoundReason } from './replicaBounds.js';
import { bridgeStillAbove } from './verticalBridge.js';

/**
 * Up or out: one function that turns the horizontal proposal and the vertical recommendations of
 * one service into the one action to take now, and says why. The rules, in order:
 *
 * 1. Memory pressure or an OOM kill → more memory per replica (more replicas do not cure a
 *    process that needs more memory than its limit). At the memory cap, say so and fall through.
 * 2. The horizontal rule wants more replicas:
 *    - CPU-throttled, a single replica, CPU limit under its vertical cap, and the load is not
 *      request-rate driven → grow the CPU limit first (cheaper than a second copy of the process);
 *    - otherwise (at the cap, several replicas, or request-driven load) → scale out;
 *    - a scale-out that only brings the service up to its minimum of replicas is taken as it is
 *      (a second copy is what the minimum asks for, not more CPU), and its reason is the bound's
 *      alone: it owes nothing to throttling or to the vertical cap.
 * 3. A vertical change is settling (within one stable window of it) → the horizontal rule may not
 *    scale in: its evidence was measured under the old limit, and reading it against the new one
 *    would move the denominator of `replicas × usage / (target × limit)` — the HPA+VPA conflict.
 *    The horizontal reference limit stays the one the samples were taken under. A scale-in down
 *    to the maximum of replicas reads no evidence, so it goes through, stated as the bound.
 * 4. Otherwise the horizontal proposal if it acts, else a vertical CPU change, else nothing.
 * 5. With the adaptive policy's start-up bridge (`bridge` given: the platform changes CPU limits
 *    live), the CPU limit above its base belongs to the bridge: it is raised for demand the ready
 *    replicas cannot carry and returned to the base once they can. While the bridge is raised or
 *    moving, the VPA-style CPU recommendation is not applied (it right-sizes the base only while the
 *    bridge is at rest), rule 2's grow-first gives way to it (the bridge already grows the ready
 *    replicas at once), and the bridge's change goes alongside the one action above (a limit
 *    update is instant and does not wait for replicas). The horizontal rule counts replicas at the
 *    base limit, so the bridge never moves its denominator and never starts a settling window.
 */
export interface ArbitrationInput {
  now: number;
  replicas: number;
  horizontal: Decision;
  verticalCpu: Decision;
  verticalMemory: Decision;
  /** Working set at or above the pressure threshold of the limit (e.g. 90%). */
  memoryPressure: boolean;
  oomKilled: boolean;
  /** The CPU limit is throttling the container (throttled periods above a threshold). */
  cpuThrottled: boolean;
  cpuLimitCores: number;
  cpuMaxCores: number;
  memoryLimitBytes: number;
  memoryMaxBytes: number;
  /** The load is driven by request rate (HTTP service) rather than by work per item. */
  requestDriven: boolean;
  /** When the last vertical change was applied (ms), and the CPU limit before it. */
  lastVerticalChange?: { at: number; previousCpuLimitCores: number };
  settleSeconds: number;
  /** The start-up bridge's proposal (policy `bridge`), when the platform changes CPU limits live. */
  bridge?: Decision;
  /** The CPU limit the bridge returns to (the service's size without it). */
  bridgeBaseCpuCores?: number;
}

export interface ArbitrationResult {
  decision: Decision;
  /** The CPU limit the horizontal rule's evidence is measured against (its denominator). */
  horizontalReferenceCpuCores: number;
  /** The bridge's CPU change, applied alongside `decision` (undefined when it keeps the limit). */
  bridge?: Decision;
}

/**
 * Whether the start-up bridge holds the CPU limit this tick: it changes the limit now, or the
 * limit is above the base it returns to. Then no VPA-style recommendation applies to it.
 */
export function limitHeldByBridge(bridge: Decision, limitCores: number, baseCores: number): boolean {
  return bridge.action !== 'none' || Math.abs(limitCores - baseCores) > 1e-9;
}

export function arbitrate(input: ArbitrationInput): ArbitrationResult {
  const bridge = input.bridge;
  if (bridge === undefined) return arbitrateOne(input);
  const base = input.bridgeBaseCpuCores ?? input.cpuLimitCores;
  const bridgeActs = bridge.action !== 'none';
  const bridged = limitHeldByBridge(bridge, input.cpuLimitCores, base);
  const held = (decision: Decision): Decision => ({ ...decision, action: 'none', to: decision.from, reason: `${decision.reason}; not applied: the CPU limit is held by the start-up bridge (base ${base} cores)` });
  const result = arbitrateOne({
    ...input,
    // The horizontal rule and the grow-first rule see the service at its base size.
    cpuLimitCores: base,
    verticalCpu: bridged && input.verticalCpu.action !== 'none' ? held(input.verticalCpu) : input.verticalCpu,
    cpuThrottled: false,
  });
  if (!bridgeActs) {
    if (!bridged || result.decision.action !== 'none') return result;
    // One stated reason for the CPU limit: the bridge's, and the recommendation it holds back.
    const heldVertical = input.verticalCpu.action !== 'none' ? `; VPA-style recommendation held: ${input.verticalCpu.reason}` : '';
    return { ...result, decision: { ...result.decision, reason: `start-up bridge holds the CPU limit at ${input.cpuLimitCores} cores (base ${base}): ${bridge.reason}${heldVertical}` } };
  }
  return { ...result, bridge: statedBridgeChange(bridge) };
}

/**
 * The bridge's change as the arbitration states it (rule 5): the CPU limit above the base belongs
 * to the bridge, which changes it alongside any other action, or alone between evaluations.
 */
export function statedBridgeChange(bridge: Decision): Decision {
  const why =
    bridge.action === 'scale_up'
      ? 'demand beyond the ready replicas → bridge their CPU limit'
      : bridgeStillAbove(bridge)
        ? 'ready replicas carry more of the demand → bridge lowered'
        : 'ready replicas carry the demand → CPU limit back to its base';
  return { ...bridge, policy: `arbitration/${bridge.policy}`, reason: `${why}: ${bridge.reason}` };
}

function arbitrateOne(input: ArbitrationInput): ArbitrationResult {
  const settling = input.lastVerticalChange !== undefined && input.now - input.lastVerticalChange.at < input.settleSeconds * 1000;
  const reference = settling ? input.lastVerticalChange!.previousCpuLimitCores : input.cpuLimitCores;
  const result = (decision: Decision, why: string): ArbitrationResult => ({
    decision: { ...decision, policy: `arbitration/${decision.policy}`, reason: `${why}: ${decision.reason}` },
    horizontalReferenceCpuCores: reference,
  });
  const nothing = (why: string): ArbitrationResult => ({
    decision: { action: 'none', resource: 'replicas', from: input.replicas, to: input.replicas, signals: {}, thresholds: {}, reason: why, policy: 'arbitration' },
    horizontalReferenceCpuCores: reference,
  });

  const memoryCause = input.oomKilled ? 'OOM kill' : input.memoryPressure ? 'memory pressure' : undefined;
  let memoryAtCap = '';
  if (memoryCause !== undefined) {
    if (input.verticalMemory.action === 'scale_up') return result(input.verticalMemory, `${memoryCause} → more memory, not more replicas`);
    if (input.memoryLimitBytes < input.memoryMaxBytes) {
      const to = Math.min(input.memoryMaxBytes, Math.max(input.memoryLimitBytes * 1.2, input.memoryLimitBytes + 100 * 2 ** 20));
      return result(
        { ...input.verticalMemory, action: 'scale_up', resource: 'memory', from: input.memoryLimitBytes, to: Math.round(to) },
        `${memoryCause} → more memory, not more replicas`,
      );
    }
    const atCap = `${memoryCause} but memory is at its cap (${input.memoryMaxBytes} bytes)`;
    if (input.horizontal.action !== 'scale_out') return nothing(`${atCap}: nothing more to give; raise memory.max`);
    // A scale-out here is the horizontal rule's own, for its own reason; the memory problem it
    // does not cure is still stated, so that nobody reads the new replicas as its answer.
    memoryAtCap = `${atCap}, raise memory.max; `;
  }

  const bound = boundDrivingChange(input.horizontal);
  if (bound !== undefined) {
    // The bound first and plainly; a memory problem the new replicas do not cure is still named.
    const memoryNote = memoryAtCap ? `; ${memoryAtCap.replace(/; $/, '')}` : '';
    return {
      decision: { ...input.horizontal, policy: `arbitration/${input.horizontal.policy}`, reason: `${replicaBoundReason(bound, input.horizontal.to)}${memoryNote}` },
      horizontalReferenceCpuCores: reference,
    };
  }

  if (input.horizontal.action === 'scale_out') {
    const underCap = input.cpuLimitCores < input.cpuMaxCores;
    if (input.cpuThrottled && input.replicas === 1 && underCap && !input.requestDriven) {
      const factor = input.horizontal.to / Math.max(1, input.horizontal.from);
      const fromVertical = input.verticalCpu.action === 'scale_up' ? input.verticalCpu.to : 0;
      const to = Math.min(input.cpuMaxCores, Math.max(fromVertical, input.cpuLimitCores * factor));
      return result(
        { ...input.verticalCpu, action: 'scale_up', resource: 'cpu', from: input.cpuLimitCores, to },
        `${memoryAtCap}CPU-throttled single replica under its vertical cap grows before it multiplies`,
      );
    }
    const why = !underCap ? 'CPU at its vertical cap → scale out' : input.requestDriven ? 'request-rate-driven load → scale out' : input.replicas > 1 ? 'already several replicas → scale out' : 'not CPU-throttled → scale out';
    return result(input.horizontal, `${memoryAtCap}${why}`);
  }

  if (input.horizontal.action === 'scale_in') {
    if (settling) return nothing(`vertical change settling: no scale-in until samples under the new CPU limit cover ${input.settleSeconds} s`);
    return result(input.horizontal, 'load fell → scale in');
  }

  if (input.verticalCpu.action !== 'none') return result(input.verticalCpu, 'replicas steady → right-size CPU');
  if (input.verticalMemory.action !== 'none') return result(input.verticalMemory, 'replicas steady → right-size memory');
  // The horizontal rule's own reason says why the replicas stay (a cooldown, a stabilisation window).
  return nothing(`nothing to do: replicas and limits fit the load (${input.horizontal.reason})`);
}
