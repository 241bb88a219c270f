import { resourceDecision, type Decision } from '../decision.js';
import type { SampleWindow } from '../samples.js';
import { percentile, windowMax } from '../signals/percentile.js';

/**
 * VPA-style recommendation for one container and one resource: a percentile of recent usage plus
 * a safety margin; after an OOM kill, memory grows to at least ×1.2 and by at least 100 MiB (the
 * VPA's OOMBumpUpRatio and OOMMinBumpUp); never below the floor, always within the service's
 * bounds; changes under 10% of the current limit are skipped (a live update is cheap with
 * `docker update`, but churn is not free and the next sample would undo noise), except a move
 * into the bounds and the growth after an OOM kill, however small.
 */
export interface VerticalSettings {
  percentile: number;
  marginFraction: number;
  oomBumpFactor: number;
  oomMinBumpBytes: number;
  minChangeFraction: number;
  floorCpuCores: number;
  floorMemoryBytes: number;
  cpu: { minCores: number; maxCores: number };
  memory: { minBytes: number; maxBytes: number };
}

export interface CpuUsageInput {
  container: string;
  /** CPU used, in cores, one sample per scrape. */
  usageCores: SampleWindow;
  limitCores: number;
}

export interface MemoryUsageInput {
  container: string;
  /** Working set (usage − inactive file), bytes. */
  workingSetBytes: SampleWindow;
  limitBytes: number;
  /** The container was OOM-killed since the last recommendation. */
  oomKilled: boolean;
}

export function recommendCpu(input: CpuUsageInput, settings: VerticalSettings): Decision {
  const usage = percentile(input.usageCores, settings.percentile);
  if (usage === undefined) {
    return resourceDecision('vertical', 'cpu', input.limitCores, input.limitCores, `${input.container}: no CPU samples, no change`);
  }
  const raw = usage * (1 + settings.marginFraction);
  const bounded = within(Math.max(raw, settings.floorCpuCores), settings.cpu.minCores, settings.cpu.maxCores);
  return finish('cpu', input.container, input.limitCores, bounded, settings, {
    [`p${Math.round(settings.percentile * 100)}Cores`]: usage,
    rawRecommendationCores: raw,
  }, `p${Math.round(settings.percentile * 100)} ${usage.toFixed(3)} cores + ${Math.round(settings.marginFraction * 100)}%`);
}

export function recommendMemory(input: MemoryUsageInput, settings: VerticalSettings): Decision {
  const usage = percentile(input.workingSetBytes, settings.percentile);
  const peak = windowMax(input.workingSetBytes);
  if (usage === undefined && !input.oomKilled) {
    return resourceDecision('vertical', 'memory', input.limitBytes, input.limitBytes, `${input.container}: no memory samples, no change`);
  }
  let raw = (usage ?? 0) * (1 + settings.marginFraction);
  let why = `p${Math.round(settings.percentile * 100)} ${mib(usage ?? 0)} + ${Math.round(settings.marginFraction * 100)}%`;
  if (input.oomKilled) {
    // At an OOM kill the container was using its whole limit (or its peak, if that was higher).
    const usedAtOom = Math.max(input.limitBytes, peak ?? 0);
    const bump = Math.max(usedAtOom * settings.oomBumpFactor, usedAtOom + settings.oomMinBumpBytes);
    if (bump > raw) {
      raw = bump;
      why = `OOM kill at ${mib(usedAtOom)}: ×${settings.oomBumpFactor} and at least +${mib(settings.oomMinBumpBytes)}`;
    }
  }
  const bounded = within(Math.max(raw, settings.floorMemoryBytes), settings.memory.minBytes, settings.memory.maxBytes);
  return finish('memory', input.container, input.limitBytes, Math.round(bounded), settings, {
    [`p${Math.round(settings.percentile * 100)}Bytes`]: usage,
    peakBytes: peak,
    rawRecommendationBytes: raw,
    oomKilled: input.oomKilled ? 1 : 0,
  }, why, input.oomKilled);
}

function finish(
  resource: 'cpu' | 'memory',
  container: string,
  current: number,
  recommended: number,
  settings: VerticalSettings,
  signals: Record<string, number | undefined>,
  why: string,
  /** The container was killed at its limit: any growth is worth it, however small. */
  killedAtLimit = false,
): Decision {
  const bounds = resource === 'cpu' ? { min: settings.cpu.minCores, max: settings.cpu.maxCores } : { min: settings.memory.minBytes, max: settings.memory.maxBytes };
  const thresholds = { min: bounds.min, max: bounds.max, minChangeFraction: settings.minChangeFraction, floor: resource === 'cpu' ? settings.floorCpuCores : settings.floorMemoryBytes };
  const change = current > 0 ? Math.abs(recommended - current) / current : Infinity;
  const show = (v: number) => (resource === 'cpu' ? `${v.toFixed(3)} cores` : mib(v));
  if (recommended === current) {
    const capped = recommended === bounds.max ? ' (at the upper bound)' : recommended === bounds.min ? ' (at the lower bound)' : '';
    return resourceDecision('vertical', resource, current, current, `${container}: ${why} → ${show(recommended)}, already the limit${capped}`, signals, thresholds);
  }
  // A limit outside the bounds (they were changed while the container ran) is brought within
  // them however small the move: the 10% rule saves churn, and must not keep a limit the
  // operator has ruled out.
  const outOfBounds = current < bounds.min || current > bounds.max;
  // After an OOM kill the last step to the cap is taken however small: the 10% rule saves churn
  // on noise, and a kill at the current limit is not noise.
  const grownAfterKill = killedAtLimit && recommended > current;
  if (change < settings.minChangeFraction && !outOfBounds && !grownAfterKill) {
    return resourceDecision('vertical', resource, current, current, `${container}: ${why} → ${show(recommended)}, a ${(change * 100).toFixed(1)}% change, under ${Math.round(settings.minChangeFraction * 100)}%: skipped`, signals, thresholds);
  }
  const was = outOfBounds ? `was ${show(current)}, outside ${show(bounds.min)}..${show(bounds.max)}` : `was ${show(current)}`;
  return resourceDecision('vertical', resource, current, recommended, `${container}: ${why} → ${show(recommended)} (${was})`, signals, thresholds);
}

function within(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
