import { escapeXml, niceTicks } from '../report/svg.js';
import { GOAL, type Comparison } from './compare.js';

/**
 * The frontier as a picture: one panel per trace, cost (x) against violations (y), both as
 * multiples of the HPA rule's, so that every panel reads alike: the HPA rule sits at (1, 1), the
 * goal is the shaded corner (≤ 1× cost, ≤ 0.5× violations), the clairvoyant planner's frontier is
 * the line and the adaptive policy is the dot. A standalone SVG, no scripts.
 */
const PANEL = { width: 380, height: 270, left: 52, right: 14, top: 40, bottom: 38 };
const COLUMNS = 3;
const Y_MAX = 2;
const COLOURS = { frontier: '#2563eb', hpa: '#6b7280', adaptive: '#ea580c', goal: '#dcfce7' };

export function frontierChart(comparisons: readonly Comparison[]): string {
  const panels = comparisons.filter((c) => c.frontier && c.outcomes.some((o) => o.policy === 'hpa'));
  const rows = Math.max(1, Math.ceil(panels.length / COLUMNS));
  const width = PANEL.width * Math.min(COLUMNS, Math.max(1, panels.length));
  const legendHeight = 46;
  const height = legendHeight + rows * PANEL.height;
  const body = panels.map((comparison, index) => panel(comparison, (index % COLUMNS) * PANEL.width, legendHeight + Math.floor(index / COLUMNS) * PANEL.height));
  const window = panels[0]?.frontier?.windowSeconds;
  const legend = [
    `<text x="10" y="18" font-size="13" font-weight="bold">Cost against violations, as multiples of the HPA rule's</text>`,
    `<text x="10" y="36" font-size="11"><tspan fill="${COLOURS.frontier}">━ clairvoyant planner (knows ±${window ?? '?'} s of load, acts at once)</tspan>  <tspan fill="${COLOURS.hpa}">● HPA rule</tspan>  <tspan fill="${COLOURS.adaptive}">● adaptive policy</tspan>  <tspan fill="#15803d">▇ goal: ≤ 1× cost, ≤ 0.5× violations</tspan></text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${legend.join('\n')}\n${body.join('\n')}\n</svg>\n`;
}

function panel(comparison: Comparison, left: number, top: number): string {
  const hpa = comparison.outcomes.find((o) => o.policy === 'hpa')!;
  const adaptive = comparison.outcomes.find((o) => o.policy === 'adaptive');
  const frontier = comparison.frontier!;
  // Where the HPA rule had no violation-second, violations are drawn in seconds instead.
  const violationUnit = Math.max(1, hpa.sloViolationSeconds);
  const costUnit = Math.max(1, hpa.replicaSeconds);
  const points = [...frontier.points].sort((a, b) => a.replicaSeconds - b.replicaSeconds).map((p) => ({ x: p.replicaSeconds / costUnit, y: p.sloViolationSeconds / violationUnit }));
  const adaptivePoint = adaptive ? { x: adaptive.replicaSeconds / costUnit, y: adaptive.sloViolationSeconds / violationUnit } : undefined;
  const xMax = Math.max(2, (adaptivePoint?.x ?? 0) * 1.1);
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const x = (v: number) => left + PANEL.left + (Math.min(v, xMax) / xMax) * plotW;
  const y = (v: number) => top + PANEL.top + plotH - (Math.min(v, Y_MAX) / Y_MAX) * plotH;
  const parts: string[] = [];
  const title = `${comparison.trace}${hpa.sloViolationSeconds === 0 ? ' (HPA: no violation; y in seconds)' : ''}`;
  parts.push(`<text x="${left + PANEL.left}" y="${top + 22}" font-size="12" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<rect x="${x(0)}" y="${y(GOAL.violationRatio)}" width="${x(GOAL.costRatio) - x(0)}" height="${y(0) - y(GOAL.violationRatio)}" fill="${COLOURS.goal}"/>`);
  for (const tick of niceTicks(0, xMax, 4)) {
    parts.push(`<line x1="${x(tick)}" y1="${y(0)}" x2="${x(tick)}" y2="${y(Y_MAX)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(tick)}" y="${y(0) + 14}" font-size="10" text-anchor="middle">${tick}×</text>`);
  }
  for (const tick of niceTicks(0, Y_MAX, 4)) {
    parts.push(`<line x1="${x(0)}" y1="${y(tick)}" x2="${x(xMax)}" y2="${y(tick)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(0) - 5}" y="${y(tick) + 3}" font-size="10" text-anchor="end">${tick}${hpa.sloViolationSeconds === 0 ? ' s' : '×'}</text>`);
  }
  parts.push(`<text x="${x(xMax / 2)}" y="${top + PANEL.height - 6}" font-size="10" text-anchor="middle">replica-seconds ÷ HPA's</text>`);
  parts.push(`<text x="${left + 12}" y="${y(Y_MAX / 2)}" font-size="10" text-anchor="middle" transform="rotate(-90 ${left + 12} ${y(Y_MAX / 2)})">${hpa.sloViolationSeconds === 0 ? 'violation-seconds' : "violation-seconds ÷ HPA's"}</text>`);
  const visible = points.filter((p) => p.x <= xMax);
  if (visible.length > 0) parts.push(`<polyline fill="none" stroke="${COLOURS.frontier}" stroke-width="2" points="${visible.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}"/>`);
  parts.push(`<circle cx="${x(1)}" cy="${y(hpa.sloViolationSeconds / violationUnit)}" r="5" fill="${COLOURS.hpa}"/>`);
  if (adaptivePoint) {
    parts.push(`<circle cx="${x(adaptivePoint.x)}" cy="${y(adaptivePoint.y)}" r="5" fill="${COLOURS.adaptive}"/>`);
    parts.push(`<text x="${x(adaptivePoint.x) + 8}" y="${y(adaptivePoint.y) - 6}" font-size="10" fill="${COLOURS.adaptive}">${adaptivePoint.x.toFixed(2)}×, ${adaptivePoint.y.toFixed(2)}${hpa.sloViolationSeconds === 0 ? ' s' : '×'}</text>`);
  }
  return `<g>${parts.join('')}</g>`;
}
