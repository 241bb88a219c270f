/** The report's arithmetic and rendering, pure: summary figures, ticks, escaping, no scripts. */
import { describe, expect, it } from 'vitest';
import { decisionTimeLabel, renderReportHtml } from '../../scaler/report/html.js';
import { integrateSteps, percentText, secondsAboveTarget, summarise, timeAboveTargetFromCounts, type ServiceHistory } from '../../scaler/report/model.js';
import { niceTicks } from '../../scaler/report/svg.js';
import { serviceHistory as history } from './support/serviceHistory.js';
import { parseDuration, parseTime } from '../../scaler/report/command.js';

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (s: number) => t0 + s * 1000;


describe('summary figures', () => {
  it('replica-seconds integrate the replica count as a step function over the range', () => {
    const replicas = [{ t: at(0), v: 1 }, { t: at(10), v: 3 }, { t: at(20), v: 2 }];
    // 10 s × 1 + 10 s × 3 + (until the range ends at 25 s) 5 s × 2
    expect(integrateSteps(replicas, at(0), at(25), 60_000)).toBe(10 + 30 + 10);
  });

  it('a hole in the data is not extrapolated', () => {
    const replicas = [{ t: at(0), v: 2 }, { t: at(100), v: 2 }];
    expect(integrateSteps(replicas, at(0), at(101), 5000)).toBe(2 * 5 + 2 * 1);
  });

  it('time above target counts the seconds the signal exceeded its (possibly changing) target', () => {
    const value = [0.5, 0.9, 0.9, 0.6, 0.8].map((v, i) => ({ t: at(i * 10), v }));
    const target = [{ t: at(0), v: 0.7 }, { t: at(35), v: 0.85 }];
    expect(secondsAboveTarget(value, target, at(0), at(50), 60_000)).toBe(20);
  });

  it('the headline says what happened and the decision that explains it', () => {
    const summary = summarise(
      history({
        bucketSeconds: 30,
        replicas: [{ t: at(0), v: 1 }, { t: at(30), v: 3 }, { t: at(90), v: 2 }],
        cpuLimitPerReplicaCores: [{ t: at(0), v: 0.25 }, { t: at(20), v: 0.5 }],
        signal: { name: 'cpu', value: [{ t: at(0), v: 1 }, { t: at(30), v: 0.5 }], target: [{ t: at(0), v: 0.7 }], smoothed: [], forecast: [] },
        decisions: [
          { time: at(20), action: 'scale_up', resource: 'cpu', outcome: 'applied', dryRun: false, reason: 'throttled', change: 'CPU 0.25 → 0.50 cores' },
          { time: at(30), action: 'scale_out', resource: 'replicas', outcome: 'applied', dryRun: false, reason: 'CPU at its cap', change: 'replicas 1 → 3' },
          { time: at(90), action: 'scale_in', resource: 'replicas', outcome: 'applied', dryRun: false, reason: 'load fell', change: 'replicas 3 → 2' },
          { time: at(95), action: 'scale_in', resource: 'replicas', outcome: 'dry_run', dryRun: true, reason: 'would', change: 'replicas 2 → 1' },
        ],
      }),
      at(0),
      at(120),
    );
    expect(summary).toMatchObject({ actions: 3, dryRunActions: 1, replicasStart: 1, replicasEnd: 2, replicasPeak: 3, cpuLimitStart: 0.25, cpuLimitEnd: 0.5, timeAboveTargetSeconds: 30 });
    expect(summary.replicaSeconds).toBe(30 + 180 + 60);
    expect(summary.headline).toMatch(/^3 actions \(1 scale-up, 1 scale-out, 1 scale-in\); 1 would-be action in dry-run; replicas 1 → 2 \(peak 3\); CPU limit 0\.25 → 0\.50 cores per replica; cpu above target \d+% of the time\. Why, at 12:00:30: replicas 1 → 3 because CPU at its cap\.$/);
  });
});

describe('time above target from counts of raw points', () => {
  it('is the share of the points above their target, and that share of the seconds the signal covers', () => {
    expect(timeAboveTargetFromCounts({ above: 36, points: 17_280 }, 86_400)).toEqual({ fraction: 36 / 17_280, seconds: (36 / 17_280) * 86_400 });
    expect(timeAboveTargetFromCounts({ above: 0, points: 10 }, 50)).toEqual({ fraction: 0, seconds: 0 });
    expect(timeAboveTargetFromCounts({ above: 10, points: 10 }, 50)).toEqual({ fraction: 1, seconds: 50 });
  });

  it('is unknown when no point could be judged', () => {
    expect(timeAboveTargetFromCounts({ above: 0, points: 0 }, 600)).toBeUndefined();
  });

  it('the summary takes the counts over the bucket means, and the notes say which it did', () => {
    // One 60 s bucket mean of 0.5 under a 0.7 target: the means see nothing above it; the raw points saw 3 of 12.
    const means = history({ bucketSeconds: 60, signal: { name: 'cpu', value: [{ t: at(0), v: 0.5 }, { t: at(60), v: 0.5 }], target: [{ t: at(0), v: 0.7 }], smoothed: [], forecast: [] } });
    const fromMeans = summarise(means, at(0), at(120));
    expect(fromMeans).toMatchObject({ timeAboveTargetSeconds: 0, timeAboveTargetFraction: 0 });
    expect(fromMeans.notes).toContainEqual(expect.stringMatching(/, and the time above target is counted on those means\. The peak replica count is read whole\./));
    const fromCounts = summarise({ ...means, signalPointsAboveTarget: { above: 3, points: 12 } }, at(0), at(120));
    expect(fromCounts).toMatchObject({ timeAboveTargetSeconds: 30, timeAboveTargetFraction: 0.25 });
    expect(fromCounts.notes).toContainEqual(expect.stringMatching(/, the shading above target with them\. The peak replica count and the time above target are read whole, from every point recorded\./));
    expect(fromCounts.notes.join(' ')).not.toContain('counted on those means');
  });

  it('a share is said in whole percent, except a small one that would round away to 0% or up to 100%', () => {
    expect([0, 0.0002, 0.002, 0.0049, 0.005, 0.15, 0.994, 0.996, 0.9996, 1].map(percentText)).toEqual(['0%', 'under 0.1%', '0.2%', '0.5%', '1%', '15%', '99%', '99.6%', 'over 99.9%', '100%']);
  });
});

describe('rendering', () => {
  it('axis ticks are round numbers', () => {
    expect(niceTicks(0, 1.08, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 0.9, 4)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(niceTicks(0, 340, 4)).toEqual([0, 100, 200, 300]);
  });

  it('the page is self-contained and escapes what it shows', () => {
    const html = renderReportHtml({
      title: 'Scaler report',
      from: at(0),
      to: at(60),
      generatedAt: at(61),
      services: [{ ...history({ decisions: [{ time: at(5), action: 'scale_out', resource: 'replicas', outcome: 'applied', dryRun: false, reason: '<img src=x onerror=alert(1)>', change: 'replicas 1 → 2' }] }), summary: summarise(history(), at(0), at(60)) }],
    });
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('no data in this range');
  });

  it("a decision's time in the table is to the second, with its date when the range covers more than one day", () => {
    const decision = Date.UTC(2026, 0, 2, 13, 7, 23);
    expect(decisionTimeLabel(decision, Date.UTC(2026, 0, 2, 6), Date.UTC(2026, 0, 2, 18))).toBe('13:07:23');
    expect(decisionTimeLabel(decision, Date.UTC(2026, 0, 1, 18), Date.UTC(2026, 0, 2, 18))).toBe('2026-01-02 13:07:23');
  });

  it('the command reads durations and times', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseTime('2026-01-01T12:00:00Z', '--from')).toBe(t0);
    expect(parseTime(String(t0), '--from')).toBe(t0);
    expect(() => parseDuration('soon')).toThrow(/a duration such as/);
  });
});
