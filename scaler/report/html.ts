import { countText, decisionCoverage, hasAnyData, percentText, type DecisionMark, type Point, type Report, type ServiceReport } from './model.js';
import { ACTION_COLOURS, CHART_CSS, escapeXml, lineChart } from './svg.js';

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, no external
 * resource, so it opens from a file, a mail attachment or a CI artefact alike. Per service, top
 * to bottom: the headline sentence, summary figures, the signal against its target (time above
 * it shaded), replicas, CPU and memory per replica against their limits, and the decision table
 * whose numbers match the markers on every chart.
 */
export const REPORT_CSS = `
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #111827; background: #f3f4f6; margin: 0; }
  main { max-width: 1160px; margin: 0 auto; padding: 20px 24px 40px; }
  h1 { font-size: 22px; margin: 0 0 2px; }
  h2 { font-size: 20px; margin: 28px 0 6px; }
  .range { color: #4b5563; margin-bottom: 10px; }
  .headline { font-size: 17px; background: #fff; border-left: 5px solid #2563eb; padding: 10px 14px; margin: 8px 0 12px; }
  .cards { display: flex; gap: 10px; flex-wrap: wrap; margin-bottom: 12px; }
  .card { background: #fff; border-radius: 6px; padding: 8px 14px; min-width: 150px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  .card .v { font-size: 22px; font-weight: 650; }
  .card .k { color: #4b5563; font-size: 13px; }
  .chart { background: #fff; border-radius: 6px; margin: 8px 0; padding: 2px 4px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
${CHART_CSS}  table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
  th { background: #f9fafb; }
  .num { display: inline-block; min-width: 20px; text-align: center; border-radius: 10px; color: #fff; font-weight: 700; font-size: 12px; padding: 1px 5px; }
  .outcome-failed { color: #b91c1c; font-weight: 600; }
  .outcome-dry_run { color: #6b7280; font-style: italic; }
  .note { color: #6b7280; font-size: 13px; margin-top: 6px; }
  .notes { background: #fffbeb; border-left: 5px solid #d97706; margin: 0 0 12px; padding: 8px 14px 8px 30px; font-size: 14px; color: #78350f; }
  .notes li { margin: 2px 0; }
`;

export function renderReportHtml(report: Report): string {
  const sections = report.services.map((service) => serviceSection(service, report)).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(report.title)}</title><style>${REPORT_CSS}</style></head>
<body><main>
<h1>${escapeXml(report.title)}</h1>
<div class="range">${escapeXml(new Date(report.from).toISOString())} → ${escapeXml(new Date(report.to).toISOString())} (UTC) · generated ${escapeXml(new Date(report.generatedAt).toISOString())}</div>
${sections || '<p>No managed service has data in this range.</p>'}
<p class="note">Shaded: time the followed signal was above its target. Numbered markers: the scaler's decisions (solid: applied; dashed: dry-run, failed or skipped), explained in each table. Times in UTC.</p>
</main></body></html>
`;
}

function serviceSection(service: ServiceReport, report: Report): string {
  const { summary: s } = service;
  const notes = s.notes.length ? `<ul class="notes">${s.notes.map((note) => `<li>${escapeXml(note)}</li>`).join('')}</ul>` : '';
  // Nothing to chart: say so once, rather than five empty frames.
  if (!hasAnyData(service)) {
    return `<section>
<h2>${escapeXml(service.service)}</h2>
<div class="headline">${escapeXml(s.headline)}</div>
${notes}
</section>`;
  }
  const maxGapMs = Math.max(3 * service.bucketSeconds * 1000, 5000);
  const marks = service.decisions.filter((d) => d.action !== 'hold' || d.outcome !== 'applied');
  const number = (mark: DecisionMark) => marks.indexOf(mark) + 1;
  const common = { from: report.from, to: report.to, decisions: marks, decisionNumber: number, maxGapMs };
  const charts: string[] = [];
  if (service.signal) {
    const unit = service.signal.name === 'cpu' ? (v: number) => `${(v * 100).toFixed(0)}%` : (v: number) => `${trim(v)} rps`;
    const label = service.signal.name === 'cpu' ? 'CPU used / limit' : 'requests/s per replica';
    charts.push(
      lineChart({
        ...common,
        title: `What the scaler followed: ${label} against its target`,
        format: unit,
        series: [
          { name: 'measured', color: '#2563eb', points: service.signal.value, width: 2 },
          { name: 'smoothed', color: '#7c3aed', points: service.signal.smoothed, width: 2.5 },
          { name: 'forecast', color: '#f59e0b', points: service.signal.forecast, dash: '2 3', width: 2 },
          { name: 'target', color: '#dc2626', points: service.signal.target, step: true, dash: '7 4', width: 2 },
        ],
        above: { value: service.signal.smoothed.length ? service.signal.smoothed : service.signal.value, target: service.signal.target },
        // A forecast spike must not flatten what matters: the measured signal against its target.
        yMaxCap: Math.max(2 * Math.max(0, ...service.signal.target.map((p) => p.v)), ...service.signal.value.map((p) => p.v), ...service.signal.smoothed.map((p) => p.v)),
      }),
    );
  }
  charts.push(lineChart({ ...common, title: 'Replicas', format: (v) => trim(v), series: [{ name: 'replicas', color: '#059669', points: service.replicas, step: true, width: 3 }], height: 190, yTicks: 6 }));
  charts.push(
    lineChart({
      ...common,
      title: 'CPU per replica (cores): used against the limit',
      format: (v) => `${trim(v)}`,
      series: [
        { name: 'used', color: '#2563eb', points: service.cpuUsedPerReplicaCores, width: 2 },
        { name: 'limit', color: '#dc2626', points: service.cpuLimitPerReplicaCores, step: true, width: 2.5 },
      ],
    }),
  );
  charts.push(
    lineChart({
      ...common,
      title: 'Memory per replica (MiB): working set against the limit',
      format: (v) => trim(v),
      series: [
        { name: 'working set', color: '#2563eb', points: toMiB(service.memoryUsedPerReplicaBytes), width: 2 },
        { name: 'limit', color: '#dc2626', points: toMiB(service.memoryLimitPerReplicaBytes), step: true, width: 2.5 },
      ],
      height: 200,
    }),
  );
  if (service.requestsPerSecond.length) {
    charts.push(lineChart({ ...common, title: 'Requests per second (whole service)', format: (v) => trim(v), series: [{ name: 'requests/s', color: '#0891b2', points: service.requestsPerSecond, width: 2 }], height: 190 }));
  }

  const cards = [
    card(String(s.actions), 'actions applied' + (s.dryRunActions ? ` (+${s.dryRunActions} dry-run)` : '')),
    card(s.timeAboveTargetSeconds === undefined ? 'n/a' : `${Math.round(s.timeAboveTargetSeconds)} s`, s.timeAboveTargetFraction === undefined ? 'above target' : `above target (${percentText(s.timeAboveTargetFraction)})`),
    card(`${Math.round(s.replicaSeconds)}`, 'replica-seconds (cost)'),
    card(s.replicasStart === undefined ? 'n/a' : `${countText(s.replicasStart)} → ${countText(s.replicasEnd ?? s.replicasStart)}`, `replicas (peak ${s.replicasPeak === undefined ? 'n/a' : countText(s.replicasPeak)})`),
    card(s.cpuLimitStart === undefined ? 'n/a' : `${s.cpuLimitStart.toFixed(2)} → ${(s.cpuLimitEnd ?? 0).toFixed(2)}`, 'CPU limit per replica (cores)'),
  ];
  if (s.failedActions) cards.push(card(String(s.failedActions), 'failed actions'));
  if (s.dataProblems) cards.push(card(String(s.dataProblems), 'skipped: no/stale data'));

  const rows = marks
    .map((mark, index) => {
      const colour = mark.outcome === 'failed' ? '#b91c1c' : (ACTION_COLOURS[mark.action] ?? '#6b7280');
      return `<tr><td><span class="num" style="background:${colour}">${index + 1}</span></td><td>${decisionTimeLabel(mark.time, report.from, report.to)}</td><td>${escapeXml(mark.action.replace('_', '-'))}</td><td>${escapeXml(mark.change)}</td><td class="outcome-${escapeXml(mark.outcome)}">${escapeXml(mark.outcome.replace('_', ' '))}</td><td>${escapeXml(mark.reason)}</td></tr>`;
    })
    .join('');
  const table = marks.length
    ? `<table><thead><tr><th>#</th><th>time</th><th>action</th><th>change</th><th>outcome</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>`
    : decisionCoverage(service.downsampled, report.from, report.to).kind === 'none'
      ? '<p class="note">No decision kept for this range (see the notes above).</p>'
      : '<p class="note">No decision recorded in this range.</p>';

  return `<section>
<h2>${escapeXml(service.service)}</h2>
<div class="headline">${escapeXml(s.headline)}</div>
${notes}
<div class="cards">${cards.join('')}</div>
${charts.map((c) => `<div class="chart">${c}</div>`).join('\n')}
<h3>Decisions</h3>
${table}
</section>`;
}

function toMiB(points: readonly Point[]): Point[] {
  return points.map((p) => ({ t: p.t, v: p.v / 2 ** 20 }));
}

function card(value: string, label: string): string {
  return `<div class="card"><div class="v">${escapeXml(value)}</div><div class="k">${escapeXml(label)}</div></div>`;
}

function trim(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1).replace(/\.0$/, '') : abs >= 1 ? value.toFixed(2).replace(/\.?0+$/, '') : value.toFixed(3).replace(/\.?0+$/, '');
}

/**
 * A decision's time in the table: always to the second (decisions come seconds apart, and the
 * axis' labels, which drop the seconds on long ranges, made two of them read alike), with the date
 * when the range covers more than one day (UTC, as every time of the report).
 */
export function decisionTimeLabel(ms: number, fromMs: number, toMs: number): string {
  const iso = new Date(ms).toISOString();
  const day = (at: number) => Math.floor(at / 86_400_000);
  return day(fromMs) === day(toMs) ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
