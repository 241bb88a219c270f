import type { PolicyConfig } from '../config/policyConfig.js';
import { clairvoyantFrontier, costWithin, FRONTIER_PRICES, type CostWithin, type FrontierPoint } from './frontier.js';
import { replayTrace, type Replay, type ReplayOptions } from './replay.js';
import { capacityPerReplica, type ServiceModel } from './serviceModel.js';
import { simulatePolicy, type PolicyName, type PolicyOutcome, type TimedDecision } from './simulate.js';
import { loadTimeline, policyTimelineRecorder, timelineBucketSeconds, timelineRange, type SecondsRange, type Timeline } from './timeline.js';
import type { Trace } from './trace.js';

export interface Comparison {
  trace: string;
  rescaling: string;
  outcomes: PolicyOutcome[];
  /**
   * adaptive / hpa for each measure, when both ran. Where the HPA's figure is 0: null when the
   * adaptive policy's is 0 too (the table's `0/0`), Infinity when it is not (the table's `inf`).
   * JSON has no Infinity and writes both as null: the outcomes beside them, whose figures the
   * ratios are made of, tell the two apart.
   */
  ratios?: { sloViolationSeconds: number | null; replicaSeconds: number | null; flaps: number | null };
  /** The goal: ≤ 0.5× violations, ≤ 1.0× replica-seconds, fewer flaps (or none for both). */
  goalMet?: boolean;
  /** The clairvoyant planner's cost/violation frontier (`frontier.ts`), when asked for. */
  frontier?: FrontierSummary;
  /** The load and each policy's replicas, capacity and violations over time (`timeline.ts`), when asked for. */
  timeline?: Timeline;
}

export interface FrontierSummary {
  windowSeconds: number;
  coresPerReplica: number;
  points: FrontierPoint[];
  /**
   * With the HPA rule run: what the goal's violations (half the HPA's) cost the planner, at one of
   * its points or a mix of two (`costWithin`), and as a multiple of the HPA's cost (null: the
   * frontier does not reach that few).
   */
  atGoal?: { maxViolationSeconds: number; cost: CostWithin | null; costRatio: number | null; withinReach: boolean };
}

export interface CompareOptions {
  model: ServiceModel;
  config: PolicyConfig;
  replay: ReplayOptions;
  policies: PolicyName[];
  hpaSyncSeconds: number;
  /** The adaptive policy's vertical bridge (default on). */
  bridge?: boolean;
  /** The capacity per replica the adaptive policy is told, as a multiple of the model's (default 1). */
  capacityError?: number;
  onProgress?: (stage: PolicyName | 'frontier', fraction: number) => void;
  /** Also trace the clairvoyant frontier, with this window and replicas of this many cores. */
  frontier?: { windowSeconds: number; coresPerReplica: number };
  /** Keep every replica decision of each policy, with its reason, on its outcome. */
  decisions?: boolean;
  /** Keep the load and each policy's replicas, capacity and violations over time, on the comparison: over the whole replay, or over a range of its simulated seconds. */
  timeline?: { range?: SecondsRange };
}

export function compareOnTrace(trace: Trace, options: CompareOptions): Comparison {
  const replay = replayTrace(trace, options.replay);
  return assembleComparison(trace, options, compareTasks(options).map((task) => runCompareTask(trace, task, options, replay)));
}

/**
 * A comparison is made of independent tasks, each a replay of the whole trace: one per policy, and
 * the clairvoyant frontier when asked for. They can run apart (`comparePool.ts` runs them on
 * several threads) and be assembled after.
 */
export type CompareTask = PolicyName | 'frontier';

/** What one task found, with the rescaling its replay used. */
export type CompareTaskResult = { task: PolicyName; rescaling: string; outcome: PolicyOutcome; timeline?: Timeline } | { task: 'frontier'; rescaling: string; points: FrontierPoint[] };

/** The tasks of a comparison: the policies, in the order given, then the frontier if asked for. */
export function compareTasks(options: Pick<CompareOptions, 'policies' | 'frontier'>): CompareTask[] {
  return [...options.policies, ...(options.frontier ? (['frontier'] as const) : [])];
}

/**
 * One task on a trace. The replay (the trace rescaled to per-second arrivals) is made here unless
 * the caller has it already: tasks of one trace on one thread share it (the simulation only reads
 * it), a worker thread, handed the trace, makes its own.
 */
export function runCompareTask(trace: Trace, task: CompareTask, options: CompareOptions, replay: Replay = replayTrace(trace, options.replay)): CompareTaskResult {
  const onProgress = options.onProgress ? (fraction: number) => options.onProgress!(task, fraction) : undefined;
  if (task === 'frontier') {
    if (!options.frontier) throw new RangeError('the frontier task needs options.frontier');
    return { task, rescaling: replay.description, points: clairvoyantFrontier(replay.rates, { model: options.model, ...options.frontier, prices: FRONTIER_PRICES, onProgress }) };
  }
  const decisions: TimedDecision[] = [];
  const range = options.timeline ? timelineRange(replay.rates.length, options.timeline.range) : undefined;
  if (options.timeline && range === undefined) throw new RangeError(`the timeline's range ${options.timeline.range?.from}:${options.timeline.range?.to} lies outside the replay's ${replay.rates.length} simulated seconds`);
  const bucketSeconds = range ? timelineBucketSeconds(range.to - range.from) : 1;
  const recorder = range ? policyTimelineRecorder(task, range, bucketSeconds, (cores) => capacityPerReplica(options.model, cores)) : undefined;
  const outcome = simulatePolicy(replay.rates, task, {
    model: options.model,
    config: options.config,
    hpaSyncSeconds: options.hpaSyncSeconds,
    bridge: options.bridge,
    capacityError: options.capacityError,
    onProgress,
    onAction: options.decisions ? (second, decision) => decisions.push({ second, decision }) : undefined,
    onSecond: recorder?.onSecond,
  });
  return {
    task,
    rescaling: replay.description,
    outcome: options.decisions ? { ...outcome, decisions } : outcome,
    ...(recorder && range ? { timeline: { bucketSeconds, fromSecond: range.from, toSecond: range.to, ...loadTimeline(replay.rates, range, bucketSeconds), policies: [recorder.timeline()] } } : {}),
  };
}

/** The comparison of a trace from its tasks' results (in `compareTasks` order): ratios, goal, frontier. */
export function assembleComparison(trace: Trace, options: Pick<CompareOptions, 'frontier'>, results: readonly CompareTaskResult[]): Comparison {
  const outcomes = results.flatMap((result) => (result.task === 'frontier' ? [] : [result.outcome]));
  const hpa = outcomes.find((o) => o.policy === 'hpa');
  const adaptive = outcomes.find((o) => o.policy === 'adaptive');
  const comparison: Comparison = { trace: trace.name, rescaling: results[0]?.rescaling ?? '', outcomes };
  if (hpa && adaptive) {
    const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? null : Infinity) : a / b);
    comparison.ratios = {
      sloViolationSeconds: ratio(adaptive.sloViolationSeconds, hpa.sloViolationSeconds),
      replicaSeconds: ratio(adaptive.replicaSeconds, hpa.replicaSeconds),
      flaps: ratio(adaptive.flaps, hpa.flaps),
    };
    comparison.goalMet = goalMet(adaptive, hpa);
  }
  const timelines = results.flatMap((result) => (result.task !== 'frontier' && result.timeline ? [result.timeline] : []));
  if (timelines.length > 0) comparison.timeline = { ...(timelines[0] as Timeline), policies: timelines.flatMap((timeline) => timeline.policies) };
  const frontier = results.find((result) => result.task === 'frontier');
  if (options.frontier && frontier?.task === 'frontier') {
    const { points } = frontier;
    comparison.frontier = { ...options.frontier, points };
    if (hpa) {
      const maxViolationSeconds = Math.floor(GOAL.violationRatio * hpa.sloViolationSeconds);
      const cost = costWithin(points, maxViolationSeconds) ?? null;
      const costRatio = cost && hpa.replicaSeconds > 0 ? cost.replicaSeconds / hpa.replicaSeconds : null;
      comparison.frontier.atGoal = { maxViolationSeconds, cost, costRatio, withinReach: cost !== null && (costRatio === null || costRatio <= GOAL.costRatio) };
    }
  }
  return comparison;
}

/** The goal, as multiples of the HPA rule's figures. */
export const GOAL = { violationRatio: 0.5, costRatio: 1 } as const;

export function goalMet(adaptive: PolicyOutcome, hpa: PolicyOutcome): boolean {
  const violations = adaptive.sloViolationSeconds <= GOAL.violationRatio * hpa.sloViolationSeconds;
  const cost = adaptive.replicaSeconds <= GOAL.costRatio * hpa.replicaSeconds;
  const flaps = adaptive.flaps < hpa.flaps || (adaptive.flaps === 0 && hpa.flaps === 0);
  return violations && cost && flaps;
}
