import type { Decision } from '../decision.js';
import type { Sample } from '../samples.js';
import type { DataProblem, EvaluationInput } from './evaluate.js';
import type { ServiceWindow } from './serviceWindow.js';
import { cpuDemandExcludingStartup } from './startupCpu.js';

/**
 * How one service's window reads as demand, shared by the full evaluation and the bridge pass:
 * whether the data can be used at all, the demand series (requests/s, or CPU in millicores), the
 * capacity per replica it is counted against, and the CPU limits the bridge works between.
 */
export interface DemandView {
  readonly window: ServiceWindow;
  /** The CPU limit now (the configured cap when none is set). */
  readonly limitCores: number;
  /** The adaptive policy's start-up bridge applies: a CPU limit to raise, and a platform that raises it at once. */
  readonly bridgeOn: boolean;
  /** The service's size without the bridge; the bridge's cores are never counted as replicas. */
  readonly baseCores: number;
  /** The bridge's cap. */
  readonly maxCores: number;
  /** The bridge's smallest move between two sizes above the base (config `cpu.bridgeStepCores`). */
  readonly bridgeStepCores: number;
  /** The limit the horizontal rule measures CPU against (the one its samples were taken under). */
  readonly referenceCores: number;
  readonly requestDriven: boolean;
  readonly demand: readonly Sample[];
  /** Requests/s (or millicores) one replica serves at 100% of its base limit. */
  readonly capacityPerReplica: number;
  /** The adaptive policy speaks of its demand in requests/s; when the demand is CPU, say so. */
  readonly inDemandUnits: (decision: Decision) => Decision;
}

export type DemandViewOrProblem = { ok: true; view: DemandView } | { ok: false; problem: DataProblem; reason: string };

export function demandView(input: EvaluationInput): DemandViewOrProblem {
  const { now, actual, config, memory } = input;
  if (!input.data.ok) return { ok: false, problem: 'influx_unreachable', reason: `no action: InfluxDB unreachable (${input.data.error})` };
  const window = input.data.window;
  if (window.newestTime === undefined) return { ok: false, problem: 'no_data', reason: 'no action: no samples for this service in the window (is the collector running and the service labelled?)' };
  const age = now - window.newestTime;
  if (age > input.staleAfterMs) return { ok: false, problem: 'stale_data', reason: `no action: newest sample is ${Math.round(age / 1000)} s old (stale after ${Math.round(input.staleAfterMs / 1000)} s)` };

  const limitCores = actual.cpuLimitCores ?? config.cpu.maxCores;
  const bridgeOn = config.policy === 'adaptive' && input.liveCpuLimits === true && actual.cpuLimitCores !== undefined;
  const baseCores = bridgeOn ? (memory.bridgeBaseCpuCores ?? limitCores) : limitCores;
  const settling = memory.lastVerticalChange !== undefined && now - memory.lastVerticalChange.at < config.windows.stableSeconds * 1000;
  // While a vertical change settles, replicas are counted at the smaller of the two sizes: after a
  // raise the samples were taken under the old limit; after a shrink the replicas are the new size.
  const referenceCores = settling ? Math.min(memory.lastVerticalChange?.previousCpuLimitCores ?? baseCores, baseCores) : baseCores;
  const requestDriven = config.targets.rpsPerReplica !== undefined && window.requestsPerSecond.length > 0;
  const inDemandUnits = (decision: Decision): Decision => (requestDriven ? decision : { ...decision, reason: decision.reason.replace(/ rps\b/g, ' millicores') });
  // CPU demand goes to the policies in millicores: their reasons print one decimal, too coarse for cores.
  // CPU as demand leaves out what replicas burn while starting (see startupCpu.ts), when the
  // per-container series is there to tell it apart.
  const cpuDemand = window.cpuUsageByContainer.length > 0 ? cpuDemandExcludingStartup(window.cpuUsageByContainer, actual.members, config.startupSeconds * 1000) : window.cpuUsageCores;
  const demand = requestDriven ? window.requestsPerSecond : cpuDemand.map((s) => ({ time: s.time, value: s.value * 1000 }));
  const capacityPerReplica = requestDriven ? (config.targets.rpsPerReplica as number) / config.targets.cpuUtilisation : referenceCores * 1000;
  return {
    ok: true,
    view: { window, limitCores, bridgeOn, baseCores, maxCores: Math.max(baseCores, config.cpu.maxCores), bridgeStepCores: config.cpu.bridgeStepCores, referenceCores, requestDriven, demand, capacityPerReplica, inDemandUnits },
  };
}
