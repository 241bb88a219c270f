import type { Point } from '../report/model.js';
import { stackedCharts, type ChartSeries, type ChartSpec } from '../report/svg.js';
import type { Comparison } from './compare.js';
import type { PolicyName } from './simulate.js';
import type { PolicyTimeline, Timeline } from './timeline.js';

/** How each policy is drawn and named on every chart that compares them (the demo's too). */
export const POLICY_COLOURS: Record<PolicyName, string> = { hpa: '#6b7280', adaptive: '#ea580c' };
export const POLICY_LABELS: Record<PolicyName, string> = { hpa: 'HPA rule', adaptive: 'adaptive policy' };

/**
 * One replay as a picture (`simulate --timeline`): the load against each policy's ready capacity,
 * their replicas, and their violation-seconds added up over time, on one time axis. Where a
 * policy's line of violations climbs, the panels above show what it held then. A standalone SVG,
 * no scripts.
 */
export function timelineChart(comparison: Comparison): string {
  const timeline = comparison.timeline;
  if (timeline === undefined) throw new RangeError(`no timeline was recorded for ${comparison.trace}`);
  const bucketMs = timeline.bucketSeconds * 1000;
  const at = (values: readonly number[]): Point[] => values.map((v, bucket) => ({ t: timeline.fromSecond * 1000 + bucket * bucketMs, v }));
  const perPolicy = (values: (policy: PolicyTimeline) => readonly number[], extra: Partial<ChartSeries>): ChartSeries[] =>
    timeline.policies.map((policy) => ({ name: POLICY_LABELS[policy.policy], color: POLICY_COLOURS[policy.policy], points: at(values(policy)), ...extra }));
  const common = { from: timeline.fromSecond * 1000, to: timeline.toSecond * 1000, decisions: [], decisionNumber: () => 0, maxGapMs: 2 * bucketMs, timeFormat: elapsedLabel, timeTicks: elapsedTicks } satisfies Partial<ChartSpec>;
  const resolution = timeline.bucketSeconds === 1 ? 'each point: one simulated second' : `each point: the mean of ${timeline.bucketSeconds} simulated seconds`;
  const specs: ChartSpec[] = [
    {
      ...common,
      title: 'Load and ready capacity, requests/s',
      format: (v) => v.toFixed(0),
      series: [
        ...(timeline.bucketSeconds > 1 ? [{ name: 'busiest second', color: '#93c5fd', points: at(timeline.loadPeakRps), width: 1 }] : []),
        { name: 'load', color: '#2563eb', points: at(timeline.loadMeanRps), width: 1.5 },
        ...perPolicy((policy) => policy.capacityRps, { width: 1.5 }),
      ],
      height: 260,
    },
    { ...common, title: 'Replicas', format: (v) => String(Number(v.toFixed(1))), series: perPolicy((policy) => policy.replicas, { step: true, width: 1.5 }), yTicks: 5 },
    { ...common, title: `SLO-violation seconds so far${timeline.fromSecond > 0 ? `, counted from simulated second ${timeline.fromSecond}` : ''}`, format: (v) => v.toFixed(0), series: perPolicy((policy) => cumulative(policy.violationSeconds), { width: 2 }) },
  ];
  return stackedCharts([`${comparison.trace}: ${summary(comparison, timeline)}`, comparison.rescaling, `drawn: simulated seconds ${timeline.fromSecond}–${timeline.toSecond}, ${resolution}`], specs);
}

function cumulative(values: readonly number[]): number[] {
  let sum = 0;
  return values.map((value) => (sum += value));
}

/** The ratios when both policies ran, or which one ran alone. */
function summary(comparison: Comparison, timeline: Timeline): string {
  const ratios = comparison.ratios;
  if (ratios === undefined) return `${POLICY_LABELS[timeline.policies[0]?.policy ?? 'hpa']} alone`;
  return `adaptive / HPA: violations ${ratio(ratios.sloViolationSeconds)}, replica-seconds ${ratio(ratios.replicaSeconds)}`;
}

/** As the table says it (`table.ts`): null is 0 against 0, Infinity some against none. */
function ratio(value: number | null): string {
  if (value === null) return 'none either';
  if (!Number.isFinite(value)) return '∞ (the HPA rule none)';
  return `${value.toFixed(2)}×`;
}

/** Round steps of elapsed time, in seconds: from a second to a week. */
const TIME_STEPS_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 432_000, 604_800];

/** Where to label a span of elapsed time: at multiples of the smallest round step that gives at most eight labels. */
export function elapsedTicks(fromMs: number, toMs: number): number[] {
  const spanSeconds = (toMs - fromMs) / 1000;
  const step = (TIME_STEPS_SECONDS.find((seconds) => spanSeconds / seconds <= 7) ?? Math.ceil(spanSeconds / 7 / 604_800) * 604_800) * 1000;
  const ticks: number[] = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) ticks.push(t);
  return ticks;
}

/** Simulated time since the replay began: seconds, minutes, hours or days, by the span shown. */
export function elapsedLabel(ms: number, spanMs: number): string {
  const seconds = ms / 1000;
  if (spanMs > 2 * 86_400_000) return `${Number((seconds / 86_400).toFixed(1))} d`;
  if (spanMs > 3 * 3_600_000) return `${Number((seconds / 3600).toFixed(1))} h`;
  if (spanMs > 5 * 60_000) return `${Number((seconds / 60).toFixed(1))} min`;
  return `${Math.round(seconds)} s`;
}
