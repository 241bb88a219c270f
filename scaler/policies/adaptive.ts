import { replicaDecision, type Decision } from '../decision.js';
import { lastSpan, type SampleWindow } from '../samples.js';
import { simpleMovingAverage } from '../signals/movingAverage.js';
import { newestSampleAgeMs } from '../signals/staleness.js';
import { quantile } from 'simple-statistics';
import { isLevelShiftRatherThanTrend } from '../signals/levelShift.js';
import { heldDemand } from '../signals/heldDemand.js';
import { isSignificantTrend, trendFit, type TrendFit } from '../signals/trend.js';
import { staffedDemand } from './squareRootStaffing.js';
import { bridgeDemand } from './bridgeDemand.js';
import { AT_REST, type BridgeSizing } from './verticalBridge.js';
import { replicaBoundReason } from './replicaBounds.js';
import { initialLatencyCorrection, latencyCorrection, type LatencyCorrectionState } from './latencyCorrection.js';

/**
 * Our horizontal policy (the README states the rules for operators). In short:
 *
 * - demand is counted in arrivals (CPU saturates at the limit and hides how far demand has gone
 *   past it), plus the backlog to drain by the time a new replica serves;
 * - replicas follow sustained demand: the larger of the stable mean, a statistically significant
 *   trend (not a shift of level) extrapolated over the start-up horizon, and the busy second (p95 of per-second demand,
 *   with square-root headroom), the level outside a tolerance band; what moves faster is carried by the vertical bridge
 *   (`verticalBridge.ts`), which the caller applies with `bridgeNow`;
 * - with a bridge, replicas are bought only for the demand that has held over the flap window, or
 *   that the bridge cannot carry even at its cap: a replica is paid for its start-up and at least a
 *   flap window (removing it sooner is a flap), bridged cores only while they are raised;
 * - panic (Knative's rule, 6 s window at 200%): no scale-in for a stable window, and replicas at
 *   once for whatever the bridge cannot carry;
 * - down, slow and stepwise: only on present evidence over the flap window (a forecast may veto a
 *   scale-in, never trigger one), after a cooldown, at most half the replicas per step;
 * - no flap: within the flap window after a scale-in, a rise the bridge can carry does not reverse it;
 * - a hole in the data (newest sample too old) means no action, in either direction;
 * - measured latency corrects the capacity per replica it is told (`latencyCorrection.ts`), and a
 *   p95 near the objective vetoes a scale-in.
 */
export interface AdaptiveSettings {
  minReplicas: number;
  maxReplicas: number;
  /** Share of a replica's base capacity to plan for (config `targets.adaptiveUtilisation`, 0.8). */
  targetUtilisation: number;
  /** Replicas for the busy second by square-root staffing: R + β√R for a load worth R replicas (β, 0.3). */
  burstHeadroom: number;
  /**
   * The vertical bridge's square-root staffing headroom for the busy second (95th percentile of
   * per-second demand over the metric window) and the newest busy second (β, 0.4). Larger than the
   * replicas' β: the bridge is sized in hundredths of a core, where whole replicas round up, half a
   * replica on average.
   */
  bridgeHeadroom: number;
  /** The window demand is averaged over before it is compared (the HPA's metric window, 15 s). */
  metricWindowSeconds: number;
  /** Time for a new replica to serve: the forecast horizon (with one evaluation period). */
  startupSeconds: number;
  evaluationSeconds: number;
  stableWindowSeconds: number;
  panicWindowSeconds: number;
  /** Panic when the panic-window demand needs this multiple of the ready replicas (Knative: 2). */
  panicThreshold: number;
  /** A scale-in also requires this much headroom (HPA's tolerance, 0.1). */
  tolerance: number;
  afterScaleOutSeconds: number;
  betweenScaleInSeconds: number;
  /** Largest share of the replicas one scale-in step removes. */
  maxScaleInFraction: number;
  /** Window over which a removed replica must not be needed back (the flap window, 300 s). */
  flapWindowSeconds: number;
  /** For queue workers: jobs waiting per replica; undefined for request-serving services. */
  queueDepthPerReplica?: number;
  /** The p95 latency objective, in seconds (config `targets.p95LatencyMs`). */
  latencyTargetSeconds: number;
  /**
   * Lowest factor measured latency may apply to the capacity per replica (config
   * `targets.latencyCorrectionFloor`, 0.5); 1 turns latency feedback off.
   */
  latencyCorrectionFloor: number;
}

export interface AdaptiveInput {
  now: number;
  /** Replicas asked for (ready or starting). */
  currentReplicas: number;
  readyReplicas: number;
  /** Arrival rate, requests per second, one sample per scrape. */
  requestRate: SampleWindow;
  /** Requests or jobs waiting, one sample per scrape; may be empty. */
  queueDepth: SampleWindow;
  /** The service's p95 latency (seconds) per scrape; empty or absent when not measured. */
  latencyP95?: SampleWindow;
  /** Requests per second one replica serves at 100% of its base CPU limit. */
  capacityPerReplicaRps: number;
  /**
   * How many times its base capacity a ready replica can be given at once by raising its CPU
   * limit (the vertical bridge): cap / base. 1 (the default) when limits cannot be changed live.
   */
  bridgeFactor?: number;
  /**
   * The ready replicas' CPU limit over the base, per sample (the bridge's raise, which moves every
   * second); absent or empty when not bridged.
   */
  cpuLimitOverBase?: SampleWindow;
}

export interface AdaptiveState {
  lastScaleOutAt: number;
  lastScaleInAt: number;
  panicUntil: number;
  /** The factor measured latency applies to the capacity per replica (absent: 1). */
  latency?: LatencyCorrectionState;
}

export const initialAdaptiveState: AdaptiveState = { lastScaleOutAt: -Infinity, lastScaleInAt: -Infinity, panicUntil: -Infinity, latency: initialLatencyCorrection };

export interface AdaptiveResult {
  decision: Decision;
  state: AdaptiveState;
  /** What the vertical bridge sizes for now (`bridgeDemand.ts`); at rest when the window was not usable. */
  bridgeNow: BridgeSizing;
  /** The capacity per replica planned with: the one told, times the latency correction. */
  capacityPerReplicaRps: number;
}

/**
 * The capacity per replica the last evaluation planned with: the told one at the latency
 * correction's factor. Between evaluations the bridge is sized at it (the factor is the
 * evaluation's to change).
 */
export function plannedCapacityPerReplica(toldCapacityPerReplicaRps: number, state: AdaptiveState): number {
  return toldCapacityPerReplicaRps * (state.latency?.factor ?? 1);
}

export function adaptiveDecide(input: AdaptiveInput, state: AdaptiveState, settings: AdaptiveSettings): AdaptiveResult {
  const correction = latencyCorrection(
    {
      now: input.now,
      latencyP95: input.latencyP95 ?? [],
      demand: input.requestRate,
      readyReplicas: input.readyReplicas,
      toldCapacityPerReplica: input.capacityPerReplicaRps,
      cpuLimitOverBase: input.cpuLimitOverBase ?? [],
      lastScaleOutAt: state.lastScaleOutAt,
    },
    state.latency ?? initialLatencyCorrection,
    {
      targetSeconds: settings.latencyTargetSeconds,
      floor: settings.latencyCorrectionFloor,
      windowSeconds: settings.metricWindowSeconds,
      steadySeconds: settings.stableWindowSeconds,
      scatteredSeconds: settings.flapWindowSeconds,
      startupSeconds: settings.startupSeconds + settings.evaluationSeconds,
    },
  );
  const capacityPerReplicaRps = input.capacityPerReplicaRps * correction.state.factor;
  // Latency found not to answer to replicas (a slow dependency) says nothing about their room either.
  const latencyView: LatencyView = { medianP95Seconds: settings.latencyCorrectionFloor < 1 && input.now >= correction.state.unresponsiveUntil ? correction.medianP95Seconds : undefined, factor: correction.state.factor };
  // The demand the bridge sizes for now: also what a held demand may buy replicas for at most.
  const queue = input.queueDepth.at(-1)?.value ?? 0;
  const bridgeNow = bridgeDemand(input.requestRate, queue, input.now, capacityPerReplicaRps, settings);
  const demandNow = bridgeNow.demandRps;
  const decided = decideReplicas({ ...input, capacityPerReplicaRps }, { ...state, latency: correction.state }, settings, latencyView, demandNow);
  const result = correction.change === undefined ? decided : { ...decided, decision: { ...decided.decision, reason: `${decided.decision.reason} (latency: ${correction.change})` } };
  // The bridge is sized only on a window the replica rule could read (fresh, a known capacity);
  // otherwise it returns to the base.
  const usable = result.decision.signals.metricMean !== undefined;
  const sizing: BridgeSizing = usable ? { demandRps: bridgeNow.demandRps, typicalSecondRps: bridgeNow.typicalSecondRps } : AT_REST;
  return { ...result, bridgeNow: sizing, capacityPerReplicaRps };
}

/** The replica rule's part of the result: its decision and the state it leaves. */
type ReplicaChoice = Pick<AdaptiveResult, 'decision' | 'state'>;

/** What measured latency tells the replica rule: the window's median p95 (undefined: no feedback) and the capacity factor. */
interface LatencyView {
  medianP95Seconds: number | undefined;
  factor: number;
}

function decideReplicas(input: AdaptiveInput, state: AdaptiveState, settings: AdaptiveSettings, latency: LatencyView, demandNow: number): ReplicaChoice {
  const { now, currentReplicas: current } = input;
  const perReplica = input.capacityPerReplicaRps * settings.targetUtilisation;
  const thresholds = {
    targetRpsPerReplica: perReplica,
    targetUtilisation: settings.targetUtilisation,
    tolerance: settings.tolerance,
    minReplicas: settings.minReplicas,
    maxReplicas: settings.maxReplicas,
    panicThreshold: settings.panicThreshold,
  };
  const hold = (reason: string, signals: Record<string, number | undefined> = {}, nextState: AdaptiveState = state): ReplicaChoice => ({
    decision: replicaDecision('adaptive', current, current, reason, signals, thresholds),
    state: nextState,
  });

  // The bounds come before any signal, as in the HPA: a service below its minimum (or above its
  // maximum) is brought inside whatever the load, even with no data.
  if (current < settings.minReplicas || current > settings.maxReplicas) {
    const to = Math.min(settings.maxReplicas, Math.max(settings.minReplicas, current));
    return {
      decision: replicaDecision('adaptive', current, to, replicaBoundReason(current < to ? 'minimum' : 'maximum', to), {}, thresholds),
      state: current < to ? { ...state, lastScaleOutAt: now } : { ...state, lastScaleInAt: now },
    };
  }

  const maxAgeMs = Math.max(3 * settings.evaluationSeconds, 10) * 1000;
  const age = newestSampleAgeMs(input.requestRate, now);
  if (age > maxAgeMs) return hold(`no action: newest request-rate sample is ${Number.isFinite(age) ? `${Math.round(age / 1000)} s` : 'missing'} old`, { newestAgeMs: age });
  if (!(perReplica > 0)) return hold('no action: capacity per replica unknown');

  const stableWindow = lastSpan(input.requestRate, settings.stableWindowSeconds * 1000, now);
  const stableMean = simpleMovingAverage(stableWindow) ?? 0;
  const metricMean = simpleMovingAverage(lastSpan(input.requestRate, settings.metricWindowSeconds * 1000, now)) ?? stableMean;
  const panicSpan = lastSpan(input.requestRate, settings.panicWindowSeconds * 1000, now);
  const panicMean = simpleMovingAverage(panicSpan) ?? metricMean;
  const horizonSeconds = settings.startupSeconds + settings.evaluationSeconds;
  // The trend is fitted over three forecast horizons, so that one step of the load inside the
  // window does not read as a slope; when that span holds too few independent observations (a
  // source sampled once a minute), over the flap window. Only a slope that stands out of the noise
  // at the 95% level (autocorrelation-corrected t test) is extrapolated.
  const flapSpan = lastSpan(input.requestRate, settings.flapWindowSeconds * 1000, now);
  let longFit: TrendFit | undefined | null = null;
  const longLineOnce = () => (longFit === null ? (longFit = trendFit(flapSpan)) : longFit);
  let lineSpan = lastSpan(input.requestRate, Math.max(settings.stableWindowSeconds, 3 * horizonSeconds) * 1000, now);
  let line = trendFit(lineSpan);
  if (line !== undefined && line.effectiveSampleSize < 8) {
    lineSpan = flapSpan;
    line = longLineOnce();
  }
  const slope = line?.slopePerSecond ?? 0;
  const significant = isSignificantTrend(line);
  // A burst that began inside the span fits a steep line too; it is a new level, not a slope to
  // extrapolate (the busy second sizes for it).
  const rising = significant && slope > 0 && !isLevelShiftRatherThanTrend(lineSpan, line);
  // The load when a replica asked for now starts serving.
  const forecast = rising ? Math.max(0, line!.fittedNow + slope * horizonSeconds) : metricMean;
  const queue = input.queueDepth.at(-1)?.value ?? 0;
  // A backlog must drain by the time new replicas serve, on top of the arrivals.
  const drainRate = queue / Math.max(horizonSeconds, 1);
  const signals: Record<string, number | undefined> = { metricMean, stableMean, panicMean, slopePerSecond: slope, forecast, queueDepth: queue, readyReplicas: input.readyReplicas, latencyP95Seconds: latency.medianP95Seconds, capacityFactor: latency.factor };

  const clamp = (n: number) => Math.min(settings.maxReplicas, Math.max(settings.minReplicas, n));
  const replicasFor = (rps: number) => Math.ceil(rps / perReplica - 1e-9);
  const forQueue = settings.queueDepthPerReplica ? Math.ceil(queue / settings.queueDepthPerReplica) : 0;
  // Per-second jitter that averages out over a minute still queues requests second by second: the
  // busy second (95th percentile of the stable window) must fit with headroom below the latency
  // knee, which comes earlier the fewer the replicas: square-root staffing sizes it.
  const busySecond = quantileOf(stableWindow, 0.95);
  // Expressed as the demand that needs as many replicas at the target, to compare with the means.
  const busyAsDemand = (rps: number) => staffedDemand(rps, input.capacityPerReplicaRps, settings.targetUtilisation, settings.burstHeadroom);
  const busyAsMean = busyAsDemand(busySecond);
  signals.busySecond = busySecond;
  // Replicas follow sustained demand (the stable mean, a significant trend, the busy second); what
  // moves faster is carried by the vertical bridge, which acts within a second (`bridgeDemand.ts`).
  //
  // With a bridge, a replica is bought only for demand that will keep it busy (ski rental: buy once
  // renting has cost as much as buying). A replica costs its start-up, serving nothing, and then at
  // least a flap window, as removing it sooner is a flap; the bridge's cores cost as much per
  // request but only while they are raised. So replicas are bought for the demand that has held
  // over the flap window (the lowest minute of it), and for whatever the bridge could not carry
  // even at its cap: what the bridge carries at its cap is rented until it has lasted. Without a
  // bridge (a factor of 1) that is all of the demand now, as before. A held demand buys replicas
  // only as far as it is still here (what the bridge sizes for now): a spell of load that held
  // every minute of the window but has just ended would leave them to serve nothing for a flap
  // window.
  const bridgeFactor = Math.max(1, input.bridgeFactor ?? 1);
  const held = heldDemand(flapSpan, now, settings.stableWindowSeconds * 1000, settings.flapWindowSeconds * 1000) ?? { level: stableMean, busySecond, blocks: 1 };
  signals.heldLevel = held.level;
  signals.heldBusySecond = held.busySecond;
  const levelNow = Math.max(stableMean, forecast) + drainRate;
  const busyNow = busyAsMean + drainRate;
  const stillHere = (heldNeed: number) => (bridgeFactor > 1 ? Math.min(heldNeed, demandNow) : heldNeed);
  const heldBusyAsDemand = busyAsDemand(held.busySecond);
  const levelNeed = Math.max(stillHere(held.level + drainRate), levelNow / bridgeFactor);
  const busyNeed = Math.max(stillHere(heldBusyAsDemand + drainRate), busyNow / bridgeFactor);
  const sustained = Math.max(levelNeed, busyNeed);
  const immediate = Math.max(panicMean, metricMean) + drainRate;
  signals.sustainedDemand = sustained;
  signals.demandNow = demandNow;
  signals.immediateDemand = immediate;
  const ready = Math.max(1, input.readyReplicas);
  const bridgeCarries = ready * perReplica * bridgeFactor;
  // As in the HPA rule a change of the level within the tolerance is noise; unlike it, demand is
  // counted in arrivals (CPU saturates at the limit), so one step reaches the right size even past
  // saturation. The busy second gets no tolerance band: its headroom is already the margin under
  // the latency knee, and 10% on top of it let the 95th-percentile second run at 99% of capacity
  // (a few replicas with per-second noise then miss their objective).
  const upNeeded = levelNeed > current * perReplica * (1 + settings.tolerance) || busyNeed > current * perReplica || forQueue > current;
  let desiredUp = upNeeded ? clamp(Math.max(replicasFor(sustained), forQueue)) : current;
  // The term that set the size, for the reason.
  const sizedBy = (): string => {
    const now = busyAsMean > Math.max(forecast, stableMean) ? `busy second ${busySecond.toFixed(1)} rps` : forecast > stableMean ? `forecast ${forecast.toFixed(1)} rps in ${horizonSeconds} s` : `${stableMean.toFixed(1)} rps over ${settings.stableWindowSeconds} s`;
    if (bridgeFactor === 1) return now;
    if (Math.max(levelNow, busyNow) / bridgeFactor >= sustained) return `${now}, beyond what the bridge carries at ${bridgeFactor.toFixed(1)}×`;
    const heldFor = `held over ${settings.flapWindowSeconds} s`;
    const heldTerm = heldBusyAsDemand > held.level ? `busy second ${held.busySecond.toFixed(1)} rps ${heldFor}` : `${held.level.toFixed(1)} rps ${heldFor}`;
    return Math.max(heldBusyAsDemand, held.level) + drainRate > demandNow ? `${heldTerm}, as far as the ${demandNow.toFixed(1)} rps here now` : heldTerm;
  };

  // Panic (Knative's rule: the 6 s demand at ≥ 200% of what the ready replicas carry): no scale-in
  // for a stable window, and replicas at once for whatever the bridge cannot carry.
  let panicUntil = state.panicUntil;
  if (panicMean + drainRate >= settings.panicThreshold * ready * perReplica) panicUntil = now + settings.stableWindowSeconds * 1000;
  const panicking = now < panicUntil;
  const beyondBridge = immediate > bridgeCarries;
  // Only the share the bridge cannot carry becomes replicas now; if the demand lasts, the stable
  // mean brings the rest, and a spike that passes leaves fewer replicas to pay for.
  if (beyondBridge) desiredUp = Math.max(desiredUp, clamp(Math.ceil(immediate / (perReplica * Math.max(1, input.bridgeFactor ?? 1)) - 1e-9)));

  if (desiredUp > current) {
    const sinceScaleIn = now - state.lastScaleInAt;
    if (!beyondBridge && sinceScaleIn < settings.flapWindowSeconds * 1000) {
      return hold(`bridging: ${sustained.toFixed(1)} rps would reverse the scale-in of ${Math.round(sinceScaleIn / 1000)} s ago; the CPU bridge carries it`, signals, { ...state, panicUntil });
    }
    const parts = beyondBridge
      ? [`${immediate.toFixed(1)} rps now is beyond what ${ready} ready replicas carry even bridged`]
      : [sizedBy()];
    if (drainRate > 0) parts.push(`backlog ${Math.round(queue)} to drain`);
    return {
      decision: replicaDecision('adaptive', current, desiredUp, `${panicking ? 'panic: ' : ''}${parts.join(' + ')} needs ${desiredUp} replicas at ${perReplica.toFixed(1)} rps each`, signals, thresholds),
      state: { ...state, panicUntil, lastScaleOutAt: now },
    };
  }
  if (panicking) return hold('panic mode: no scale-in until the spike has passed', signals, { ...state, panicUntil });

  // Scale-in, on present evidence only (a forecast may veto it, never trigger it). The evidence is
  // the busiest metric window of the flap window (as the HPA keeps its highest recommendation of
  // 300 s), except while the load is falling significantly, when the stable window suffices: a
  // falling load does not come back within the window, a jittering one does.
  const next = { ...state, panicUntil };
  if (now - state.lastScaleOutAt < settings.afterScaleOutSeconds * 1000) return hold('no scale-in: cooling down after a scale-out', signals, next);
  if (now - state.lastScaleInAt < settings.betweenScaleInSeconds * 1000) return hold('no scale-in: pausing between steps', signals, next);
  // Latency near the objective is the replicas' own word that they have no room to give up,
  // whatever the capacity they are counted at says.
  if (latency.medianP95Seconds !== undefined && latency.medianP95Seconds >= (1 - settings.tolerance) * settings.latencyTargetSeconds) {
    return hold(`no scale-in: p95 ${Math.round(latency.medianP95Seconds * 1000)} ms is within ${Math.round(settings.tolerance * 100)}% of the ${Math.round(settings.latencyTargetSeconds * 1000)} ms objective`, signals, next);
  }
  // Scale-in is weighed at the pace of its steps, not at every evaluation: it is never urgent.
  if (Math.floor(now / 1000) % Math.max(1, Math.round(settings.betweenScaleInSeconds)) >= settings.evaluationSeconds) return hold('steady: scale-in is weighed every ' + settings.betweenScaleInSeconds + ' s', signals, next);
  // A load whose trend over the whole flap window is downward beyond doubt (one-sided 99.9%: a
  // scale-in that is wrong costs the SLO, so it needs stronger evidence than a forecast) will not
  // come back within that window: the present level (the
  // busiest metric window of the last stable window) is the evidence. Otherwise it is the busiest
  // metric window of the whole flap window, as the HPA keeps its highest recommendation of 300 s.
  const oldest = flapSpan[0]?.time ?? now;
  if (now - oldest < (settings.flapWindowSeconds - settings.evaluationSeconds) * 1000) {
    return hold(`no scale-in: ${Math.round((now - oldest) / 1000)} s of history, ${settings.flapWindowSeconds} s needed before removing a replica`, signals, next);
  }
  const longLine = longLineOnce();
  // ...and material: over the window it removes more than the tolerance of the level.
  const falling =
    longLine !== undefined &&
    longLine.slopePerSecond < 0 &&
    isSignificantTrend(longLine, 0.999, 'one') &&
    -longLine.slopePerSecond * settings.flapWindowSeconds > settings.tolerance * Math.max(stableMean, 1e-9) &&
    // ...and a decline, not a burst that ended: bursts come back, so then the whole window counts.
    !isLevelShiftRatherThanTrend(flapSpan, longLine);
  const evidenceWindow = falling ? settings.stableWindowSeconds : settings.flapWindowSeconds;
  const evidence = falling ? lastSpan(flapSpan, settings.stableWindowSeconds * 1000, now) : flapSpan;
  const recentPeak = peakOfBlockMeans(evidence, now, settings.metricWindowSeconds * 1000);
  signals.recentPeak = recentPeak;
  const recentBusySecond = quantileOf(evidence, 0.95);
  signals.recentBusySecond = recentBusySecond;
  // The busy seconds are weighed as the scale-out rule weighs them, so that the next evaluation
  // does not undo the step: the busy second that held in every minute must fit the replicas left at
  // their base, and the evidence's busy second must fit them bridged (the bridge answers within a
  // second). Without a bridge (a factor of 1) the latter is the whole rule, as before.
  const recentBusyBridged = busyAsDemand(recentBusySecond) / bridgeFactor;
  const inDemand = Math.max(recentPeak, metricMean, heldBusyAsDemand, recentBusyBridged) + drainRate;
  const fits = inDemand < current * perReplica * (1 - settings.tolerance);
  const desiredIn = fits ? clamp(Math.max(replicasFor(inDemand), forQueue)) : current;
  if (desiredIn >= current) {
    // The term that keeps the replicas, for the reason.
    const keptBy =
      heldBusyAsDemand > Math.max(recentPeak, metricMean, recentBusyBridged)
        ? `busy second ${held.busySecond.toFixed(1)} rps held over ${settings.flapWindowSeconds} s`
        : recentBusyBridged > Math.max(recentPeak, metricMean)
          ? `busy second ${recentBusySecond.toFixed(1)} rps over ${evidenceWindow} s${bridgeFactor > 1 ? ` bridged at ${bridgeFactor.toFixed(1)}×` : ''}`
          : `peak ${recentPeak.toFixed(1)} rps over ${evidenceWindow} s`;
    return hold(`steady: ${keptBy} fits ${current} replicas`, signals, next);
  }
  const step = Math.max(1, Math.floor(current * settings.maxScaleInFraction));
  const to = Math.max(desiredIn, current - step);
  // The forecast's veto: a load rising significantly over the flap window would need the replica
  // back within it (a trough is no time to scale in).
  if (longLine !== undefined && longLine.slopePerSecond > 0 && isSignificantTrend(longLine)) {
    const expected = longLine.fittedNow + longLine.slopePerSecond * settings.flapWindowSeconds;
    if (expected > to * perReplica) {
      return hold(`no scale-in: the load is rising; ${expected.toFixed(1)} rps expected within ${settings.flapWindowSeconds} s needs more than ${to} replicas`, { ...signals, longForecast: expected }, next);
    }
  }
  return {
    decision: replicaDecision('adaptive', current, to, `peak ${recentPeak.toFixed(1)} rps over ${evidenceWindow} s${falling ? ' (load falling)' : ''} needs ${desiredIn} replicas; stepping down to ${to}`, signals, thresholds),
    state: { ...next, lastScaleInAt: now },
  };
}

/** The q-quantile of the window's values (simple-statistics' quickselect-based `quantile`). */
function quantileOf(window: SampleWindow, q: number): number {
  if (window.length === 0) return 0;
  const values = new Array<number>(window.length);
  for (let i = 0; i < window.length; i += 1) values[i] = window[i]!.value;
  return quantile(values, q);
}

/** Largest mean over consecutive blocks of `blockMs` ending at `now`: the busiest stretch the window saw. */
function peakOfBlockMeans(window: SampleWindow, now: number, blockMs: number): number {
  let peak = 0;
  let sum = 0;
  let count = 0;
  let blockEnd = now;
  for (let i = window.length - 1; i >= 0; i -= 1) {
    const sample = window[i]!;
    while (sample.time <= blockEnd - blockMs) {
      if (count > 0) peak = Math.max(peak, sum / count);
      sum = 0;
      count = 0;
      blockEnd -= blockMs;
    }
    sum += sample.value;
    count += 1;
  }
  if (count > 0) peak = Math.max(peak, sum / count);
  return peak;
}
