import type { Comparison } from './compare.js';
import type { FrontierPoint } from './frontier.js';

/** The comparison as a fixed-width text table, one row per trace and policy, then the ratios. */
export function formatComparisonTable(comparisons: readonly Comparison[]): string {
  const header = ['trace', 'policy', 'SLO-violation s', 'replica-s', 'actions', 'flaps', 'CPU updates', 'dropped req', 'peak replicas'];
  const rows: string[][] = [];
  for (const comparison of comparisons) {
    for (const outcome of comparison.outcomes) {
      rows.push([comparison.trace, outcome.policy, String(outcome.sloViolationSeconds), String(outcome.replicaSeconds), String(outcome.scaleActions), String(outcome.flaps), String(outcome.verticalUpdates), String(outcome.droppedRequests), String(outcome.peakReplicas)]);
    }
    if (comparison.ratios) {
      const r = comparison.ratios;
      rows.push([comparison.trace, 'adaptive/hpa', ratio(r.sloViolationSeconds), ratio(r.replicaSeconds), '', ratio(r.flaps), '', '', comparison.goalMet ? 'goal met' : 'goal MISSED']);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const notes = comparisons.map((c) => `  ${c.trace}: ${c.rescaling}`);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', 'rescaling (simulated seconds throughout):', ...notes].join('\n');
}

/**
 * Each policy's replica decisions with their reasons, a block per trace and policy (only outcomes
 * that kept them: `--decisions`). The bridge's CPU changes, one a second at most, are not listed:
 * the table counts them.
 */
export function formatDecisionLines(comparisons: readonly Comparison[]): string {
  const blocks: string[] = [];
  for (const comparison of comparisons) {
    for (const outcome of comparison.outcomes) {
      if (!outcome.decisions) continue;
      const width = String(Math.max(0, ...outcome.decisions.map((d) => d.second))).length;
      const lines = outcome.decisions.map(({ second, decision }) => `  ${String(second).padStart(width)} s  ${decision.from} → ${decision.to}  ${decision.reason}`);
      blocks.push([`decisions of ${outcome.policy} on ${comparison.trace} (replica changes, at simulated seconds):`, ...(lines.length > 0 ? lines : ['  none'])].join('\n'));
    }
  }
  return blocks.join('\n\n');
}

/** A ratio of the table: `0/0` where both figures are 0 (null), `inf` where only the HPA's is (Infinity). */
function ratio(value: number | null): string {
  if (value === null) return '0/0';
  if (!Number.isFinite(value)) return 'inf';
  return `${value.toFixed(2)}x`;
}

/**
 * What the clairvoyant frontier says of the goal, a line per trace: its cheapest point within
 * half the HPA rule's violations, as a multiple of the HPA's cost.
 */
export function formatFrontierLines(comparisons: readonly Comparison[]): string {
  const traced = comparisons.filter((c) => c.frontier);
  if (traced.length === 0) return '';
  const first = traced[0]!.frontier!;
  const lines = [`clairvoyant frontier (knows the loads of ±${first.windowSeconds} s but not their order, acts at once, replicas of ${first.coresPerReplica} cores; ${first.points.length} prices):`];
  for (const comparison of traced) {
    const frontier = comparison.frontier!;
    const fewest = Math.min(...frontier.points.map((p) => p.sloViolationSeconds));
    const goal = frontier.atGoal;
    if (!goal) lines.push(`  ${comparison.trace}: fewest ${fewest} violation-s (run the HPA rule too to place the goal)`);
    else if (goal.cost === null) lines.push(`  ${comparison.trace}: ≤ ${goal.maxViolationSeconds} violation-s (half the HPA's) is beyond it at any price (fewest ${fewest})`);
    else {
      const ratio = goal.costRatio === null ? 'n/a' : `${goal.costRatio.toFixed(2)}x`;
      const verdict = goal.withinReach ? 'the goal is within its reach' : 'the goal is beyond even this planner';
      const { cost } = goal;
      const how = cost.mix
        ? `mixing its plans at prices ${priceText(cost.mix.cheaper)} and ${priceText(cost.mix.dearer)}, ${shareText(cost.mix.shareOfDearer)} of the seconds at the dearer`
        : `${cost.sloViolationSeconds} violation-s`;
      lines.push(`  ${comparison.trace}: ≤ ${goal.maxViolationSeconds} violation-s (half the HPA's) costs it ${Math.round(cost.replicaSeconds)} replica-s (${how}), ${ratio} the HPA's: ${verdict}`);
    }
  }
  return lines.join('\n');
}

function priceText(point: FrontierPoint): string {
  return point.pricePerViolationSecond.toFixed(point.pricePerViolationSecond < 10 ? 2 : 1);
}

/** A share as a whole percentage, never rounded to 0% or 100% (a mix is neither point). */
function shareText(share: number): string {
  const percent = Math.min(99, Math.max(1, Math.round(share * 100)));
  return `${percent}%`;
}
