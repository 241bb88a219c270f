import type { DecisionMark, Point } from '../../scaler/report/model.js';
import { REPORT_CSS } from '../../scaler/report/html.js';
import { ACTION_COLOURS, escapeXml, lineChart } from '../../scaler/report/svg.js';
import type { LargeFileOutcome, RunRecord } from './largeFileOutcome.js';

export interface LargeFileReportInput {
  fileBytes: number;
  baseline: RunRecord;
  scaled: RunRecord;
  outcome: LargeFileOutcome;
  /** The scaler's decisions in the scaled run, `time` in ms since its upload began (negative: before it). */
  decisions: DecisionMark[];
  /** File name of the scaler's own report of the scaled run, linked from this page. */
  scalerReport?: string;
}

const BASELINE_COLOUR = '#9ca3af';
const SCALED_COLOUR = '#2563eb';

/**
 * The page that answers "did scaling make the big job faster, and what did the scaler do": both
 * runs on one time axis (seconds since each upload began), then the scaled run's workers and CPU
 * limits with the decisions as numbered markers, then the goals.
 */
export function largeFileReportHtml(input: LargeFileReportInput): string {
  const { baseline, scaled, outcome } = input;
  const to = 1000 * Math.max(baseline.totalSeconds, scaled.totalSeconds, 1);
  const progress = (run: RunRecord): Point[] =>
    run.seconds.map((s) => ({ t: s.second * 1000, v: s.phase === 'upload' ? 0 : s.fileBytes > 0 ? (100 * s.countedBytes) / s.fileBytes : 0 }));
  const uploaded = (run: RunRecord): Point[] => run.seconds.map((s) => ({ t: s.second * 1000, v: s.fileBytes > 0 ? (100 * Math.min(s.uploadedBytes, s.fileBytes)) / s.fileBytes : 0 }));
  const marks = input.decisions.filter((d) => d.action !== 'hold');
  const number = (mark: DecisionMark) => marks.indexOf(mark) + 1;
  // Decisions from before the upload began (the scaler's first seconds) are in the table only.
  const onChart = marks.filter((d) => d.time >= 0);
  const common = { from: 0, to, maxGapMs: 5000, yMinZero: true };

  const charts = [
    lineChart({
      ...common,
      decisions: [],
      decisionNumber: number,
      title: 'Uploaded and counted (% of the file)',
      yMaxCap: 100,
      format: (v) => `${v.toFixed(0)}%`,
      series: [
        { name: 'without: uploaded', color: BASELINE_COLOUR, points: uploaded(baseline), dash: '6 4' },
        { name: 'without: counted', color: BASELINE_COLOUR, points: progress(baseline), width: 2.5 },
        { name: 'with: uploaded', color: SCALED_COLOUR, points: uploaded(scaled), dash: '6 4' },
        { name: 'with: counted', color: SCALED_COLOUR, points: progress(scaled), width: 2.5 },
      ],
    }),
    lineChart({
      ...common,
      decisions: onChart,
      decisionNumber: number,
      title: 'Workers running',
      format: (v) => v.toFixed(0),
      yTicks: 4,
      series: [
        { name: baseline.name, color: BASELINE_COLOUR, points: baseline.seconds.map((s) => ({ t: s.second * 1000, v: s.workers })), step: true, width: 2 },
        { name: scaled.name, color: SCALED_COLOUR, points: scaled.seconds.map((s) => ({ t: s.second * 1000, v: s.workers })), step: true, width: 2.5 },
      ],
    }),
    lineChart({
      ...common,
      decisions: onChart,
      decisionNumber: number,
      title: 'CPU limits (cores)',
      format: (v) => v.toFixed(2),
      series: [
        { name: 'without: all workers', color: BASELINE_COLOUR, points: baseline.seconds.map((s) => ({ t: s.second * 1000, v: s.workerCpuTotalCores })), step: true, width: 2 },
        { name: 'with: all workers', color: SCALED_COLOUR, points: scaled.seconds.map((s) => ({ t: s.second * 1000, v: s.workerCpuTotalCores })), step: true, width: 2.5 },
        { name: 'with: per worker', color: '#c2410c', points: scaled.seconds.map((s) => ({ t: s.second * 1000, v: s.workerCpuCores })), step: true, dash: '5 3' },
        { name: 'with: app', color: '#15803d', points: scaled.seconds.map((s) => ({ t: s.second * 1000, v: s.appCpuCores })), step: true, dash: '2 3' },
      ],
    }),
  ];

  const row = (run: RunRecord) =>
    `<tr><td>${escapeXml(run.name)}</td><td>${run.uploadSeconds.toFixed(1)}</td><td>${run.processingSeconds.toFixed(1)}</td><td>${run.totalSeconds.toFixed(1)}</td>` +
    `<td>${Math.max(0, ...run.seconds.map((s) => s.workers))}</td><td>${Math.max(0, ...run.seconds.map((s) => s.workerCpuCores)).toFixed(2)}</td><td>${run.oomKilled}</td>` +
    `<td>${run.error ? `<span class="outcome-failed">${escapeXml(run.error)}</span>` : run.resultCorrect ? 'yes' : '<span class="outcome-failed">no</span>'}</td></tr>`;
  const decisionRows = marks
    .map((d, i) => `<tr><td><span class="num" style="background:${ACTION_COLOURS[d.action] ?? '#6b7280'}">${i + 1}</span></td><td>${d.time >= 0 ? '+' : '−'}${Math.abs(d.time / 1000).toFixed(0)} s</td><td>${escapeXml(d.change)}</td><td>${escapeXml(d.outcome)}</td><td>${escapeXml(d.reason)}</td></tr>`)
    .join('\n');
  const goals = outcome.goals.map((g) => `<tr><td>${g.met ? 'met' : '<span class="outcome-failed">MISSED</span>'}</td><td>${escapeXml(g.name)}</td><td>${escapeXml(g.detail)}</td></tr>`).join('\n');
  const gib = (input.fileBytes / 2 ** 30).toFixed(2);

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Large-file demo: ${gib} GiB word count at 100 MB per worker</title><style>${REPORT_CSS}</style></head>
<body><main>
<h1>Large-file demo: a ${gib} GiB file, word-counted by workers limited to 100 MB</h1>
<div class="headline">With the scaler the job was counted ${outcome.processingSpeedup.toFixed(2)}x faster (${scaled.processingSeconds.toFixed(1)} s against ${baseline.processingSeconds.toFixed(1)} s once uploaded; ${outcome.totalSpeedup.toFixed(2)}x with the upload), on up to ${outcome.peakWorkers} workers at up to ${outcome.peakWorkerCpuCores.toFixed(2)} cores each.</div>
<table><tr><th>run</th><th>upload (s)</th><th>processing (s)</th><th>total (s)</th><th>peak workers</th><th>peak CPU per worker</th><th>OOM kills</th><th>result correct</th></tr>
${row(baseline)}
${row(scaled)}
</table>
${charts.map((chart) => `<div class="chart">${chart}</div>`).join('\n')}
<h2>The scaler's decisions in the scaled run</h2>
${marks.length ? `<table><tr><th>#</th><th>at</th><th>change</th><th>outcome</th><th>reason</th></tr>\n${decisionRows}\n</table>` : '<p>No decision was recorded.</p>'}
<h2>Goals</h2>
<table><tr><th></th><th>goal</th><th>seen</th></tr>
${goals}
</table>
${input.scalerReport ? `<p class="note">The scaler's full report of the scaled run (signals against targets, limits, memory): <a href="${escapeXml(input.scalerReport)}">${escapeXml(input.scalerReport)}</a>.</p>` : ''}
<p class="note">"without" and "with": the runs without and with the scaler. Numbered markers: the scaler's decisions in the scaled run, as in the table. Times are seconds since each run's upload began. "Counted" is the job's progress as the app reports it (bytes of the file its chunks have read).</p>
</main></body></html>
`;
}
