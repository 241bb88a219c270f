import type { Comparison } from './compare.js';

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

function ratio(value: number | null): string {
  if (value === null) return '0/0';
  if (!Number.isFinite(value)) return 'inf';
  return `${value.toFixed(2)}x`;
}
