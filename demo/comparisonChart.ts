import type { Point } from '../scaler/report/model.js';
import { stackedCharts, type ChartSeries, type ChartSpec } from '../scaler/report/svg.js';
import { elapsedLabel, elapsedTicks, POLICY_COLOURS, POLICY_LABELS } from '../scaler/simulator/timelineChart.js';
import { servingCores, type SecondSample } from './demoOutcome.js';
import type { DemoPolicy } from './demoLabels.js';
import { comparisonVerdict, violationDefinition, type PolicyComparison } from './policyComparison.js';

export interface ComparedRun {
  policy: DemoPolicy;
  samples: readonly SecondSample[];
}

/**
 * `demo --policy both` as a picture: both live runs on one axis of seconds since their load began
 * (the same load shape), so where one policy's latency climbs the panels below show what each
 * had serving then. A standalone SVG, no scripts.
 */
export function comparisonChart(comparison: PolicyComparison, runs: readonly ComparedRun[]): string {
  const seconds = Math.max(1, ...runs.map((run) => run.samples.length));
  const at = (samples: readonly SecondSample[], value: (s: SecondSample) => number | null): Point[] =>
    samples.flatMap((s) => {
      const v = value(s);
      return v === null ? [] : [{ t: s.second * 1000, v }];
    });
  const perRun = (value: (s: SecondSample) => number | null, extra: Partial<ChartSeries> = {}): ChartSeries[] =>
    runs.map((run) => ({ name: POLICY_LABELS[run.policy], color: POLICY_COLOURS[run.policy], points: at(run.samples, value), width: 1.8, ...extra }));
  const load = runs[0]?.samples ?? [];
  const common = { from: 0, to: seconds * 1000, decisions: [], decisionNumber: () => 0, maxGapMs: 2500, timeFormat: elapsedLabel, timeTicks: elapsedTicks } satisfies Partial<ChartSpec>;
  const objective = comparison.objectiveP95Ms;
  const specs: ChartSpec[] = [
    {
      ...common,
      title: 'Requests/s asked for and answered',
      format: (v) => v.toFixed(0),
      series: [{ name: 'asked for', color: '#2563eb', points: at(load, (s) => s.targetRps), width: 1.2, dash: '5 3' }, ...perRun((s) => s.ok)],
    },
    {
      ...common,
      title: `p95 latency, ms (clipped at ${4 * objective})`,
      format: (v) => v.toFixed(0),
      yMaxCap: 4 * objective,
      series: [{ name: 'objective', color: '#dc2626', points: at(load, () => objective), width: 1, dash: '4 4' }, ...perRun((s) => s.p95Ms)],
    },
    { ...common, title: 'CPU serving: ready replicas × their limit, cores', format: (v) => v.toFixed(2), series: perRun(servingCores, { step: true }) },
    { ...common, title: 'Replicas serving', format: (v) => v.toFixed(0), yTicks: 4, series: perRun((s) => s.servingReplicas, { step: true }) },
  ];
  return stackedCharts(['The demo under each policy: the same load, live', comparisonVerdict(comparison), `${violationDefinition(objective)}; time: seconds since the load began`], specs);
}
