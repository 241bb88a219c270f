import { lastSpan, type SampleWindow } from '../samples.js';
import { simpleMovingAverage } from '../signals/movingAverage.js';
import { percentile, windowMax } from '../signals/percentile.js';

/**
 * Measured latency corrects the capacity the adaptive policy plans with. The policy counts demand
 * against a capacity per replica it is told (the operator's `targets.rpsPerReplica`, or the CPU
 * limit): a figure that can be wrong, or go stale when the code changes. The p95 latency the
 * replicas report is the one signal that says so: when it stays above the objective while the
 * told capacity says the ready replicas still have room, they carry less than that. Measured
 * latency bounds the real capacity: above the objective on a steady load requests wait, so the
 * share of the told capacity carried is an upper bound; a minute within it, a lower bound. Where
 * it gives no bound (scattered slow seconds that no burst explains) the factor steps down. The
 * factor applied to the told capacity stays between the floor and 1 (latency can show the
 * operator's figure is too high, not license exceeding it), and a correction latency has not
 * confirmed for a while is relaxed step by step, and taken back at the first slow interval.
 *
 * A service slow for a reason replicas do not cure (a slow database) would also read as short of
 * capacity: a correction is therefore on trial until the replicas it added show that latency
 * answers to them (`TRIAL_LIGHTER`), the floor bounds what a correction costs meanwhile (at 0.5,
 * at most twice the replicas), and a floor of 1 turns the feedback off.
 */
export interface LatencyCorrectionSettings {
  /** The p95 latency objective (config `targets.p95LatencyMs`), in seconds. */
  targetSeconds: number;
  /** Lowest factor (config `targets.latencyCorrectionFloor`, 0.5); 1 turns the correction off. */
  floor: number;
  /** The span whose median p95 is compared, and the least time between two changes (the metric window, 15 s). */
  windowSeconds: number;
  /** The span the load must have been steady over for a downward correction (the stable window, 60 s). */
  steadySeconds: number;
  /** The span scattered slow intervals are counted over, and the least time between two such steps (the flap window, 300 s). */
  scatteredSeconds: number;
  /** Time for an added replica to serve (start-up and one evaluation): the slow intervals before are its. */
  startupSeconds: number;
}

export interface LatencyCorrectionInput {
  now: number;
  /** The service's p95 latency per collection interval, in seconds; may be empty (no histogram). */
  latencyP95: SampleWindow;
  /** Demand per interval (requests/s, or millicores), in the units of the capacity. */
  demand: SampleWindow;
  readyReplicas: number;
  /** The capacity per replica the policy is told, at 100% of the base CPU limit. */
  toldCapacityPerReplica: number;
  /**
   * The ready replicas' CPU limit over the base, per sample (the vertical bridge's raise, which
   * moves every second); empty when not bridged (1).
   */
  cpuLimitOverBase: SampleWindow;
  /** When replicas were last added: until they serve and a backlog drains, slow intervals are theirs. */
  lastScaleOutAt: number;
}

export interface LatencyCorrectionState {
  factor: number;
  /** When the factor last moved (it moves at most once per window). */
  changedAt: number;
  /** When an interval's latency last stood above the objective: the evidence a factor below 1 rests on. */
  overAt: number;
  /** When the factor was last relaxed, and how long a correction must go unconfirmed before the next relaxation. */
  relaxedAt: number;
  relaxAfterMs: number;
  /** A correction down on trial, until the replicas it added show whether latency answers to them. */
  trial?: LatencyTrial | undefined;
  /** Until then latency is known not to answer to replicas: it corrects nothing and vetoes no scale-in. */
  unresponsiveUntil: number;
  /** How long the next finding that latency does not answer to replicas holds (doubles each time, up to a day). */
  unresponsiveForMs: number;
}

/** What a correction down was made from. */
export interface LatencyTrial {
  at: number;
  factorBefore: number;
  p95BeforeSeconds: number;
  /** Demand per ready base-size replica. */
  loadPerReplicaBefore: number;
}

export const initialLatencyCorrection: LatencyCorrectionState = {
  factor: 1,
  changedAt: -Infinity,
  overAt: -Infinity,
  relaxedAt: -Infinity,
  relaxAfterMs: 30 * 60 * 1000,
  unresponsiveUntil: -Infinity,
  unresponsiveForMs: 30 * 60 * 1000,
};

/**
 * Latency that replicas do not cure (a slow database, a slow downstream API) also reads as short
 * capacity. So a correction down is on trial: once the replicas it added serve and a window has
 * passed, with the load per replica at most `TRIAL_LIGHTER` of what it was (10% lighter: a
 * correction clamped at the floor may add few replicas, and a rising load eats into them), a
 * median p95 still above the objective and within `TRIAL_UNMOVED` of what it was, either way,
 * says that latency does not answer to replicas: near the knee 10% less load per replica takes
 * far more than 10% off the queueing delay (a p95 that rose is a queue still building: capacity
 * still short). The factor goes back to what it was, and for `unresponsiveForMs` latency
 * corrects nothing and vetoes no scale-in (the replicas added for it are given back). While
 * replicas asked for during a trial are on their way the factor goes no lower; further
 * corrections before they are asked for (the bridge raised, say) belong to the same trial. A
 * trial whose replicas never come (at the maximum, or a load that rose as much) lapses after the
 * scattered span and a start-up.
 */
const TRIAL_LIGHTER = 0.9;
const TRIAL_UNMOVED = 0.9;
/**
 * A p95 above the objective on a steady load whose busiest interval asked for less than this
 * share of the lowest capacity the floor allows is not for want of capacity either (at half the
 * capacity a replica's latency is its service time), and needs no trial.
 */
const FAR_BELOW_FLOOR = 0.5;

/**
 * A factor below 1 that latency has not confirmed for `relaxAfterMs` (30 minutes at first) is
 * relaxed by one step: the service may have been fixed, or the slowness was a dependency's, and
 * the policy planning with the factor keeps the replicas too lightly loaded to show it otherwise.
 * A slow interval within that time after a relaxation takes it back and doubles the time (up to a day).
 */
const RELAX_STEP = 1.1;
const MAX_RELAX_AFTER_MS = 24 * 60 * 60 * 1000;
/** The window's mean within this share of the steady window's: a steady load. */
const STEADY_BAND = 0.2;
/**
 * Scattered slow intervals: when this share of the intervals of the scattered span is above the
 * objective although no interval of the few before it (`EXPLAINED_BY_MS`) asked for more than the
 * capacity planned with, that capacity is contradicted even though the median interval is fine
 * (per-second noise on replicas run near a knee that is lower than they were told). A slow
 * interval behind a burst past the capacity is the burst's doing, not the capacity's. There is no
 * bound to read then, so the factor steps down by `SCATTERED_STEP`, at most once per span.
 */
const SCATTERED_SHARE = 0.05;
const SCATTERED_STEP = 0.9;
const EXPLAINED_BY_MS = 5000;

export interface LatencyCorrectionResult {
  state: LatencyCorrectionState;
  /** Median of the window's per-interval p95 latencies; undefined without samples. */
  medianP95Seconds: number | undefined;
  /** What moved the factor, for the decision's reason; undefined when it did not move. */
  change: string | undefined;
}

export function latencyCorrection(input: LatencyCorrectionInput, remembered: LatencyCorrectionState, settings: LatencyCorrectionSettings): LatencyCorrectionResult {
  const floor = Math.min(1, Math.max(0, settings.floor));
  // The floor may have been raised since the factor was learnt (a label changed, or a
  // predecessor's factor resumed): it holds at once, and a floor of 1 turns a factor off.
  const state = remembered.factor < floor ? { ...remembered, factor: floor } : remembered;
  const windowMs = settings.windowSeconds * 1000;
  const span = lastSpan(input.latencyP95, windowMs, input.now);
  // The median of the window: most intervals above the objective, not one slow one.
  const medianP95Seconds = percentile(span, 0.5);
  const unchanged = { state, medianP95Seconds, change: undefined };
  if (medianP95Seconds === undefined || floor >= 1 || !(input.toldCapacityPerReplica > 0) || input.readyReplicas < 1) return unchanged;
  const over = medianP95Seconds > settings.targetSeconds;
  const allWithin = span.every((sample) => sample.value <= settings.targetSeconds);
  const noted = allWithin ? state : { ...state, overAt: input.now };
  if (input.now - state.changedAt < windowMs || input.now < state.unresponsiveUntil) return { ...unchanged, state: noted };
  const demandSpan = lastSpan(input.demand, windowMs, input.now);
  const demand = simpleMovingAverage(demandSpan);
  if (demand === undefined) return { ...unchanged, state: noted };
  // The ready replicas counted at their base size: a bridged replica carries more, and that is not
  // the base capacity's doing. The bridge moves every second, so a window's demand is set against
  // the mean raise of that same window, not the raise of this instant.
  const baseSizeReplicas = (spanMs: number) => input.readyReplicas * Math.max(1, simpleMovingAverage(lastSpan(input.cpuLimitOverBase, spanMs, input.now)) ?? 1);
  // The share of the told capacity so many base-size replicas carried at a mean demand (of the same span).
  const carriedShare = (mean: number, replicas: number) => mean / (replicas * input.toldCapacityPerReplica);
  const windowReplicas = baseSizeReplicas(windowMs);
  // A span of samples old enough to stand for the whole of `ms` (a sample may be missing at its start).
  const covers = (samples: SampleWindow, ms: number) => samples.length > 0 && input.now - samples[0]!.time >= ms * 0.9;
  const carried = carriedShare(demand, windowReplicas);
  const ms = Math.round(medianP95Seconds * 1000);
  const objective = Math.round(settings.targetSeconds * 1000);
  const scatteredMs = settings.scatteredSeconds * 1000;
  const loadPerReplica = demand / windowReplicas;
  // A trial measured from now: the factor a finding restores, and the latency and load it is judged against.
  const trialFrom = (factorBefore: number): LatencyTrial => ({ at: input.now, factorBefore, p95BeforeSeconds: medianP95Seconds, loadPerReplicaBefore: loadPerReplica });
  // At the base size: the bridge may have been raised since, for the very demand that slowed them.
  const plannedCapacity = input.readyReplicas * input.toldCapacityPerReplica * state.factor;
  // Latency found not to answer to replicas: the factor back to what it was before latency
  // lowered it, and no correction (nor veto) for a while, doubling at each finding.
  const unresponsive = (why: string, factor: number): LatencyCorrectionResult => ({
    state: { ...noted, factor, changedAt: input.now, trial: undefined, unresponsiveUntil: input.now + state.unresponsiveForMs, unresponsiveForMs: Math.min(MAX_RELAX_AFTER_MS, 2 * state.unresponsiveForMs) },
    medianP95Seconds,
    change: `${why}: latency does not answer to replicas (a slow dependency?) and corrects nothing for ${Math.round(state.unresponsiveForMs / 60_000)} min: capacity per replica × ${factor.toFixed(2)}`,
  });
  // Over the objective, requests wait: what was carried is at least the capacity (an upper bound)
  // — if the load was steady. A load that has just risen (from idle, say) had part of the window
  // at the old level, and one that has just fallen leaves a backlog behind it: both wait for
  // replicas to start or for the queue to drain, not for want of capacity per replica.
  const steadyMean = simpleMovingAverage(lastSpan(input.demand, settings.steadySeconds * 1000, input.now)) ?? demand;
  const steady = Math.abs(demand - steadyMean) <= STEADY_BAND * steadyMean;
  // Slow on a steady load although no interval of the window asked for half the lowest capacity
  // the floor allows: no correction within bounds would cure it.
  if (over && steady) {
    const busiest = carriedShare(windowMax(demandSpan) ?? demand, windowReplicas);
    if (busiest < floor * FAR_BELOW_FLOOR) {
      return unresponsive(`p95 ${ms} ms above the ${objective} ms objective with no interval asking for more than ${Math.round(busiest * 100)}% of the told capacity`, state.trial?.factorBefore ?? state.factor);
    }
  }
  let trial = state.trial;
  // Replicas asked for since the trial began and not yet serving for a window: no lower until they show.
  let awaited = false;
  if (trial !== undefined) {
    const askedSince = input.lastScaleOutAt >= trial.at;
    const served = askedSince && input.now - input.lastScaleOutAt >= settings.startupSeconds * 1000 + windowMs;
    awaited = askedSince && !served;
    if (served && loadPerReplica <= TRIAL_LIGHTER * trial.loadPerReplicaBefore) {
      // Unmoved both ways: a p95 that rose is a queue still building, capacity still short.
      const unmoved = medianP95Seconds >= TRIAL_UNMOVED * trial.p95BeforeSeconds && medianP95Seconds * TRIAL_UNMOVED <= trial.p95BeforeSeconds;
      if (over && unmoved) {
        const lighter = Math.round((1 - loadPerReplica / trial.loadPerReplicaBefore) * 100);
        return unresponsive(`p95 ${ms} ms with ${lighter}% less load per replica than at the ${Math.round(trial.p95BeforeSeconds * 1000)} ms that lowered the capacity`, trial.factorBefore);
      }
      trial = undefined; // latency answered: the correction stands
    } else if (input.now - trial.at > scatteredMs + settings.startupSeconds * 1000) {
      // Lapsed without a verdict (replicas that never came, a load that rose as much): still slow,
      // it is measured again from now, and a finding still restores the factor from before the
      // whole correction; within the objective, the correction stands.
      trial = over ? trialFrom(trial.factorBefore) : undefined;
    }
  }
  const base: LatencyCorrectionState = trial === state.trial ? noted : { ...noted, trial };
  const moved = (factor: number, why: string): LatencyCorrectionResult => ({
    state: { ...base, factor, changedAt: input.now },
    medianP95Seconds,
    change: `${why}: capacity per replica × ${factor.toFixed(2)}`,
  });
  // A relaxation that latency answers with a slow interval is taken back, and the next one waits
  // twice as long: a correction that holds is probed less and less often. Only a slow interval the
  // demand does not explain answers it: one behind a second past the capacity planned with (a
  // burst, a jump while replicas start) would have been slow at the old factor too.
  if (!allWithin && input.now - state.relaxedAt < state.relaxAfterMs && unexplainedSlowIntervals(span, lastSpan(input.demand, windowMs + EXPLAINED_BY_MS, input.now), settings.targetSeconds, plannedCapacity) > 0) {
    const slowest = Math.round((windowMax(span) ?? 0) * 1000);
    const result = moved(Math.max(floor, state.factor / RELAX_STEP), `p95 ${slowest} ms above the ${objective} ms objective ${Math.round((input.now - state.relaxedAt) / 60_000)} min after the last relaxation: taken back`);
    return { ...result, state: { ...result.state, relaxedAt: -Infinity, relaxAfterMs: Math.min(MAX_RELAX_AFTER_MS, 2 * state.relaxAfterMs) } };
  }
  if (over && steady && carried < state.factor && !awaited) {
    const result = moved(Math.max(floor, carried), `p95 ${ms} ms above the ${objective} ms objective carrying ${Math.round(carried * 100)}% of the told capacity`);
    return { ...result, state: { ...result.state, trial: trial ?? trialFrom(state.factor) } };
  }
  // Replicas added within the span, or serving only since: the slow intervals may be a backlog waiting for them.
  const settled = input.now - input.lastScaleOutAt >= scatteredMs + settings.startupSeconds * 1000;
  // This runs at every evaluation: the cheap conditions first, and the slow intervals counted
  // before the demand ahead of each is scanned (the unexplained ones are some of them).
  if (settled && input.now - state.changedAt >= scatteredMs && state.factor > floor) {
    const scatteredSpan = lastSpan(input.latencyP95, scatteredMs, input.now);
    const slow = scatteredSpan.filter((sample) => sample.value > settings.targetSeconds).length;
    if (covers(scatteredSpan, scatteredMs) && slow >= SCATTERED_SHARE * scatteredSpan.length) {
      const unexplained = unexplainedSlowIntervals(scatteredSpan, lastSpan(input.demand, scatteredMs + EXPLAINED_BY_MS, input.now), settings.targetSeconds, plannedCapacity);
      const share = unexplained / scatteredSpan.length;
      if (share >= SCATTERED_SHARE) {
        const result = moved(Math.max(floor, state.factor * SCATTERED_STEP), `${Math.round(share * 100)}% of the intervals of ${settings.scatteredSeconds} s above the ${objective} ms objective with no demand past the capacity planned with before them`);
        // On trial too, and a correction from above that follows belongs to it: a finding that
        // latency does not answer takes the factor back to before this step, not to it.
        return { ...result, state: { ...result.state, trial: trial ?? trialFrom(state.factor) } };
      }
    }
  }
  // A queue that builds past the capacity takes a while to show in latency, so the bound is read
  // over the steady window (a minute at 10% over the capacity leaves 6 s of backlog).
  const steadyCarried = carriedShare(steadyMean, baseSizeReplicas(settings.steadySeconds * 1000));
  if (steadyCarried > state.factor) {
    const steadyLatency = lastSpan(input.latencyP95, settings.steadySeconds * 1000, input.now);
    if (covers(steadyLatency, settings.steadySeconds * 1000) && steadyLatency.every((sample) => sample.value <= settings.targetSeconds)) {
      return moved(Math.min(1, steadyCarried), `every p95 of ${settings.steadySeconds} s within the ${objective} ms objective carrying ${Math.round(steadyCarried * 100)}% of the told capacity`);
    }
  }
  if (allWithin && state.factor < 1 && input.now - state.overAt >= state.relaxAfterMs && input.now - state.changedAt >= state.relaxAfterMs) {
    const result = moved(Math.min(1, state.factor * RELAX_STEP), `every p95 within the objective for ${Math.round(state.relaxAfterMs / 60_000)} min`);
    return { ...result, state: { ...result.state, relaxedAt: input.now } };
  }
  return { ...unchanged, state: base };
}

/** Intervals above the objective when no demand interval of the `EXPLAINED_BY_MS` before them (itself included) exceeded the capacity. */
function unexplainedSlowIntervals(latency: SampleWindow, demand: SampleWindow, objectiveSeconds: number, capacity: number): number {
  let count = 0;
  // Both windows are in time order: [start, end) is the demand of the few seconds up to each interval.
  let start = 0;
  let end = 0;
  for (const sample of latency) {
    while (end < demand.length && demand[end]!.time <= sample.time) end += 1;
    while (start < end && demand[start]!.time <= sample.time - EXPLAINED_BY_MS) start += 1;
    if (sample.value <= objectiveSeconds) continue;
    let peak = 0;
    for (let i = start; i < end; i += 1) peak = Math.max(peak, demand[i]!.value);
    if (peak <= capacity) count += 1;
  }
  return count;
}

/**
 * The correction a restarted scaler, or a new lease holder, resumes from: the factor its
 * predecessor last recorded (`capacity_factor` in `scaler_signal`) and when, within the floor
 * configured now. It counts as set at that record, so it is relaxed no sooner than a full
 * `relaxAfterMs` later; how long the predecessor had gone without a slow interval is not recorded,
 * and waiting is the side that costs replicas rather than the objective. A finding that latency
 * does not answer to replicas is resumed as it was (until when it holds, how long the next one
 * will), so that a restart does not run a trial again, adding replicas to find it.
 */
export function resumedLatencyCorrection(recorded: { factor: number; at: number } | undefined, floor: number, unresponsive?: { until: number; forMs: number }): LatencyCorrectionState {
  if (!(floor < 1)) return initialLatencyCorrection;
  const start = unresponsive === undefined ? initialLatencyCorrection : { ...initialLatencyCorrection, unresponsiveUntil: unresponsive.until, unresponsiveForMs: Math.min(MAX_RELAX_AFTER_MS, Math.max(initialLatencyCorrection.unresponsiveForMs, unresponsive.forMs)) };
  if (recorded === undefined || !(recorded.factor < 1)) return start;
  return { ...start, factor: Math.max(floor, recorded.factor), changedAt: recorded.at };
}
