import { replicaDecision, type Decision } from '../decision.js';
import { lastSpan, type SampleWindow } from '../samples.js';
import { simpleMovingAverage } from '../signals/movingAverage.js';
import { newestSampleAgeMs } from '../signals/staleness.js';
import { trendFit } from '../signals/trend.js';

/**
 * Our horizontal policy. It sizes the service for the demand it sees (request arrivals, not CPU,
 * which saturates at the limit and hides how far demand has gone past it) and for the demand it
 * expects when a replica asked for now would be serving:
 *
 * - up, fast: replicas = ceil(max(stable mean, forecast at start-up horizon) + backlog / drain time)
 *   / (capacity per replica × target utilisation)); no rate limit but maxReplicas;
 * - panic (Knative's rule): when the 6 s mean alone asks for ≥ 2× the ready replicas, size on it
 *   at once and do not scale in for one stable window;
 * - down, slow and stepwise: only on present evidence (the stable mean; a forecast can raise the
 *   bar but never lower it), with a tolerance band, a cooldown after any scale-out, a pause
 *   between steps, steps of at most a quarter of the replicas, and no step while the trend over
 *   the flap window says the replica would be needed again within that window;
 * - a hole in the data (newest sample too old) means no action, in either direction.
 */
export interface AdaptiveSettings {
  minReplicas: number;
  maxReplicas: number;
  /** Share of a replica's capacity to plan for (the same target the HPA rule is given). */
  targetUtilisation: number;
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
  /** Requests per second one replica serves at 100% of its CPU limit. */
  capacityPerReplicaRps: number;
}

/** The short window the up decision reads: long enough to average single-second bursts away. */
const SHORT_WINDOW_S = 15;

/** Largest mean over consecutive blocks of `blockMs` ending at `now`: the peak demand the window saw. */
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

export interface AdaptiveState {
  lastScaleOutAt: number;
  lastScaleInAt: number;
  panicUntil: number;
}

export const initialAdaptiveState: AdaptiveState = { lastScaleOutAt: -Infinity, lastScaleInAt: -Infinity, panicUntil: -Infinity };

export interface AdaptiveResult {
  decision: Decision;
  state: AdaptiveState;
}

export function adaptiveDecide(input: AdaptiveInput, state: AdaptiveState, settings: AdaptiveSettings): AdaptiveResult {
  const { now, currentReplicas: current } = input;
  const perReplica = input.capacityPerReplicaRps * settings.targetUtilisation;
  const thresholds = {
    targetRpsPerReplica: perReplica,
    targetUtilisation: settings.targetUtilisation,
    minReplicas: settings.minReplicas,
    maxReplicas: settings.maxReplicas,
    panicThreshold: settings.panicThreshold,
  };
  const hold = (reason: string, signals: Record<string, number | undefined> = {}): AdaptiveResult => ({
    decision: replicaDecision('adaptive', current, current, reason, signals, thresholds),
    state,
  });

  const maxAgeMs = Math.max(3 * settings.evaluationSeconds, 10) * 1000;
  const age = newestSampleAgeMs(input.requestRate, now);
  if (age > maxAgeMs) return hold(`no action: newest request-rate sample is ${Number.isFinite(age) ? `${Math.round(age / 1000)} s` : 'missing'} old`, { newestAgeMs: age });
  if (!(perReplica > 0)) return hold('no action: capacity per replica unknown');

  const stable = lastSpan(input.requestRate, settings.stableWindowSeconds * 1000, now);
  const stableMean = simpleMovingAverage(stable) ?? 0;
  const panicMean = simpleMovingAverage(lastSpan(input.requestRate, settings.panicWindowSeconds * 1000, now)) ?? stableMean;
  // The trend is fitted over at least three forecast horizons, so that a single step of the load
  // inside the window does not read as a slope to extrapolate.
  const trendWindow = lastSpan(input.requestRate, Math.max(settings.stableWindowSeconds, 3 * (settings.startupSeconds + settings.evaluationSeconds)) * 1000, now);
  const line = trendFit(trendWindow);
  const horizonSeconds = settings.startupSeconds + settings.evaluationSeconds;
  const slope = line?.slopePerSecond ?? 0;
  // The fitted line at now + horizon: the load when a replica asked for now starts serving. Only a
  // trend that stands out of the noise (|t| ≥ 2 for the slope) is extrapolated; otherwise the
  // forecast is the level, so jitter cannot masquerade as growth.
  const significant = line !== undefined && line.slopePerSecond !== 0 && Math.abs(line.slopePerSecond) >= 2 * line.slopeStandardError;
  const forecast = significant ? Math.max(0, line.fittedNow + slope * horizonSeconds) : stableMean;
  const queue = input.queueDepth.at(-1)?.value ?? 0;
  // A backlog must drain by the time new replicas serve, on top of the arrivals.
  const drainRate = queue / Math.max(horizonSeconds, 1);
  const signals = { stableMean, panicMean, slopePerSecond: slope, forecast, queueDepth: queue, readyReplicas: input.readyReplicas };

  const clamp = (n: number) => Math.min(settings.maxReplicas, Math.max(settings.minReplicas, n));
  const forQueue = settings.queueDepthPerReplica ? Math.ceil(queue / settings.queueDepthPerReplica) : 0;
  const shortMean = simpleMovingAverage(lastSpan(input.requestRate, SHORT_WINDOW_S * 1000, now)) ?? stableMean;
  const upDemand = Math.max(shortMean, forecast) + drainRate;
  // Like the HPA rule, a small excess (within the tolerance) is not worth a replica; unlike it,
  // demand is measured in arrivals, so one step reaches the right size even past saturation.
  const upNeeded = upDemand > current * perReplica * (1 + settings.tolerance) || forQueue > current;
  const desiredUp = upNeeded ? clamp(Math.max(Math.ceil(upDemand / perReplica - 1e-9), forQueue)) : current;
  const desiredPanic = clamp(Math.ceil((panicMean + drainRate) / perReplica - 1e-9));

  let panicUntil = state.panicUntil;
  const ready = Math.max(1, input.readyReplicas);
  // Knative's test: unrounded panic-window demand over the ready replicas' share, ≥ 200%.
  if (panicMean + drainRate >= settings.panicThreshold * ready * perReplica && desiredPanic > current) {
    panicUntil = now + settings.stableWindowSeconds * 1000;
  }
  const panicking = now < panicUntil;

  if (panicking) {
    const target = Math.max(current, desiredPanic, desiredUp);
    if (target > current) {
      return {
        decision: replicaDecision('adaptive', current, target, `panic: ${panicMean.toFixed(1)} rps over ${settings.panicWindowSeconds} s needs ${desiredPanic} replicas at ${perReplica.toFixed(1)} rps each (≥ ${settings.panicThreshold}× ${ready} ready)`, signals, thresholds),
        state: { ...state, panicUntil, lastScaleOutAt: now },
      };
    }
    return { decision: replicaDecision('adaptive', current, current, 'panic mode: holding, no scale-in until the spike has passed', signals, thresholds), state: { ...state, panicUntil } };
  }

  if (desiredUp > current) {
    const driver = forecast > stableMean ? `forecast ${forecast.toFixed(1)} rps in ${horizonSeconds} s` : `mean ${stableMean.toFixed(1)} rps over ${settings.stableWindowSeconds} s`;
    const backlog = queue > 0 ? ` + backlog ${Math.round(queue)} to drain` : '';
    return {
      decision: replicaDecision('adaptive', current, desiredUp, `${driver}${backlog} needs ${desiredUp} replicas at ${perReplica.toFixed(1)} rps each`, signals, thresholds),
      state: { ...state, panicUntil, lastScaleOutAt: now },
    };
  }

  // Scale-in: present evidence only (the forecast may only veto), with hysteresis and pacing.
  if (now - state.lastScaleOutAt < settings.afterScaleOutSeconds * 1000) return { ...hold('no scale-in: cooling down after a scale-out', signals), state: { ...state, panicUntil } };
  if (now - state.lastScaleInAt < settings.betweenScaleInSeconds * 1000) return { ...hold('no scale-in: pausing between steps', signals), state: { ...state, panicUntil } };
  const recentPeak = peakOfBlockMeans(lastSpan(input.requestRate, settings.flapWindowSeconds * 1000, now), now, SHORT_WINDOW_S * 1000);
  const inDemand = Math.max(stableMean, forecast, recentPeak) + drainRate;
  const fits = inDemand < (current - 1) * perReplica * (1 - settings.tolerance) || inDemand < current * perReplica * (1 - settings.tolerance);
  const desiredIn = fits ? clamp(Math.max(Math.ceil(inDemand / perReplica - 1e-9), forQueue)) : current;
  if (desiredIn >= current) return { ...hold(`steady: ${stableMean.toFixed(1)} rps fits ${current} replicas`, signals), state: { ...state, panicUntil } };

  const step = Math.max(1, Math.floor(current * settings.maxScaleInFraction));
  const next = Math.max(desiredIn, current - step);
  const longWindow = lastSpan(input.requestRate, settings.flapWindowSeconds * 1000, now);
  const longLine = trendFit(longWindow);
  if (longLine !== undefined && longLine.slopePerSecond > 0) {
    const expected = longLine.fittedNow + longLine.slopePerSecond * settings.flapWindowSeconds;
    if (expected > next * perReplica) {
      return { ...hold(`no scale-in: the ${settings.flapWindowSeconds} s trend expects ${expected.toFixed(1)} rps, more than ${next} replicas carry`, { ...signals, longForecast: expected }), state: { ...state, panicUntil } };
    }
  }
  return {
    decision: replicaDecision('adaptive', current, next, `mean ${stableMean.toFixed(1)} rps over ${settings.stableWindowSeconds} s needs ${desiredIn} replicas; stepping down to ${next}`, signals, thresholds),
    state: { ...state, panicUntil, lastScaleInAt: now },
  };
}
