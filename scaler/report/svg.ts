import type { DecisionMark, Point } from './model.js';
import { timeTicks } from './timeTicks.js';

/**
 * Inline SVG time-series charts, no scripts: lines (or steps) against a shared time axis, with the
 * scaler's decisions drawn as numbered vertical markers that match the decision table, and
 * optional shading where a signal ran above its target.
 */
export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly Point[];
  /** Draw as a step line (values that hold until the next change: replicas, limits). */
  readonly step?: boolean;
  readonly dash?: string;
  readonly width?: number;
}

export interface ChartSpec {
  readonly title: string;
  /** Formats a y value for the axis, e.g. `(v) => v.toFixed(1) + ' cores'`. */
  readonly format: (value: number) => string;
  readonly series: readonly ChartSeries[];
  readonly from: number;
  readonly to: number;
  readonly decisions: readonly DecisionMark[];
  /** Index of each decision in the table (1-based), by time. */
  readonly decisionNumber: (mark: DecisionMark) => number;
  /** Shade where `above.value` > `above.target`. */
  readonly above?: { readonly value: readonly Point[]; readonly target: readonly Point[] };
  /** Points further apart than this are a hole, not a line. */
  readonly maxGapMs: number;
  readonly height?: number;
  readonly yMinZero?: boolean;
  /** Upper bound of the y axis when the data goes higher (those lines are clipped at the top). */
  readonly yMaxCap?: number;
  /** About how many y ticks (more for small whole counts such as replicas). */
  readonly yTicks?: number;
  /** The time axis' labels (default: UTC clock times or dates that suit the step, `timeTicks.ts`). */
  readonly timeFormat?: (ms: number, spanMs: number) => string;
  /** Where the time axis is labelled (default: at most eight round instants of UTC, `timeTicks.ts`). */
  readonly timeTicks?: (from: number, to: number) => number[];
}

const WIDTH = 1100;
/** Fewer than nine steps span the 1004 px plot, so ticks are at least 111 px apart: room for the longest label, `01-02 23:59:30` (about 95 px). */
const MAX_TIME_TICKS = 8;
/** Width of one character of the 12 px axis font, about: digits, which the time labels mostly are. */
const AXIS_CHAR_PX = 6.8;
/** Makes clip-path ids unique within one page. */
let chartCounter = 0;
const MARGIN = { left: 78, right: 18, top: 34, bottom: 30 };

/** The charts' own styles, by class: the report page includes them, a standalone chart embeds them. */
export const CHART_CSS = `
  .chart-title { font: 600 15px system-ui, sans-serif; fill: #111827; }
  .legend { font: 13px system-ui, sans-serif; fill: #374151; }
  .axis { font: 12px system-ui, sans-serif; fill: #4b5563; }
  .grid { stroke: #e5e7eb; stroke-width: 1; }
  .frame { fill: none; stroke: #d1d5db; }
  .above { fill: #fecaca; opacity: .55; }
  .marker { font: 700 11px system-ui, sans-serif; fill: #fff; }
  .empty { font: 14px system-ui, sans-serif; fill: #9ca3af; }
`;

export const ACTION_COLOURS: Record<string, string> = {
  scale_out: '#15803d',
  scale_in: '#0369a1',
  scale_up: '#c2410c',
  scale_down: '#7e22ce',
  hold: '#6b7280',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Round numbers for axis ticks (1, 2, 2.5, 5 × 10^n). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function timeLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : spanMs > 3_600_000 ? iso.slice(11, 16) : iso.slice(11, 19);
}

/**
 * One chart as an inline SVG element, as wide as its container; with `placement`, at that height
 * inside an enclosing SVG instead (`stackedCharts`), its clip path named by the enclosing file
 * rather than by how many charts this process drew before.
 */
export function lineChart(spec: ChartSpec, placement?: { top: number; id: string }): string {
  const height = spec.height ?? 230;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const span = Math.max(1, spec.to - spec.from);
  const x = (t: number) => MARGIN.left + ((t - spec.from) / span) * plotW;
  const values = spec.series.flatMap((s) => s.points.map((p) => p.v));
  const hasData = values.length > 0;
  let yMax = hasData ? Math.max(...values) : 1;
  if (spec.yMaxCap !== undefined && spec.yMaxCap > 0) yMax = Math.min(yMax, spec.yMaxCap);
  let yMin = hasData && spec.yMinZero === false ? Math.min(...values) : 0;
  if (yMax <= yMin) yMax = yMin + (yMin === 0 ? 1 : Math.abs(yMin) * 0.2);
  const ticks = niceTicks(yMin, yMax * 1.08, spec.yTicks ?? 4);
  // One more round tick above the data, so the top of the plot is labelled.
  if (ticks.length > 1 && (ticks.at(-1) as number) < yMax * 1.08) ticks.push(Number(((ticks.at(-1) as number) + (ticks[1] as number) - (ticks[0] as number)).toPrecision(12)));
  yMin = Math.min(yMin, ticks[0] ?? yMin);
  yMax = ticks.length > 1 ? (ticks.at(-1) as number) : yMax * 1.08;
  const y = (v: number) => MARGIN.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;

  const out: string[] = [];
  const clipId = placement?.id ?? `plot-${(chartCounter += 1)}`;
  const position = placement === undefined ? 'xmlns="http://www.w3.org/2000/svg" width="100%"' : `x="0" y="${placement.top}" width="${WIDTH}" height="${height}"`;
  out.push(`<svg ${position} viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(spec.title)}">`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(`<defs><clipPath id="${clipId}"><rect x="${MARGIN.left}" y="${MARGIN.top - 2}" width="${plotW}" height="${plotH + 4}"/></clipPath></defs>`);
  out.push(`<text x="${MARGIN.left}" y="20" class="chart-title">${escapeXml(spec.title)}</text>`);

  // legend, right-aligned on the title line
  let legendX = WIDTH - MARGIN.right;
  for (const series of [...spec.series].reverse()) {
    const label = escapeXml(series.name);
    const textWidth = label.length * 7.4;
    legendX -= textWidth + 44;
    out.push(`<line x1="${legendX}" y1="16" x2="${legendX + 22}" y2="16" stroke="${series.color}" stroke-width="${series.width ?? 2.5}"${series.dash ? ` stroke-dasharray="${series.dash}"` : ''}/>`);
    out.push(`<text x="${legendX + 27}" y="20" class="legend">${label}</text>`);
  }

  // grid and axes
  for (const tick of ticks) {
    const ty = y(tick);
    out.push(`<line x1="${MARGIN.left}" y1="${ty.toFixed(1)}" x2="${WIDTH - MARGIN.right}" y2="${ty.toFixed(1)}" class="grid"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${(ty + 4).toFixed(1)}" class="axis" text-anchor="end">${escapeXml(spec.format(tick))}</text>`);
  }
  const instants = spec.timeTicks?.(spec.from, spec.to).map((at) => ({ at, label: timeLabel(at, span) })) ?? timeTicks(spec.from, spec.to, MAX_TIME_TICKS);
  for (const { at: t, label } of instants) {
    const text = spec.timeFormat ? spec.timeFormat(t, span) : label;
    // Centred under its instant, moved in only as far as the edge of the chart asks. A round tick
    // can fall a few pixels from the edge; set wholly to one side of it, a 95 px label reached
    // 143 px towards its neighbour, 111 px away.
    const half = (text.length * AXIS_CHAR_PX) / 2;
    const centre = Math.min(WIDTH - 2 - half, Math.max(2 + half, x(t)));
    out.push(`<text x="${centre.toFixed(1)}" y="${height - 10}" class="axis" text-anchor="middle">${escapeXml(text)}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" class="frame"/>`);

  // above-target shading
  if (spec.above) {
    const { value, target } = spec.above;
    let ti = 0;
    for (let i = 0; i < value.length; i += 1) {
      const point = value[i] as Point;
      while (ti + 1 < target.length && (target[ti + 1] as Point).t <= point.t) ti += 1;
      const goal = target[ti]?.v;
      if (goal === undefined || point.v <= goal) continue;
      const end = Math.min(value[i + 1]?.t ?? point.t + spec.maxGapMs / 3, point.t + spec.maxGapMs);
      out.push(`<rect x="${x(point.t).toFixed(1)}" y="${MARGIN.top}" width="${Math.max(1, x(end) - x(point.t)).toFixed(1)}" height="${plotH}" class="above"/>`);
    }
  }

  // series, clipped to the plot area (a capped axis cuts what goes above it)
  out.push(`<g clip-path="url(#${clipId})">`);
  for (const series of spec.series) {
    for (const segment of segments(series.points, spec.maxGapMs)) {
      const d = segment
        .map((p, i) => {
          const px = x(p.t).toFixed(1);
          const py = y(p.v).toFixed(1);
          if (i === 0) return `M${px},${py}`;
          return series.step ? `H${px}V${py}` : `L${px},${py}`;
        })
        .join('');
      const tail = series.step && segment.length ? `H${x(Math.min(spec.to, (segment.at(-1) as Point).t + spec.maxGapMs / 3)).toFixed(1)}` : '';
      if (segment.length === 1 && !series.step) {
        const p = segment[0] as Point;
        out.push(`<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="2.5" fill="${series.color}"/>`);
      } else {
        out.push(`<path d="${d}${tail}" fill="none" stroke="${series.color}" stroke-width="${series.width ?? 2.5}" stroke-linejoin="round"${series.dash ? ` stroke-dasharray="${series.dash}"` : ''}/>`);
      }
    }
  }
  out.push('</g>');
  if (!hasData) out.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" class="empty" text-anchor="middle">no data in this range</text>`);

  // decision markers: a numbered disc each, moved down a row where it would cover the one before
  // (a scale-up and the scale-out a second later sat on the same spot, both numbers unreadable);
  // where no row is free the line is drawn without a number (its tooltip and the table still say it).
  // Every line goes first, the discs over them, so that no later line crosses out an earlier number.
  const discRows = Math.max(1, Math.min(3, Math.floor((plotH - 4) / 20)));
  const rowEnds: number[] = Array.from({ length: discRows }, () => -Infinity);
  const lines: string[] = [];
  const discs: string[] = [];
  for (const mark of spec.decisions) {
    if (mark.time < spec.from || mark.time > spec.to) continue;
    const at = x(mark.time);
    const mx = at.toFixed(1);
    const colour = mark.outcome === 'failed' ? '#b91c1c' : (ACTION_COLOURS[mark.action] ?? '#6b7280');
    const n = spec.decisionNumber(mark);
    const title = `<title>${escapeXml(`#${n} ${mark.action} (${mark.outcome}): ${mark.change} — ${mark.reason}`)}</title>`;
    lines.push(`<line x1="${mx}" y1="${MARGIN.top}" x2="${mx}" y2="${MARGIN.top + plotH}" stroke="${colour}" stroke-width="1.6"${mark.dryRun || mark.outcome !== 'applied' ? ' stroke-dasharray="4 3"' : ''}>${title}</line>`);
    const label = String(n);
    const radius = label.length <= 2 ? 9 : 4 + 3.4 * label.length;
    const row = rowEnds.findIndex((end) => at - radius >= end + 2);
    if (row < 0) continue;
    rowEnds[row] = at + radius;
    const cy = MARGIN.top + 9 + 20 * row;
    const disc = label.length <= 2 ? `<circle cx="${mx}" cy="${cy}" r="9" fill="${colour}"/>` : `<rect x="${(at - radius).toFixed(1)}" y="${cy - 9}" width="${(2 * radius).toFixed(1)}" height="18" rx="9" fill="${colour}"/>`;
    discs.push(`<g class="decision">${title}${disc}<text x="${mx}" y="${cy + 4}" class="marker" text-anchor="middle">${label}</text></g>`);
  }
  out.push(...lines, ...discs);
  out.push('</svg>');
  return out.join('');
}

/** Charts one above the other in one standalone SVG file (styles embedded, no script), under a heading (a bold line, then plain ones). */
export function stackedCharts(heading: readonly string[], specs: readonly ChartSpec[]): string {
  let top = 14 + 20 * heading.length;
  const charts = specs.map((spec, index) => {
    const chart = lineChart(spec, { top, id: `plot-${index + 1}` });
    top += spec.height ?? 230;
    return chart;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="sans-serif">`,
    `<style>${CHART_CSS}</style>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...heading.map((line, index) => `<text x="${MARGIN.left}" y="${22 + 20 * index}" font-size="${index === 0 ? 16 : 13}"${index === 0 ? ' font-weight="bold"' : ''}>${escapeXml(line)}</text>`),
    ...charts,
    '</svg>',
    '',
  ].join('\n');
}

function segments(points: readonly Point[], maxGapMs: number): Point[][] {
  const out: Point[][] = [];
  let current: Point[] = [];
  for (const point of points) {
    const previous = current.at(-1);
    if (previous && point.t - previous.t > maxGapMs) {
      out.push(current);
      current = [];
    }
    current.push(point);
  }
  if (current.length) out.push(current);
  return out;
}
