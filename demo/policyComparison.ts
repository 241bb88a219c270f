import { POLICY_LABELS } from '../scaler/simulator/timelineChart.js';
import type { DemoPolicy } from './demoLabels.js';
import { demoOutcome, servingCores, SPIKE_P95_OBJECTIVE_MS, type SecondSample } from './demoOutcome.js';

/** One demo run's figures, in the simulator's terms where they have one. */
export interface RunFigures {
  policy: DemoPolicy;
  seconds: number;
  /** Requests the load shape asked for, and those answered: a service that falls behind is sent fewer (the load driver waits for answers). */
  asked: number;
  answered: number;
  requests: number;
  failed: number;
  /**
   * Seconds of load that missed the objective: p95 above it, a request failed, or the service fell
   * behind (the simulator's SLO-violation seconds: p95 above the target, or requests dropped).
   */
  violationSeconds: number;
  /** The same, within the spike. */
  spikeViolationSeconds: number;
  /** CPU limits held by every running replica (starting and draining ones too), summed over the run. */
  coreSeconds: number;
  /**
   * The same per request answered, in core-milliseconds: where one run served less of the load
   * than the other, its core-seconds alone make it look cheap. Null when nothing was answered.
   */
  coreMsPerAnswered: number | null;
  /** From the spike's first second until more capacity served; null if none came during the spike. */
  secondsToNewCapacity: number | null;
  worstSpikeP95Ms: number;
  peakReplicas: number;
  peakCores: number;
  /** Changes of the serving capacity (replicas × limit) the demo saw, second to second. */
  capacityChanges: number;
}

export interface PolicyComparison {
  objectiveP95Ms: number;
  hpa: RunFigures;
  adaptive: RunFigures;
  /** adaptive / HPA rule; null where the HPA rule's figure is 0 (or null). */
  violationRatio: number | null;
  costRatio: number | null;
  costPerAnsweredRatio: number | null;
}

/**
 * Share of a second's requests the service must answer to count as keeping up. The load driver
 * sends at most one request per connection at a time, so a service that falls behind is sent
 * fewer instead of queueing them: without this a saturated second with a tolerable p95 would count
 * as met. The margin is the driver's own pacing, which misses the rate by a few percent.
 */
export const KEPT_UP_FRACTION = 0.9;

/** A second of load that missed the objective: p95 over it, a failed request, or fewer answered than kept up. */
export function violatedSecond(sample: SecondSample, objectiveP95Ms = SPIKE_P95_OBJECTIVE_MS): boolean {
  if (sample.targetRps <= 0) return false;
  return sample.failed > 0 || sample.ok < KEPT_UP_FRACTION * sample.targetRps || (sample.p95Ms ?? 0) > objectiveP95Ms;
}

export function runFigures(policy: DemoPolicy, samples: readonly SecondSample[], objectiveP95Ms = SPIKE_P95_OBJECTIVE_MS): RunFigures {
  const outcome = demoOutcome(samples);
  const answered = samples.reduce((sum, s) => sum + s.ok, 0);
  const coreSeconds = samples.reduce((sum, s) => sum + s.runningCpuCores, 0);
  const violated = samples.filter((s) => violatedSecond(s, objectiveP95Ms));
  let capacityChanges = 0;
  for (let i = 1; i < samples.length; i++) {
    if (Math.abs(servingCores(samples[i] as SecondSample) - servingCores(samples[i - 1] as SecondSample)) > 1e-9) capacityChanges += 1;
  }
  return {
    policy,
    seconds: samples.length,
    asked: samples.reduce((sum, s) => sum + s.targetRps, 0),
    answered,
    requests: outcome.requests,
    failed: outcome.failed,
    violationSeconds: violated.length,
    spikeViolationSeconds: violated.filter((s) => s.phase === 'spike').length,
    coreSeconds,
    coreMsPerAnswered: answered > 0 ? (1000 * coreSeconds) / answered : null,
    secondsToNewCapacity: outcome.secondsToNewCapacity,
    worstSpikeP95Ms: outcome.worstSpikeP95Ms,
    peakReplicas: Math.max(0, ...samples.map((s) => s.runningReplicas)),
    peakCores: Math.max(0, ...samples.map((s) => s.runningCpuCores)),
    capacityChanges,
  };
}

export function policyComparison(hpa: readonly SecondSample[], adaptive: readonly SecondSample[], objectiveP95Ms = SPIKE_P95_OBJECTIVE_MS): PolicyComparison {
  const h = runFigures('hpa', hpa, objectiveP95Ms);
  const a = runFigures('adaptive', adaptive, objectiveP95Ms);
  const ratio = (ours: number | null, theirs: number | null) => (ours !== null && theirs !== null && theirs > 0 ? ours / theirs : null);
  return {
    objectiveP95Ms,
    hpa: h,
    adaptive: a,
    violationRatio: ratio(a.violationSeconds, h.violationSeconds),
    costRatio: ratio(a.coreSeconds, h.coreSeconds),
    costPerAnsweredRatio: ratio(a.coreMsPerAnswered, h.coreMsPerAnswered),
  };
}

/** The comparison as a plain-text table, one row a policy, then the ratios and what a violation is. */
export function comparisonTable(comparison: PolicyComparison): string[] {
  const header = ['policy', 'violation-s', 'in the spike', 'core-s', 'answered', 'core-ms per answer', 'to new capacity', 'worst spike p95', 'peak replicas (cores)', 'failed', 'capacity changes'];
  const row = (f: RunFigures) => [
    POLICY_LABELS[f.policy],
    String(f.violationSeconds),
    String(f.spikeViolationSeconds),
    f.coreSeconds.toFixed(1),
    `${f.asked > 0 ? Math.round((100 * f.answered) / f.asked) : 100}%`,
    f.coreMsPerAnswered === null ? '–' : f.coreMsPerAnswered.toFixed(2),
    f.secondsToNewCapacity === null ? '–' : `${f.secondsToNewCapacity} s`,
    `${Math.round(f.worstSpikeP95Ms)} ms`,
    `${f.peakReplicas} (${f.peakCores.toFixed(2)})`,
    `${f.failed} of ${f.requests}`,
    String(f.capacityChanges),
  ];
  const rows = [header, row(comparison.hpa), row(comparison.adaptive)];
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => (cells[column] as string).length)));
  const lines = rows.map((cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  '));
  lines.push(comparisonVerdict(comparison), violationDefinition(comparison.objectiveP95Ms));
  return lines;
}

/** The ratios in one line. */
export function comparisonVerdict(comparison: PolicyComparison): string {
  const times = (value: number | null) => (value === null ? 'n/a (the HPA rule had none)' : `${value.toFixed(2)}×`);
  return `adaptive / HPA rule: ${times(comparison.violationRatio)} the violation-seconds, ${times(comparison.costRatio)} the core-seconds, ${times(comparison.costPerAnsweredRatio)} per request answered`;
}

export function violationDefinition(objectiveP95Ms: number): string {
  return `a violation-second: p95 over ${objectiveP95Ms} ms, a failed request, or under ${100 * KEPT_UP_FRACTION}% of the requests asked for answered`;
}
